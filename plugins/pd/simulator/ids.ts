// Identifiers as PD hands them out. Cluster and member ids are random uint64 values (etcd member ids, the
// cluster id from the first PD's bootstrap): above 2^53, so a client that uses plain JSON.parse rounds them.
// The simulator makes them large on purpose. Store, region and peer ids come from one allocator (PD's AllocID),
// small and shared, so store ids are not 1, 2, 3 but whatever the allocator reached.

const UINT64_MASK = (1n << 64n) - 1n;
const ABOVE_SAFE_INTEGER = 1n << 53n;

/** A seeded 64-bit generator (splitmix64): the same seed gives the same ids, so tests are reproducible. */
export class Uint64Source {
  private state: bigint;

  constructor(seed: bigint | number) {
    this.state = BigInt(seed) & UINT64_MASK;
  }

  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & UINT64_MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & UINT64_MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & UINT64_MASK;
    return z ^ (z >> 31n);
  }

  /** A random uint64 strictly above 2^53, like the ids of a real PD cluster in practice. */
  nextLargeId(): bigint {
    for (;;) {
      const v = this.next();
      if (v > ABOVE_SAFE_INTEGER) return v;
    }
  }

  /** A float in [0, 1), for decisions that need a random choice. */
  nextFloat(): number {
    return Number(this.next() >> 11n) / 2 ** 53;
  }
}

/** A seed from the platform's random source, for runs that need not be reproducible. */
export function randomSeed(): bigint {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return (BigInt(words[0] ?? 0) << 32n) | BigInt(words[1] ?? 0);
}

/** PD's AllocID: one increasing counter for stores, regions and peers. */
export class IdAllocator {
  private last: number;

  constructor(start = 0) {
    this.last = start;
  }

  alloc(): number {
    this.last += 1;
    return this.last;
  }
}
