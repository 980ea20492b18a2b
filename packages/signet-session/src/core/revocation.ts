/**
 * "Log out everywhere", for server-side and cookie sessions alike: each user has a
 * generation (a counter, in Redis, the memory store, or the app's own user table), a
 * session records the generation its user logged in under, and is refused once the
 * user's generation has moved on (`revokeUser`). A cookie cannot be taken back, but it
 * can be refused.
 *
 * The check reads the generation through a small local cache, fresh for `staleness`
 * seconds: a request whose user was looked up within the window costs one Map lookup; a
 * revocation made elsewhere takes effect within the window (at once in this process).
 */
import type { Clock } from './signer.js';
import { StoreUnavailable } from './errors.js';

/** The session key that names the logged-in user: Flask-Login's. */
export const USER_KEY = '_user_id';
/** The session key that records the generation the user logged in under. */
export const GENERATION_KEY = '_gen';

/** Where users' generations live: a SessionStore (MemoryStore, RedisStore) has both methods. */
export interface GenerationSource {
  generation(userId: string): Promise<number> | number;
  /** Moves the user's generation on and gives the new one (absent: the app moves it itself). */
  revokeUser?(userId: string): Promise<number> | number;
}

export interface RevocationOptions {
  /** The users' generations: a store, or a function reading the app's own user table. */
  readonly generations: GenerationSource | ((userId: string) => Promise<number> | number);
  /** Seconds a looked-up generation is trusted before it is read again. Default 5. */
  readonly staleness?: number;
  /** The most users whose generation is kept at once. Default 10,000. */
  readonly maxUsers?: number;
  /**
   * When the generations cannot be read (the store is unavailable: a generations
   * function says so by throwing {@link StoreUnavailable}): `'refuse'` (the default) fails
   * closed, and the request is answered 503; `{ allowStale: seconds }` keeps trusting a
   * user's last known generation for that many seconds after it was read, and refuses
   * (503) a user not read within them.
   */
  readonly whenUnavailable?: 'refuse' | { readonly allowStale: number };
  readonly clock?: Clock;
}

interface Known {
  readonly generation: number;
  /** Milliseconds: when it was read. */
  readonly readAt: number;
}

export class Revocation {
  private readonly source: GenerationSource;
  /** Milliseconds a read generation is trusted before it is read again. */
  private readonly staleness: number;
  private readonly maxUsers: number;
  private readonly clock: Clock;
  private readonly known = new Map<string, Known>();
  /** Milliseconds a known generation may still be trusted while the source is unavailable (0: refuse). */
  private readonly allowStale: number;

  /** @throws TypeError naming the option, for a configuration that cannot work. */
  constructor(options: RevocationOptions) {
    const given: unknown = options.generations;
    if (typeof given === 'function') this.source = { generation: given as (userId: string) => Promise<number> | number };
    else if (typeof given === 'object' && given !== null && typeof (given as GenerationSource).generation === 'function') this.source = given as GenerationSource;
    else throw new TypeError(`revocation.generations is invalid: ${given === null ? 'null' : typeof given} (give a store, or a function from a user id to its generation)`);
    const staleness = options.staleness ?? 5;
    if (!Number.isFinite(staleness) || staleness < 0) throw new TypeError(`revocation.staleness is invalid: ${String(staleness)} (give seconds, 0 or more)`);
    this.staleness = staleness * 1000;
    const maxUsers = options.maxUsers ?? 10_000;
    if (!Number.isSafeInteger(maxUsers) || maxUsers < 1) throw new TypeError(`revocation.maxUsers is invalid: ${String(maxUsers)} (give a whole number, 1 or more)`);
    this.maxUsers = maxUsers;
    this.clock = options.clock ?? Date.now;
    const when: unknown = options.whenUnavailable ?? 'refuse';
    const allowStale = when === 'refuse' ? 0 : typeof when === 'object' && when !== null ? (when as { allowStale?: unknown }).allowStale : undefined;
    if (typeof allowStale !== 'number' || !Number.isFinite(allowStale) || allowStale < 0) {
      throw new TypeError(`revocation.whenUnavailable is invalid: ${typeof when === 'object' || typeof when === 'string' ? JSON.stringify(when) : typeof when} (give 'refuse', or { allowStale: seconds })`);
    }
    this.allowStale = allowStale * 1000;
  }

  /** The user's generation: at once when it was read within the window, else a promise of it. */
  current(userId: string): number | Promise<number> {
    const known = this.known.get(userId);
    const now = this.clock();
    if (known !== undefined && now - known.readAt < this.staleness) return known.generation;
    let read: Promise<number> | number;
    try {
      read = this.source.generation(userId);
    } catch (error) {
      return this.unavailable(error, known, now);
    }
    return typeof read === 'number' ? this.note(userId, read) : read.then((generation) => this.note(userId, generation), (error: unknown) => this.unavailable(error, known, now));
  }

  /** The last known generation while it may still be trusted, when the source is unavailable; else the error again. */
  private unavailable(error: unknown, known: Known | undefined, now: number): number {
    if (error instanceof StoreUnavailable && known !== undefined && now - known.readAt < this.allowStale) return known.generation;
    throw error;
  }

  /** Ends every session of the user, everywhere: at once in this process, elsewhere within the staleness window. */
  async revokeUser(userId: string): Promise<number> {
    if (this.source.revokeUser === undefined) throw new TypeError('revokeUser is invalid here: revocation.generations has no revokeUser (move the generation in your user table, then call forget(userId))');
    return this.note(userId, await this.source.revokeUser(userId));
  }

  /** Forgets what is known of a user's generation, so the next request reads it again. */
  forget(userId: string): void {
    this.known.delete(userId);
  }

  private note(userId: string, generation: number): number {
    if (!Number.isSafeInteger(generation) || generation < 0) throw new TypeError(`the generation of user ${JSON.stringify(userId)} is invalid: ${String(generation)} (a whole number, 0 or more)`);
    this.known.delete(userId); // re-inserted last: the oldest entry goes first at the bound
    if (this.known.size >= this.maxUsers) this.known.delete(this.known.keys().next().value as string);
    this.known.set(userId, { generation, readAt: this.clock() });
    return generation;
  }
}

/** The user a session's data names (Flask-Login's `_user_id`), as text; undefined when nobody is logged in. */
export function userOf(data: { readonly [key: string]: unknown } | undefined): string | undefined {
  const user = data === undefined || !Object.hasOwn(data, USER_KEY) ? undefined : data[USER_KEY];
  return typeof user === 'string' || typeof user === 'number' ? String(user) : undefined;
}
