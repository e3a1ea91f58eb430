/**
 * A bounded cache without per-access reordering: two generations of Maps. A hit in the older
 * generation moves the entry to the newer; when the newer fills half the capacity it becomes the
 * older and the old older is dropped. Keeps between capacity/2 and capacity entries, and costs no
 * Map delete per access (moving a key to the end of a large Map on every access is what an exact
 * LRU costs: V8 rebuilds the table every few thousand deletions).
 */
export class GenerationalCache<K, V> {
  private recent = new Map<K, V>();
  private older = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const found = this.recent.get(key);
    if (found !== undefined) return found;
    const old = this.older.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (!this.recent.has(key) && this.recent.size >= this.capacity / 2) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(key, value);
  }

  delete(key: K): void {
    this.recent.delete(key);
    this.older.delete(key);
  }

  clear(): void {
    this.recent.clear();
    this.older.clear();
  }

  get size(): number {
    return this.recent.size + this.older.size;
  }
}
