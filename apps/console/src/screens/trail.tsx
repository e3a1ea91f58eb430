/**
 * The trail of a backorder as a picture: one lane per account (the seller, then each vendor tier
 * as it joins the flow), one node per event in global log order (x by its place in the trail),
 * arrows from each event to the events it caused (their `causationId` names its `eventId`), and the
 * PO → vendor order → handover → GRN → assignment chain drawn in the accent colour. Live: the
 * trail is read again every 2 s. A node is a button: click it, or Enter or Space on it, to read the
 * event's JSON.
 */
import { useState } from 'preact/hooks';
import { get, seg, Trail, TrailEvent } from '../api';
import { Link, Loading, useLoad } from '../ui';

const STEP = 58;
const LANE = 84;
const LEFT = 132;
const TOP = 56;

const accountOf = (streamName: string): string => {
  const ids = streamName.slice(streamName.indexOf('-') + 1);
  return ids.split('.')[0] ?? streamName;
};

const categoryOf = (streamName: string): string => streamName.slice(0, Math.max(0, streamName.indexOf('-')));

/** The steps of the backorder chain: PO, vendor order, handover, GRN (and inward), assignment of the received goods. */
const chainStep = (event: TrailEvent, seller: string): string | undefined => {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const category = categoryOf(event.streamName);
  if (event.type === 'PurchaseOrderCreated') return 'PO';
  if (event.type === 'OrderPlaced' && category === 'order' && data['source']) return 'vendor order';
  if (event.type === 'OrderHandedOver' && accountOf(event.streamName) !== seller) return 'handover';
  if (event.type === 'GoodsReceived') return 'GRN';
  if (event.type === 'GoodsInwarded') return 'inward';
  if (event.type === 'InventoryAssigned' && data['source'] === 'backorder') return 'assignment';
  return undefined;
};

const short = (type: string) => (type.length > 18 ? `${type.slice(0, 17)}…` : type);

