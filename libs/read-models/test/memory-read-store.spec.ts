import { MemoryReadStore } from '../src/store/memory-read-store';
import { describeReadStoreContract } from '../src/testing/read-store.contract';

describeReadStoreContract('memory', async () => {
  const store = new MemoryReadStore();
  return { store, dispose: () => store.close() };
});

describe('MemoryReadStore', () => {
  it('keeps and returns the documents it is given, without copying them', async () => {
    const collection = new MemoryReadStore().collection('views');
    const document = { _id: 'a', _revision: 0, lines: [{ sku: 'X' }] };
    await collection.replaceOne({ _id: 'a' }, document, { upsert: true });
    expect(await collection.findOne({ _id: 'a' })).toBe(document);
    expect((await collection.find({ 'lines.sku': 'X' }))[0]).toBe(document);
  });
});
