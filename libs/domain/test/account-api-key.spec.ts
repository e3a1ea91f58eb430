/** The account's API key: replaced by RotateApiKey (only hashes in the domain), the newest one counts. */
import { accountDecider } from '../src/account/account.decider';
import { AccountEvent } from '../src/account/account.events';
import { fold } from '../src/shared/decider';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { DeciderSpecification } from './decider-spec';

const given = DeciderSpecification.for(accountDecider, AccountEvent);

const FIRST = 'a'.repeat(64);
const SECOND = 'b'.repeat(64);
const THIRD = 'c'.repeat(64);

const opened: AccountEvent = {
  type: 'AccountOpened',
  data: { accountId: 'seller-1', name: 'Acme', accountType: 'seller', settings: DEFAULT_SETTINGS, apiKeyHash: FIRST, locationId: 'main', binId: 'default' },
};
const rotated = (apiKeyHash: string): AccountEvent => ({ type: 'ApiKeyRotated', data: { apiKeyHash } });

describe('account decider: RotateApiKey', () => {
  it('records the new key hash', () => {
    given([opened]).when({ type: 'RotateApiKey', apiKeyHash: SECOND }).then([rotated(SECOND)]);
  });

  it('records nothing when the hash is the one the account has', () => {
    given([opened, rotated(SECOND)]).when({ type: 'RotateApiKey', apiKeyHash: SECOND }).then([]);
  });

  it('refuses an account that does not exist', () => {
    given([]).when({ type: 'RotateApiKey', apiKeyHash: SECOND }).thenThrows({ kind: 'not_found', code: 'ACCOUNT_NOT_FOUND' });
  });

  it('folds to the newest hash, the rest of the account unchanged', () => {
    const state = fold(accountDecider, [opened, rotated(SECOND), rotated(THIRD)]);
    expect(state.opened).toEqual({ accountId: 'seller-1', name: 'Acme', accountType: 'seller', apiKeyHash: THIRD });
  });

  it('refuses a hash that is not SHA-256 hex in the stored event', () => {
    expect(AccountEvent.safeParse(rotated('not-a-hash')).success).toBe(false);
  });
});
