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
 * - A user's index (`index`, `sessionsOf`, `endSession`) lists the sessions of a logged-in
 *   user. It is a list of pointers with an expiry: a session is listed only while the
 *   store holds it under that user and generation, so a stale pointer is never shown,
 *   and revocation never depends on the index (the generation does it).
 */
import { familyOf } from './session-id.js';
import { GENERATION_KEY, USER_KEY } from './revocation.js';
import type { Clock } from './signer.js';

export { StoreUnavailable } from './errors.js';

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
  /** Unix seconds: its last write or idle refresh. */
  readonly seenAt?: number;
  /** The User-Agent of the request that created it (or regenerated it, as at a login). */
  readonly userAgent?: string;
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
  /** Unix seconds: now (the session's last sight, for its user's list of sessions). */
  readonly seenAt: number;
  /** For a new session: the User-Agent of the request that created it (at most {@link MAX_USER_AGENT} characters). */
  readonly userAgent?: string;
  /** Strict mode: the version the request read; the write is refused if the session moved on. */
  readonly expectVersion?: number;
}

/** The most characters of a User-Agent a session keeps. */
export const MAX_USER_AGENT = 256;

/** The most sessions a user's index lists; past it, those that expire first leave the list (they stay revocable). */
export const MAX_INDEXED_SESSIONS = 1000;

/** One of a user's sessions, as their list of sessions shows it. */
export interface UserSession {
  /** The session's id in this list (`Session.id`): kept across regenerations, and not a credential. */
  readonly id: string;
  /** Unix seconds: when it began. */
  readonly createdAt: number;
  /** Unix seconds: its last write or idle refresh (within a quarter of the idle window, with an idle timeout). */
  readonly lastSeenAt: number;
  /** Unix seconds: when it ends unless used. */
  readonly expiresAt: number;
  readonly userAgent?: string;
}

export type WriteVerdict = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly reason: 'gone' | 'conflict' | 'exists' };

export interface SessionStore {
  load(key: string): Promise<StoredSession | undefined>;
  write(key: string, write: SessionWrite): Promise<WriteVerdict>;
  /**
   * Moves a session to a new key in one step: `write` (a `create`, with all its data) at
   * `newKey`, and `oldKey` left holding only `forward` for `forwardTtl` seconds (0: deleted). Refused
   * (`gone`) when `oldKey` no longer holds a session.
   */
  regenerate(oldKey: string, newKey: string, forward: string, forwardTtl: number, write: SessionWrite): Promise<WriteVerdict>;
  /** Reads a session key and removes it in one step; undefined when it was not there (or the session is gone). */
  take(key: string, field: string): Promise<string | undefined>;
  destroy(key: string): Promise<void>;
  /** A user's generation: sessions created under an older one are revoked. 0 for a user never revoked. */
  generation(userId: string): Promise<number>;
  /**
   * Ends every session of a user, on every device: the generation moves on (that alone
   * refuses them all), and the sessions the user's index lists are deleted. Gives the new
   * generation.
   */
  revokeUser(userId: string): Promise<number>;
  /** Lists the session at `key` among `userId`'s until `expiresAt` (a login, or a session's expiry pushed back). */
  index(userId: string, key: string, expiresAt: number): Promise<void>;
  /** A user's sessions, the most recently seen first: only those the store holds under that user and generation. */
  sessionsOf(userId: string): Promise<UserSession[]>;
  /** Ends one of a user's sessions, by its `id` in {@link sessionsOf}; false when the user has no such session. */
  endSession(userId: string, id: string): Promise<boolean>;
}

/**
 * Whether a session the store holds is still the given user's, under the given
 * generation: what a user's list shows. Reads `_user_id` and `_gen` as Flask's tagged
 * JSON keeps them (a text or a number).
 */
export function heldBy(fields: ReadonlyMap<string, string> | ((field: string) => string | undefined), userId: string, generation: number): boolean {
  const field = typeof fields === 'function' ? fields : (name: string) => fields.get(name);
  const user = parseScalar(field(USER_KEY));
  const recorded = parseScalar(field(GENERATION_KEY));
  return user !== undefined && String(user) === userId && (recorded === undefined ? 0 : recorded) === generation;
}

