/**
 * Accounts: opening, settings, bins, vendor mappings, and recognising and reissuing API keys.
 * No key is cached: `authenticate` folds the account stream through the command path, which reads
 * the stream's tail wherever another process may have written (PostgreSQL: every time), so a key
 * replaced by `rotateApiKey` stops working in every process from the next request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { accountExists, AccountState } from '@app/domain/account/account.decider';
import { AccountType } from '@app/domain/shared/ids';
import { SettingsPatch } from '@app/domain/shared/settings';
import { accountStream } from '@app/domain/shared/streams';
import { DomainError } from '@app/domain/shared/decider';
import { AccountAggregate } from '@app/domain/aggregates';
import { RankedVendor, VendorCandidate } from '@app/domain/account/account.events';
import { CommandContext } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';

export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey, 'utf8').digest('hex');

/** Keys read `<accountId>.<secret>`: ids never contain a dot, so the account is found without an index. */
const newApiKey = (accountId: string): string => `${accountId}.${randomBytes(24).toString('base64url')}`;

export class AccountsService {
  constructor(private readonly commands: CommandPath) {}

  async openAccount(
    input: { accountId: string; name: string; accountType: AccountType; settings: SettingsPatch },
    context: CommandContext,
  ) {
    const apiKey = newApiKey(input.accountId);
    const result = await this.commands.handle(
      AccountAggregate,
      accountStream(input.accountId),
      { type: 'OpenAccount', ...input, apiKeyHash: hashApiKey(apiKey) },
      context,
    );
    if (result.events.length === 0) {
      throw new DomainError('conflict', 'ACCOUNT_EXISTS', `Account ${input.accountId} already exists`, 'accountId');
    }
    return { apiKey, state: result.state, position: result.position! };
  }

  /**
   * Issues the account a new API key (same form as at opening) and answers it once; the key it had
   * stops working at once. Only the new key's hash is recorded (ApiKeyRotated).
   */
  async rotateApiKey(accountId: string, context: CommandContext) {
    const apiKey = newApiKey(accountId);
    const result = await this.commands.handle(
      AccountAggregate,
      accountStream(accountId),
      { type: 'RotateApiKey', apiKeyHash: hashApiKey(apiKey) },
      context,
    );
    return { accountId, apiKey, position: result.position };
  }

  async changeSettings(accountId: string, changes: SettingsPatch, context: CommandContext) {
    return this.commands.handle(AccountAggregate, accountStream(accountId), { type: 'ChangeSettings', changes }, context);
  }

  async addBin(accountId: string, locationId: string, binId: string, context: CommandContext) {
    return this.commands.handle(AccountAggregate, accountStream(accountId), { type: 'AddBin', locationId, binId }, context);
  }

  async mapVendor(accountId: string, sku: string, vendorAccountId: string, context: CommandContext) {
    const vendor = await this.find(vendorAccountId);
    return this.commands.handle(
      AccountAggregate,
      accountStream(accountId),
      {
        type: 'MapVendor',
        sku,
        vendorAccountId,
        vendor: vendor ? { accountId: vendorAccountId, accountType: vendor.opened!.accountType } : undefined,
      },
      context,
    );
  }

  /** Replaces the SKU's ranked vendor list; each listed account is looked up for the domain to judge. */
  async rankVendors(accountId: string, sku: string, vendors: readonly RankedVendor[], context: CommandContext) {
    const candidates: VendorCandidate[] = [];
    for (const { vendorAccountId } of vendors) {
      const vendor = await this.find(vendorAccountId);
      candidates.push(vendor ? { accountId: vendorAccountId, accountType: vendor.opened!.accountType } : undefined);
    }
    return this.commands.handle(AccountAggregate, accountStream(accountId), { type: 'RankVendors', sku, vendors, candidates }, context);
  }

  async unmapVendor(accountId: string, sku: string, context: CommandContext) {
    return this.commands.handle(AccountAggregate, accountStream(accountId), { type: 'UnmapVendor', sku }, context);
  }

  /** The account's state, or undefined when it was never opened. */
  async find(accountId: string): Promise<AccountState | undefined> {
    const { state } = await this.commands.load(AccountAggregate, accountStream(accountId));
    return accountExists(state) ? state : undefined;
  }

  async get(accountId: string): Promise<AccountState> {
    const state = await this.find(accountId);
    if (!state) throw new DomainError('not_found', 'ACCOUNT_NOT_FOUND', `Account ${accountId} does not exist`);
    return state;
  }

  /** The account an API key belongs to, or undefined for an unknown key or one that was replaced. */
  async authenticate(apiKey: string): Promise<string | undefined> {
    const dot = apiKey.indexOf('.');
    if (dot <= 0) return undefined;
    const accountId = apiKey.slice(0, dot);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(accountId)) return undefined;
    const state = await this.find(accountId);
    const expected = state?.opened?.apiKeyHash;
    if (!expected) return undefined;
    const given = Buffer.from(hashApiKey(apiKey), 'hex');
    return timingSafeEqual(given, Buffer.from(expected, 'hex')) ? accountId : undefined;
  }
}
