/** The four aggregates as the command path sees them. */
import { accountDecider, AccountState } from '@app/domain/account/account.decider';
import { AccountCommand, AccountEvent } from '@app/domain/account/account.events';
import { binDecider, BinState } from '@app/domain/bin/bin.decider';
import { BinCommand, BinEvent } from '@app/domain/bin/bin.events';
import { orderDecider, OrderState } from '@app/domain/order/order.decider';
import { OrderCommand, OrderEvent } from '@app/domain/order/order.events';
import { purchaseOrderDecider, PurchaseOrderState } from '@app/domain/purchase-order/purchase-order.decider';
import { PurchaseOrderCommand, PurchaseOrderEvent } from '@app/domain/purchase-order/purchase-order.events';
import { Aggregate } from './command-path/aggregate';

export const AccountAggregate: Aggregate<AccountState, AccountCommand, AccountEvent> = {
  category: 'account',
  decider: accountDecider,
  eventSchema: AccountEvent,
};

export const BinAggregate: Aggregate<BinState, BinCommand, BinEvent> = {
  category: 'bin',
  decider: binDecider,
  eventSchema: BinEvent,
};

export const OrderAggregate: Aggregate<OrderState, OrderCommand, OrderEvent> = {
  category: 'order',
  decider: orderDecider,
  eventSchema: OrderEvent,
};

export const PurchaseOrderAggregate: Aggregate<PurchaseOrderState, PurchaseOrderCommand, PurchaseOrderEvent> = {
  category: 'po',
  decider: purchaseOrderDecider,
  eventSchema: PurchaseOrderEvent,
};
