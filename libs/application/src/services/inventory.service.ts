/** Stock in bins: adjustments, and what is available to an order across a location's bins. */
import { binsForAssignment, hasBin } from '@app/domain/account/account.decider';
import { availableFor, stockOf } from '@app/domain/bin/bin.decider';
import { DomainError } from '@app/domain/shared/decider';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { binStream } from '@app/domain/shared/streams';
import { BinAggregate } from '@app/domain/aggregates';
import { CommandContext } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';

export class InventoryService {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
  ) {}

  async adjustStock(
    accountId: string,
    input: { adjustmentId: string; sku: string; quantity: number; locationId: string; binId: string; reason?: string },
    context: CommandContext,
  ) {
    const account = await this.accounts.get(accountId);
    if (!account.locations.has(input.locationId)) {
      throw new DomainError('not_found', 'LOCATION_NOT_FOUND', `Location ${input.locationId} does not exist`, 'locationId');
    }
    if (!hasBin(account, input.locationId, input.binId)) {
      throw new DomainError('not_found', 'BIN_NOT_FOUND', `Bin ${input.binId} does not exist in location ${input.locationId}`, 'binId');
    }
    const result = await this.commands.handle(
      BinAggregate,
      binStream(accountId, input.locationId, input.binId),
      {
        type: 'AdjustStock',
        adjustmentId: input.adjustmentId,
        sku: input.sku,
        quantity: input.quantity,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      },
      context,
    );
    const stock = stockOf(result.state, input.sku);
    return { stock: { sku: input.sku, locationId: input.locationId, binId: input.binId, ...stock }, position: result.position };
  }

  /** The SKU's stock in one bin as it stands now. */
  async stockIn(accountId: string, locationId: string, binId: string, sku: string, context?: CommandContext) {
    const { state } = await this.commands.load(BinAggregate, binStream(accountId, locationId, binId), context ? { context } : {});
    return { sku, locationId, binId, ...stockOf(state, sku) };
  }

  /**
   * What `orderId` may take of each SKU in the account's main location: free stock plus goods
   * reserved for it, summed over the bins. An estimate (stock moves on right after it anyway): a
   * bin with an assignment in flight answers as it stood before it; assignments decide for real.
   */
  async availableInMainLocation(accountId: string, skus: readonly string[], orderId: string): Promise<Map<string, number>> {
    const account = await this.accounts.get(accountId);
    const available = new Map(skus.map((sku) => [sku, 0]));
    for (const binId of binsForAssignment(account, MAIN_LOCATION_ID)) {
      const { state } = await this.commands.load(BinAggregate, binStream(accountId, MAIN_LOCATION_ID, binId), { orWhileAppending: true });
      for (const sku of skus) available.set(sku, available.get(sku)! + availableFor(state, sku, orderId));
    }
    return available;
  }
}
