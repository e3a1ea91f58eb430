/**
 * Stream names, one function per aggregate. The category is the part before the first "-";
 * ids are joined with dots, which ids never contain.
 */
import { ID_PATTERN } from './ids';

export const accountStream = (accountId: string): string => `account-${accountId}`;
export const orderStream = (accountId: string, orderId: string): string => `order-${accountId}.${orderId}`;
export const purchaseOrderStream = (accountId: string, purchaseOrderId: string): string =>
  `po-${accountId}.${purchaseOrderId}`;
export const binStream = (accountId: string, locationId: string, binId: string): string =>
  `bin-${accountId}.${locationId}.${binId}`;

export type ParsedStream =
  | { category: 'account'; accountId: string }
  | { category: 'order'; accountId: string; orderId: string }
  | { category: 'po'; accountId: string; purchaseOrderId: string }
  | { category: 'bin'; accountId: string; locationId: string; binId: string };

/** The ids a stream name was built from, or undefined when it is not one of ours. */
export const parseStreamName = (streamName: string): ParsedStream | undefined => {
  const dash = streamName.indexOf('-');
  if (dash < 0) return undefined;
  const category = streamName.slice(0, dash);
  const ids = streamName.slice(dash + 1).split('.');
  if (!ids.every((id) => ID_PATTERN.test(id))) return undefined;
  switch (category) {
    case 'account':
      return ids.length === 1 ? { category, accountId: ids[0]! } : undefined;
    case 'order':
      return ids.length === 2 ? { category, accountId: ids[0]!, orderId: ids[1]! } : undefined;
    case 'po':
      return ids.length === 2 ? { category, accountId: ids[0]!, purchaseOrderId: ids[1]! } : undefined;
    case 'bin':
      return ids.length === 3 ? { category, accountId: ids[0]!, locationId: ids[1]!, binId: ids[2]! } : undefined;
    default:
      return undefined;
  }
};

export const STREAM_PREFIXES = {
  account: 'account-',
  order: 'order-',
  purchaseOrder: 'po-',
  bin: 'bin-',
} as const;
