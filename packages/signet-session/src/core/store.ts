/**
 * What a server-side session store does (docs/server-sessions.md), and the embedded one:
 * `MemoryStore`, for development, tests and one process. The Redis store (next) keeps the
 * same promises with a Lua script per write. Every operation is one step: a store never
 * interleaves two writes to one session, so the rules below hold under any concurrency.
 *
 * - A write sends only the keys that changed (`set`, `remove`); two requests that change
 *   different keys both keep their writes.
 * - A write to a session that is gone (destroyed, revoked or expired while the request
 *   ran) is refused (`gone`), never written back: nothing is resurrected.
 * - In strict mode a write names the version it read, and is refused (`conflict`) when
 *   another write came first.
 * - `take` reads a key and removes it in one step (flashes: two requests never both get them).
 */
import type { Clock } from './signer.js';

/**
 * The store did not answer in time, or could not be reached: the request that needed it
 * is answered 503 (`statusCode`, which Fastify and Express read), never left hanging.
 */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
  readonly statusCode = 503;
  readonly status = 503;
}

/** A session as a store keeps it. */
export interface StoredSession {
  /** Each session key's value, as Flask's tagged JSON. */
  readonly fields: ReadonlyMap<string, string>;
  /** Incremented by every write. */
  readonly version: number;
  /** Unix seconds: when the session began (for the absolute timeout). */
  readonly createdAt: number;
  /** Unix seconds: when its expiry was last pushed back (for the idle timeout). */
  readonly touchedAt: number;
  /** Unix seconds: when the store forgets it. */
  readonly expiresAt: number;
  /** On a regenerated session's old id, for a few seconds: the new secret, sealed to the old one (session-id.ts). */
  readonly forward?: string;
}

export interface SessionWrite {
  /** Keys whose value changed or is new, as tagged JSON. */
  readonly set: ReadonlyMap<string, string>;
  /** Keys removed. */
  readonly remove: readonly string[];
  /** True for a new session (refused if the key exists); false for one that was read (refused if it is gone). */
  readonly create: boolean;
  readonly createdAt: number;
  readonly touchedAt: number;
  readonly expiresAt: number;
  /** Seconds from now to `expiresAt` (at least 1): a store with its own clock (Redis) keeps the session this long. */
  readonly ttl: number;
  /** Strict mode: the version the request read; the write is refused if the session moved on. */
  readonly expectVersion?: number;
}

export type WriteVerdict = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly reason: 'gone' | 'conflict' | 'exists' };

export interface SessionStore {
  load(key: string): Promise<StoredSession | undefined>;
  write(key: string, write: SessionWrite): Promise<WriteVerdict>;
  /**
   * Moves a session to a new key in one step: `write` (a `create`, with all its data) at
   * `newKey`, and `oldKey` left holding only `forward` for `forwardTtl` seconds. Refused
   * (`gone`) when `oldKey` no longer holds a session.
   */
  regenerate(oldKey: string, newKey: string, forward: string, forwardTtl: number, write: SessionWrite): Promise<WriteVerdict>;
  /** Reads a session key and removes it in one step; undefined when it was not there (or the session is gone). */
  take(key: string, field: string): Promise<string | undefined>;
  destroy(key: string): Promise<void>;
  /** A user's generation: sessions created under an older one are revoked. 0 for a user never revoked. */
  generation(userId: string): Promise<number>;
  /** Ends every session of a user, on every device: the generation moves on. Gives the new one. */
  revokeUser(userId: string): Promise<number>;
}

interface Entry {
  fields: Map<string, string>;
  version: number;
  createdAt: number;
  touchedAt: number;
  expiresAt: number;
  forward?: string;
}

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; `Date.now` by default. */
  readonly clock?: Clock;
  /** The most sessions kept; past it the one created first goes. Default 100,000. */
  readonly maxSessions?: number;
}

/** Sessions in this process's memory: lost on restart, not shared between processes. */
export class MemoryStore implements SessionStore {
  private readonly sessions = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly clock: Clock;
  private readonly maxSessions: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const max = options.maxSessions ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError(`maxSessions is invalid: ${String(max)} (give a whole number of sessions, 1 or more)`);
    this.maxSessions = max;
  }

  private live(key: string): Entry | undefined {
    const entry = this.sessions.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt * 1000 <= this.clock()) {
      this.sessions.delete(key);
      return undefined;
    }
    return entry;
  }

  load(key: string): Promise<StoredSession | undefined> {
    const entry = this.live(key);
    // A copy: what the request changes reaches the store only through write().
    return Promise.resolve(entry === undefined ? undefined : { ...entry, fields: new Map(entry.fields) });
  }

  write(key: string, write: SessionWrite): Promise<WriteVerdict> {
    const entry = this.live(key);
    if (write.create) {
      if (entry !== undefined) return Promise.resolve({ ok: false, reason: 'exists' });
      this.makeRoom();
      const created: Entry = { fields: new Map(write.set), version: 1, createdAt: write.createdAt, touchedAt: write.touchedAt, expiresAt: write.expiresAt };
      this.sessions.set(key, created);
      return Promise.resolve({ ok: true, version: 1 });
    }
    if (entry === undefined || entry.forward !== undefined) return Promise.resolve({ ok: false, reason: 'gone' });
    if (write.expectVersion !== undefined && write.expectVersion !== entry.version) return Promise.resolve({ ok: false, reason: 'conflict' });
    for (const [field, value] of write.set) entry.fields.set(field, value);
    for (const field of write.remove) entry.fields.delete(field);
    entry.version += 1;
    entry.touchedAt = write.touchedAt;
    entry.expiresAt = write.expiresAt;
    return Promise.resolve({ ok: true, version: entry.version });
  }

  regenerate(oldKey: string, newKey: string, forward: string, forwardTtl: number, write: SessionWrite): Promise<WriteVerdict> {
    const old = this.live(oldKey);
    if (old === undefined || old.forward !== undefined) return Promise.resolve({ ok: false, reason: 'gone' });
    if (this.live(newKey) !== undefined) return Promise.resolve({ ok: false, reason: 'exists' });
    const forwardsUntil = Math.floor(this.clock() / 1000) + forwardTtl;
    this.sessions.set(oldKey, { fields: new Map(), version: old.version + 1, createdAt: old.createdAt, touchedAt: old.touchedAt, expiresAt: forwardsUntil, forward });
    this.makeRoom();
    this.sessions.set(newKey, { fields: new Map(write.set), version: 1, createdAt: write.createdAt, touchedAt: write.touchedAt, expiresAt: write.expiresAt });
    return Promise.resolve({ ok: true, version: 1 });
  }

  take(key: string, field: string): Promise<string | undefined> {
    const entry = this.live(key);
    const value = entry?.forward === undefined ? entry?.fields.get(field) : undefined;
    if (entry !== undefined && value !== undefined) {
      entry.fields.delete(field);
      entry.version += 1;
    }
    return Promise.resolve(value);
  }

  destroy(key: string): Promise<void> {
    this.sessions.delete(key);
    return Promise.resolve();
  }

  generation(userId: string): Promise<number> {
    return Promise.resolve(this.generations.get(userId) ?? 0);
  }

  revokeUser(userId: string): Promise<number> {
    const next = (this.generations.get(userId) ?? 0) + 1;
    this.generations.set(userId, next);
    return Promise.resolve(next);
  }

  /** How many sessions are kept (expired ones not yet swept included). */
  get size(): number {
    return this.sessions.size;
  }

  /** At the bound, the session created first goes (a Map keeps its keys in the order they came). */
  private makeRoom(): void {
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value as string);
  }
}
