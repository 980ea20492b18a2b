/**
 * A token bucket per client: `capacity` requests at once, refilled at `perSecond`.
 * Bounded: past `maxClients` the longest-known clients are forgotten first.
 */
import type { Clock } from 'signet-session/core/signer';

export interface RateLimitOptions {
  readonly capacity: number;
  readonly perSecond: number;
  readonly maxClients?: number;
  readonly clock?: Clock;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly clock: Clock;
  private readonly maxClients: number;

  constructor(private readonly options: RateLimitOptions) {
    if (!(options.capacity >= 1) || !(options.perSecond > 0)) throw new RangeError(`rate limit is invalid: ${options.capacity} at ${options.perSecond}/s`);
    this.clock = options.clock ?? Date.now;
    this.maxClients = options.maxClients ?? 10_000;
  }

  /** Takes one token for `client`; returns 0 when allowed, else the seconds until one is free. */
  take(client: string): number {
    const now = this.clock();
    const bucket = this.buckets.get(client) ?? { tokens: this.options.capacity, at: now };
    // A clock that steps back (Date.now can) refills nothing rather than taking tokens away.
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.options.perSecond);
    bucket.at = now;
    this.buckets.delete(client); // re-inserted last: the Map keeps recency order
    this.buckets.set(client, bucket);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / this.options.perSecond);
    bucket.tokens -= 1;
    return 0;
  }
}
