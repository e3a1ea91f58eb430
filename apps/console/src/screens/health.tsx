/** Health: the stores, each processor's state and lag (`GET /health`), and for the admin the parked conflicts with a retry (`GET /admin/processors`). */
import { useState } from 'preact/hooks';
import { get, post, seg } from '../api';
import { ConfirmDialog, dash, date, Loading, StatusBadge, useLoad } from '../ui';

interface HealthAnswer {
  status: string;
  eventStore: { kind: string; status: string; headPosition?: string; error?: string };
  readStore: { kind: string; status: string; error?: string };
  projectionLag: { max: number | string | null; processors: { name: string; state: string; checkpoint?: string | null; lag?: number | string | null; error?: string; resubscriptions?: number; parked?: number; instance?: string; heartbeatAt?: string }[] };
}

interface Parked {
  parkedId: string;
  eventId: string;
  streamName: string;
  revision: number;
  position: string;
  type: string;
  flow?: string;
  error: { name: string; code?: string; message: string };
  parkedAt: string;
  lastRetry?: unknown;
}

interface ProcessorsAnswer {
  processors: { name: string; state: string; checkpoint?: string | null; resubscriptions?: number; error?: unknown; parked: Parked[] }[];
}

/** /health answers its body with 503 too (degraded): read it either way. */
const loadHealth = async (): Promise<HealthAnswer> => {
  const response = await fetch('/health', { headers: { accept: 'application/json' } });
  return (await response.json()) as HealthAnswer;
};

export const HealthScreen = ({ admin }: { admin: boolean }) => {
  const health = useLoad(loadHealth, 'health', 5000);
  const processors = useLoad(() => (admin ? get<ProcessorsAnswer>('/admin/processors') : Promise.resolve(undefined)), `processors|${admin}`, 5000);
  const [retry, setRetry] = useState<{ processor: string; parked: Parked } | undefined>();
  const [outcome, setOutcome] = useState<string | undefined>();
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health {health.data ? <StatusBadge status={health.data.status} /> : null}</h1>
      <Loading loaded={health} label="health">
        {(data) => (
          <>
            <dl class="facts">
              <div>
                <dt>Event store</dt>
                <dd>
                  {data.eventStore.kind}: {data.eventStore.status}
                  {data.eventStore.headPosition ? `, head ${data.eventStore.headPosition}` : ''}
                  {data.eventStore.error ? ` (${data.eventStore.error})` : ''}
                </dd>
              </div>
              <div>
                <dt>Read store</dt>
                <dd>
                  {data.readStore.kind}: {data.readStore.status}
                  {data.readStore.error ? ` (${data.readStore.error})` : ''}
                </dd>
              </div>
              <div>
                <dt>Largest lag</dt>
                <dd>{dash(data.projectionLag.max)}</dd>
              </div>
            </dl>
            <h2>Processors</h2>
            <div class="table-wrap">
              <table id="processors">
                <caption class="sr-only">Processors, their state and lag</caption>
                <thead>
                  <tr>
                    <th scope="col">Processor</th>
                    <th scope="col">State</th>
                    <th scope="col">Checkpoint</th>
                    <th scope="col">Lag</th>
                    <th scope="col">Parked</th>
                    <th scope="col">Resubscriptions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.projectionLag.processors.map((processor) => (
                    <tr key={processor.name}>
                      <td>{processor.name}</td>
                      <td>
                        {processor.state}
                        {processor.error ? <span class="muted"> {processor.error}</span> : null}
                      </td>
                      <td>{dash(processor.checkpoint)}</td>
                      <td>{dash(processor.lag)}</td>
                      <td>{dash(processor.parked)}</td>
                      <td>{dash(processor.resubscriptions)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Loading>
      <h2>Parked conflicts</h2>
      {!admin ? (
        <p class="muted">Parked conflicts and their retry are for the admin token.</p>
      ) : (
        <Loading loaded={processors} label="processors">
          {(data) => {
            const parked = (data?.processors ?? []).flatMap((processor) => processor.parked.map((entry) => ({ processor: processor.name, parked: entry })));
            return parked.length === 0 ? (
              <p class="empty" id="no-parked">
                No event is parked.
              </p>
            ) : (
              <div class="table-wrap">
                <table id="parked">
                  <caption class="sr-only">Events a processor parked</caption>
                  <thead>
                    <tr>
                      <th scope="col">Processor</th>
                      <th scope="col">Event</th>
                      <th scope="col">Stream</th>
                      <th scope="col">Refusal</th>
                      <th scope="col">Parked at</th>
                      <th scope="col">
                        <span class="sr-only">Retry</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {parked.map((entry) => (
                      <tr key={entry.parked.parkedId}>
                        <td>{entry.processor}</td>
                        <td>
                          {entry.parked.type} <span class="muted">#{entry.parked.position}</span>
                        </td>
                        <td>
                          {entry.parked.streamName}@{entry.parked.revision}
                        </td>
                        <td>
                          {entry.parked.error.code ? <code>{entry.parked.error.code}</code> : null} {entry.parked.error.message}
                        </td>
                        <td>{date(entry.parked.parkedAt)}</td>
                        <td>
                          <button type="button" aria-label={`Retry parked event ${entry.parked.parkedId}`} onClick={() => setRetry(entry)}>
                            Retry
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }}
        </Loading>
      )}
      {outcome ? (
        <p role="status" class="notice">
          {outcome}
        </p>
      ) : null}
      {retry ? (
        <ConfirmDialog
          title={`Retry parked event ${retry.parked.parkedId}`}
          confirmLabel="Retry"
          description={<p>Asks the {retry.processor} processor to handle {retry.parked.type} of {retry.parked.streamName} again. Fix what refused it first: it answers resolved, parked (refused again) or pending.</p>}
          onConfirm={async () => {
            const answer = await post<{ outcome: string }>(`/admin/processors/${seg(retry.processor)}/parked/${seg(retry.parked.parkedId)}/retry`);
            setOutcome(`Retry of ${retry.parked.parkedId}: ${answer.outcome}`);
          }}
          onClose={(done) => {
            setRetry(undefined);
            if (done) processors.reload();
          }}
        />
      ) : null}
    </section>
  );
};
