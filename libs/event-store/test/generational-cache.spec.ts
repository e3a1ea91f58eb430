import { GenerationalCache } from '../src/generational-cache';

describe('GenerationalCache', () => {
  it('keeps at most its capacity, and what is used stays', () => {
    const cache = new GenerationalCache<number, string>(4);
    for (let i = 0; i < 100; i++) {
      cache.set(i, `v${i}`);
      // Key 0 is used all the time: it is never dropped.
      expect(cache.get(0)).toBe('v0');
      expect(cache.size).toBeLessThanOrEqual(4 + 1);
    }
    expect(cache.get(99)).toBe('v99');
    expect(cache.get(1)).toBeUndefined();
  });

  it('replaces a value and forgets on delete and clear', () => {
    const cache = new GenerationalCache<string, number>(10);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.get('a')).toBe(2);
    expect(cache.size).toBe(1);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
