import {
  AccountAggregate,
  BinAggregate,
  InvalidStoredEventError,
  OrderAggregate,
  parseRecordedEvent,
  PurchaseOrderAggregate,
  StoredEvent,
} from '../src/aggregates';
import { accountStream, binStream, orderStream, parseStreamName, purchaseOrderStream } from '../src/shared/streams';

const stored = (streamName: string, type: string, data: unknown, metadata: Record<string, unknown> = {}, revision = 3n): StoredEvent => ({
  id: 'event-1',
  streamName,
  type,
  revision,
  data,
  metadata,
});

describe('aggregates', () => {
  it('names each aggregate by the category of its streams', () => {
    expect([
      [AccountAggregate.category, parseStreamName(accountStream('S'))?.category],
      [BinAggregate.category, parseStreamName(binStream('S', 'main', 'default'))?.category],
      [OrderAggregate.category, parseStreamName(orderStream('S', 'o-1'))?.category],
      [PurchaseOrderAggregate.category, parseStreamName(purchaseOrderStream('S', 'po-1'))?.category],
    ]).toStrictEqual([
      ['account', 'account'],
      ['bin', 'bin'],
      ['order', 'order'],
      ['po', 'po'],
    ]);
  });

  describe('parseRecordedEvent', () => {
    it('parses a stored event of today\'s version into the domain event', () => {
      const data = { assignmentId: 'a', orderId: 'o-1', sku: 'A', requested: 2 };
      expect(parseRecordedEvent(BinAggregate, stored('bin-S.main.default', 'NothingAssigned', data, { schemaVersion: 1 }))).toStrictEqual({
        type: 'NothingAssigned',
        data,
      });
    });

    it('brings an event of an older version to today\'s shape first (no version is version 1)', () => {
      const v1 = { orderId: 'o-1', accountId: 'S', lines: [{ sku: 'A', qty: 2 }], approvalRequired: true };
      expect(parseRecordedEvent(OrderAggregate, stored('order-S.o-1', 'OrderPlaced', v1))).toStrictEqual({
        type: 'OrderPlaced',
        data: { orderId: 'o-1', accountId: 'S', lines: [{ sku: 'A', quantity: 2 }], awaitingApproval: true, requestHash: 'v1-event-1' },
      });
      expect(parseRecordedEvent(BinAggregate, stored('bin-S.main.default', 'StockAdjusted', { sku: 'A', quantity: 2 }, { schemaVersion: 1 }))).toStrictEqual({
        type: 'StockAdjusted',
        data: { adjustmentId: 'v1-event-1', sku: 'A', quantity: 2 },
      });
    });

    it('refuses data that does not match, naming the stream, revision, type and field', () => {
      const bad = stored('po-S.po-1', 'PurchaseOrderClosed', { reason: 'x', lines: [{ sku: 'A', closedQuantity: -1 }] }, {}, 12n);
      let error: unknown;
      try {
        parseRecordedEvent(PurchaseOrderAggregate, bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidStoredEventError);
      expect(error).toMatchObject({ name: 'InvalidStoredEventError', streamName: 'po-S.po-1', revision: 12n, eventType: 'PurchaseOrderClosed' });
      expect((error as Error).message).toMatch(/^Event PurchaseOrderClosed at stream "po-S\.po-1" revision 12 does not match its schema: data\.lines\.0\.closedQuantity: /);
    });

    it('refuses an event of another aggregate, and a version it does not know', () => {
      expect(() => parseRecordedEvent(OrderAggregate, stored('order-S.o-1', 'StockAdjusted', { adjustmentId: 'a', sku: 'A', quantity: 1 }, { schemaVersion: 2 }))).toThrow(
        InvalidStoredEventError,
      );
      expect(() => parseRecordedEvent(OrderAggregate, stored('order-S.o-1', 'OrderApproved', {}, { schemaVersion: 2 }))).toThrow(
        /revision 3 does not match its schema: OrderApproved has no schema version 2/,
      );
    });
  });
});