function parseScalar(json: string | undefined): string | number | undefined {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' || typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A user's list entry for a session the store holds under `key`. */
export function listed(key: string, session: Pick<StoredSession, 'createdAt' | 'touchedAt' | 'seenAt' | 'expiresAt' | 'userAgent'>): UserSession {
  return {
    id: familyOf(key) ?? key,
    createdAt: session.createdAt,
    lastSeenAt: Math.max(session.seenAt ?? 0, session.touchedAt),
    expiresAt: session.expiresAt,
    ...(session.userAgent === undefined ? {} : { userAgent: session.userAgent }),
  };
}

/** Newest sighting first. */
export function byLastSeen(a: UserSession, b: UserSession): number {
  return b.lastSeenAt - a.lastSeenAt || b.createdAt - a.createdAt;
}

interface Entry {
  fields: Map<string, string>;
  version: number;
  createdAt: number;
  touchedAt: number;
  expiresAt: number;
  seenAt?: number;
  userAgent?: string;
  forward?: string;
}

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; `Date.now` by default. */
  readonly clock?: Clock;
  /** The most sessions kept; past it the one created first goes. Default 100,000. */
  readonly maxSessions?: number;
}

function userAgentOf(write: SessionWrite): { userAgent?: string } {
  return write.userAgent === undefined ? {} : { userAgent: write.userAgent.slice(0, MAX_USER_AGENT) };
}

/** Sessions in this process's memory: lost on restart, not shared between processes. */
export class MemoryStore implements SessionStore {
  private readonly sessions = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  /** Each user's sessions: key to expiry. */
  private readonly indexes = new Map<string, Map<string, number>>();
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
      const created: Entry = { fields: new Map(write.set), version: 1, createdAt: write.createdAt, touchedAt: write.touchedAt, expiresAt: write.expiresAt, seenAt: write.seenAt, ...userAgentOf(write) };
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
    entry.seenAt = write.seenAt;
    return Promise.resolve({ ok: true, version: entry.version });
  }

  regenerate(oldKey: string, newKey: string, forward: string, forwardTtl: number, write: SessionWrite): Promise<WriteVerdict> {
    const old = this.live(oldKey);
    if (old === undefined || old.forward !== undefined) return Promise.resolve({ ok: false, reason: 'gone' });
    if (this.live(newKey) !== undefined) return Promise.resolve({ ok: false, reason: 'exists' });
    const forwardsUntil = Math.floor(this.clock() / 1000) + forwardTtl;
    if (forwardTtl > 0) this.sessions.set(oldKey, { fields: new Map(), version: old.version + 1, createdAt: old.createdAt, touchedAt: old.touchedAt, expiresAt: forwardsUntil, forward });
    else this.sessions.delete(oldKey);
    this.makeRoom();
    this.sessions.set(newKey, { fields: new Map(write.set), version: 1, createdAt: write.createdAt, touchedAt: write.touchedAt, expiresAt: write.expiresAt, seenAt: write.seenAt, ...userAgentOf(write) });
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
    for (const key of this.indexes.get(userId)?.keys() ?? []) this.sessions.delete(key);
    this.indexes.delete(userId);
    return Promise.resolve(next);
  }

  index(userId: string, key: string, expiresAt: number): Promise<void> {
    let index = this.indexes.get(userId);
    if (index === undefined) this.indexes.set(userId, (index = new Map<string, number>()));
    const now = Math.floor(this.clock() / 1000);
    for (const [indexed, until] of index) if (until <= now) index.delete(indexed);
    index.delete(key); // re-inserted last
    index.set(key, expiresAt);
    while (index.size > MAX_INDEXED_SESSIONS) index.delete([...index].reduce((first, entry) => (entry[1] < first[1] ? entry : first))[0]);
    return Promise.resolve();
  }

  sessionsOf(userId: string): Promise<UserSession[]> {
    return Promise.resolve(this.held(userId).map(([key, entry]) => listed(key, entry)).sort(byLastSeen));
  }

  endSession(userId: string, id: string): Promise<boolean> {
    const found = this.held(userId).find(([key]) => familyOf(key) === id);
    if (found === undefined) return Promise.resolve(false);
    this.sessions.delete(found[0]);
    this.indexes.get(userId)?.delete(found[0]);
    return Promise.resolve(true);
  }

  /** The user's indexed sessions that the store still holds under that user and generation; the others leave the index. */
  private held(userId: string): Array<[string, Entry]> {
    const index = this.indexes.get(userId);
    if (index === undefined) return [];
    const generation = this.generations.get(userId) ?? 0;
    const held: Array<[string, Entry]> = [];
    for (const key of index.keys()) {
      const entry = this.live(key);
      if (entry !== undefined && entry.forward === undefined && heldBy(entry.fields, userId, generation)) held.push([key, entry]);
      else index.delete(key);
    }
    if (index.size === 0) this.indexes.delete(userId);
    return held;
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
