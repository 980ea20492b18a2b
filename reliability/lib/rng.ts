/**
 * A small seeded generator (mulberry32), so that every run of the suite sends the same
 * inputs and a failure can be reproduced from its seed.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A length skewed towards small values, up to `max`: most inputs short, some long. */
  length(max: number): number {
    const r = this.next();
    return Math.floor(max * r * r * r);
  }
}

/** Picks an index by weight. */
export function weighted<T>(rng: Rng, entries: ReadonlyArray<readonly [number, T]>): T {
  let total = 0;
  for (const [weight] of entries) total += weight;
  let x = rng.next() * total;
  for (const [weight, value] of entries) {
    x -= weight;
    if (x < 0) return value;
  }
  return (entries[entries.length - 1] as readonly [number, T])[1];
}

/** Picks by weight, fast: cumulative weights and a binary search. */
export class Picker<T> {
  private readonly cumulative: number[] = [];
  private readonly values: T[] = [];
  private readonly total: number;

  constructor(entries: ReadonlyArray<readonly [number, T]>) {
    let sum = 0;
    for (const [weight, value] of entries) {
      if (weight <= 0) continue;
      sum += weight;
      this.cumulative.push(sum);
      this.values.push(value);
    }
    if (this.values.length === 0) throw new RangeError('nothing to pick from');
    this.total = sum;
  }

  pick(rng: Rng): T {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo] as T;
  }
}
