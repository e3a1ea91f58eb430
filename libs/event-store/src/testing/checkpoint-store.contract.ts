/** The behaviour every CheckpointStore adapter must have. */
import { randomUUID } from 'node:crypto';
import { CheckpointConflictError, CheckpointStore } from '../checkpoints/checkpoint-store.port';

export const describeCheckpointStoreContract = (
  adapterName: string,
  makeFixture: () => Promise<{ store: CheckpointStore; dispose: () => Promise<void> }>,
): void => {
  describe(`CheckpointStore contract: ${adapterName}`, () => {
    let store: CheckpointStore;
    let dispose: () => Promise<void>;
    const name = () => `processor-${randomUUID()}`;

    beforeEach(async () => {
      ({ store, dispose } = await makeFixture());
    });
    afterEach(() => dispose());

    it('has no checkpoint for a processor that never stored one', async () => {
      expect(await store.load(name())).toBeUndefined();
    });

    it('moves the checkpoint from where it stands, keeping positions beyond 2^53 exact', async () => {
      const p = name();
      await store.store(p, 5n, undefined);
      await store.store(p, 9007199254740993n, 5n);
      expect(await store.load(p)).toBe(9007199254740993n);
    });

    it('refuses to move a checkpoint that another instance moved', async () => {
      const p = name();
      await store.store(p, 5n, undefined);
      await expect(store.store(p, 7n, undefined)).rejects.toBeInstanceOf(CheckpointConflictError);
      await store.store(p, 6n, 5n);
      await expect(store.store(p, 7n, 5n)).rejects.toBeInstanceOf(CheckpointConflictError);
      expect(await store.load(p)).toBe(6n);
    });

    it('forgets a checkpoint on reset', async () => {
      const p = name();
      await store.store(p, 3n, undefined);
      await store.reset(p);
      expect(await store.load(p)).toBeUndefined();
      await store.store(p, 1n, undefined);
      expect(await store.load(p)).toBe(1n);
    });
  });
};
