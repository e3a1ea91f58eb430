/**
 * The rules of an assignment round (SPEC.md steps 1 and 6), as the fulfilment process manager
 * runs it: what each line asks of the bins, how the bins' decisions become the order's
 * assignments, and which reserved goods the order no longer needs afterwards.
 *
 * A line asks for its pending quantity less what open POs will still bring (`onOrder`): stock is
 * never taken for quantity a vendor is already bringing, so the POs of a line never exceed what
 * it waits for. Each bin gives the order's reserved goods first (they are no use to any other
 * order), then free stock.
 */
import { AssignmentDecision } from '../bin/bin.decider';
import { AssignmentResult } from '../order/order.events';
import { isAwaitingApproval, isOpen, OrderState, waitingQuantity } from '../order/order.decider';

export interface LineAsk {
  readonly sku: string;
  readonly quantity: number;
}

/** Per line: pending, less what open POs bring; lines asking nothing left out. */
export const roundAsks = (order: OrderState, onOrder: (sku: string) => number): LineAsk[] => {
  if (!isOpen(order) || isAwaitingApproval(order)) return [];
  return order.lines
    .map((line) => ({ sku: line.sku, quantity: waitingQuantity(order, line.sku) - onOrder(line.sku) }))
    .filter((ask) => ask.quantity > 0);
};

export interface BinDecision {
  readonly assignmentId: string;
  readonly sku: string;
  readonly locationId: string;
  readonly binId: string;
  readonly decision: AssignmentDecision;
}

/** What the bins decided, as the order records it: reserved goods (a backorder) and stock apart. */
export const roundResults = (decisions: readonly BinDecision[]): AssignmentResult[] =>
  decisions.flatMap(({ assignmentId, sku, locationId, binId, decision }): AssignmentResult[] => {
    if (!('given' in decision)) return [];
    const { quantity, fromReserved, grnId } = decision.given;
    const place = { sku, locationId, binId };
    return [
      ...(fromReserved > 0
        ? [{ assignmentId: `${assignmentId}:backorder`, ...place, quantity: fromReserved, source: 'backorder' as const, ...(grnId === undefined ? {} : { grnId }) }]
        : []),
      ...(quantity > fromReserved ? [{ assignmentId: `${assignmentId}:stock`, ...place, quantity: quantity - fromReserved, source: 'stock' as const }] : []),
    ];
  });

/** Units given by a decision (0 for nothing). */
export const givenBy = (decision: AssignmentDecision): number => ('given' in decision ? decision.given.quantity : 0);

/**
 * Reserved goods the order holds beyond what it still waits for from them (pending less what open
 * POs bring): they go back to free stock. `reserved` is per SKU over the location's bins.
 */
export const surplusReserved = (
  order: OrderState,
  onOrder: (sku: string) => number,
  reserved: ReadonlyMap<string, number>,
): LineAsk[] =>
  [...reserved]
    .map(([sku, held]) => ({ sku, quantity: held - Math.max(0, waitingQuantity(order, sku) - onOrder(sku)) }))
    .filter((surplus) => surplus.quantity > 0);
