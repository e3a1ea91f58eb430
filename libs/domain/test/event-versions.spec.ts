import { currentVersion, upcast, UnknownEventVersionError } from '../src/shared/event-versions';
import { OrderPlaced } from '../src/order/order.events';
import { StockAdjusted } from '../src/bin/bin.events';

describe('event versions', () => {
  it('writes OrderPlaced and StockAdjusted at version 2, everything else at 1', () => {
    expect(currentVersion('OrderPlaced')).toBe(2);
    expect(currentVersion('StockAdjusted')).toBe(2);
    expect(currentVersion('OrderApproved')).toBe(1);
  });

  it('brings an OrderPlaced v1 to today\'s shape, which today\'s schema accepts', () => {
    const v1 = { orderId: 'o', accountId: 'a', lines: [{ sku: 'S', qty: 2 }], approvalRequired: false };
    const today = upcast('OrderPlaced', 1, v1, 'event-1');
    expect(today).toEqual({ orderId: 'o', accountId: 'a', lines: [{ sku: 'S', quantity: 2 }], awaitingApproval: false, requestHash: 'v1-event-1' });
    expect(OrderPlaced.safeParse({ type: 'OrderPlaced', data: today }).success).toBe(true);
    // No version at all is version 1.
    expect(upcast('OrderPlaced', undefined, v1, 'event-1')).toEqual(today);
  });

  it('leaves today\'s version untouched', () => {
    const data = { adjustmentId: 'a', sku: 'S', quantity: 1 };
    expect(upcast('StockAdjusted', 2, data, 'e')).toBe(data);
    expect(StockAdjusted.safeParse({ type: 'StockAdjusted', data: upcast('StockAdjusted', 1, { sku: 'S', quantity: 1 }, 'e') }).success).toBe(true);
  });

  it('refuses a version it does not know', () => {
    expect(() => upcast('OrderPlaced', 3, {}, 'e')).toThrow(UnknownEventVersionError);
    expect(() => upcast('OrderApproved', 2, {}, 'e')).toThrow(/OrderApproved has no schema version 2/);
    expect(() => upcast('OrderPlaced', '1', {}, 'e')).toThrow(UnknownEventVersionError);
  });
});