export const TrailPicture = ({ trail, selected, onSelect }: { trail: Trail; selected: string | undefined; onSelect: (position: string) => void }) => {
  const events = trail.events;
  const seller = accountOf(trail.correlationId);
  const lanes: string[] = [];
  for (const account of [seller, ...events.map((event) => accountOf(event.streamName))]) if (!lanes.includes(account)) lanes.push(account);
  const byId = new Map<string, number>();
  events.forEach((event, index) => event.eventId && byId.set(event.eventId, index));
  const place = (index: number) => ({ x: LEFT + index * STEP + STEP / 2, y: TOP + lanes.indexOf(accountOf(events[index]!.streamName)) * LANE + LANE / 2 });
  const steps = events.map((event) => chainStep(event, seller));
  const arrows: { from: number; to: number; chain: boolean }[] = [];
  events.forEach((event, index) => {
    const cause = byId.get(String(event.metadata['causationId'] ?? ''));
    if (cause !== undefined && cause !== index) arrows.push({ from: cause, to: index, chain: steps[cause] !== undefined && steps[index] !== undefined });
  });
  const width = LEFT + Math.max(events.length, 4) * STEP + 24;
  const height = TOP + lanes.length * LANE + 12;
  return (
    <div class="trail-scroll">
      <svg class="trail" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="group" aria-label={`Trail of ${trail.correlationId}: ${events.length} events in ${lanes.length} lanes`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
          <marker id="arrow-chain" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head chain" />
          </marker>
        </defs>
        {lanes.map((account, index) => (
          <g key={account} class="trail-lane" data-account={account}>
            <rect x={0} y={TOP + index * LANE} width={width} height={LANE} class={index % 2 ? 'lane-bg odd' : 'lane-bg'} />
            <text x={10} y={TOP + index * LANE + LANE / 2 - 4} class="lane-label">
              {account}
            </text>
            <text x={10} y={TOP + index * LANE + LANE / 2 + 14} class="lane-role">
              {index === 0 ? 'seller' : `vendor tier ${index}`}
            </text>
          </g>
        ))}
        {arrows.map((arrow, index) => {
          const a = place(arrow.from);
          const b = place(arrow.to);
          const bend = a.y === b.y ? -26 : 0;
          const d = `M ${a.x + 9} ${a.y} C ${(a.x + b.x) / 2} ${a.y + bend}, ${(a.x + b.x) / 2} ${b.y + bend}, ${b.x - 11} ${b.y}`;
          return <path key={index} d={d} class={arrow.chain ? 'trail-arrow chain' : 'trail-arrow'} marker-end={arrow.chain ? 'url(#arrow-chain)' : 'url(#arrow)'} />;
        })}
        {events.map((event, index) => {
          const { x, y } = place(index);
          const step = steps[index];
          const isSelected = selected === event.position;
          const label = `Event ${index + 1} of ${events.length}: ${event.type} in ${event.streamName}, position ${event.position}${step ? `, chain step ${step}` : ''}`;
          const select = () => onSelect(event.position);
          return (
            <g
              key={event.position}
              class={`trail-node cat-${categoryOf(event.streamName)}${step ? ' chain' : ''}${isSelected ? ' selected' : ''}`}
              data-position={event.position}
              data-type={event.type}
              transform={`translate(${x} ${y})`}
              role="button"
              // SVG attributes are case-sensitive: `tabIndex` would not make the node focusable.
              tabindex={0}
              aria-label={label}
              aria-pressed={isSelected}
              onClick={select}
              onKeyDown={(keyEvent) => {
                if (keyEvent.key === 'Enter' || keyEvent.key === ' ') {
                  keyEvent.preventDefault();
                  select();
                }
              }}
            >
              <title>{label}</title>
              <circle r={step ? 11 : 9} />
              <text class="node-type" transform="rotate(-38) translate(14 -4)">
                {short(event.type)}
              </text>
              {step ? (
                <text class="node-step" y={26} text-anchor="middle">
                  {step}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
    </div>
  );
};

export const TrailScreen = ({ accountId, orderId }: { accountId: string; orderId: string }) => {
  const path = `/accounts/${seg(accountId)}/orders/${seg(orderId)}`;
  const trail = useLoad(() => get<Trail>(`${path}/trail`), `${path}/trail`, 2000);
  const [selected, setSelected] = useState<string | undefined>();
  const event = trail.data?.events.find((candidate) => candidate.position === selected);
  const withoutIds = trail.data && trail.data.events.some((candidate) => candidate.eventId === undefined);
  return (
    <section aria-labelledby="trail-title">
      <p class="crumbs">
        <Link to={path}>Order {orderId}</Link>
      </p>
      <h1 id="trail-title">Trail of order {orderId}</h1>
      <Loading loaded={trail} label="the trail">
        {(data) => (
          <>
            <p class="muted" id="trail-summary" aria-live="polite">
              {data.events.length} events of flow <code>{data.correlationId}</code>, in log order; updated every 2 s.
            </p>
            <ul class="legend" aria-label="Legend">
              <li>
                <span class="swatch cat-order" /> order stream
              </li>
              <li>
                <span class="swatch cat-po" /> purchase order stream
              </li>
              <li>
                <span class="swatch cat-bin" /> bin stream
              </li>
              <li>
                <span class="swatch chain" /> PO → vendor order → handover → GRN → assignment
              </li>
            </ul>
            {withoutIds ? <p class="hint">This API does not answer event ids in the trail, so no causation arrows are drawn.</p> : null}
            <TrailPicture trail={data} selected={selected} onSelect={setSelected} />
            <section aria-labelledby="event-title" class="event-panel">
              <h2 id="event-title">{event ? `Event at position ${event.position}: ${event.type}` : 'Event'}</h2>
              {event ? <pre id="event-json" tabIndex={0} aria-label={`JSON of event ${event.position}`}>{JSON.stringify(event, null, 2)}</pre> : <p class="muted">Pick a node (click it, or Enter on it) to read its event.</p>}
            </section>
          </>
        )}
      </Loading>
    </section>
  );
};
