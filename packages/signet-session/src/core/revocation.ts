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
  readonly clock?: Clock;
}

interface Known {
  readonly generation: number;
  readonly until: number;
}

export class Revocation {
  private readonly source: GenerationSource;
  private readonly staleness: number;
  private readonly maxUsers: number;
  private readonly clock: Clock;
  private readonly known = new Map<string, Known>();

  /** @throws TypeError naming the option, for a configuration that cannot work. */
  constructor(options: RevocationOptions) {
    const given: unknown = options.generations;
    if (typeof given === 'function') this.source = { generation: given as (userId: string) => Promise<number> | number };
    else if (typeof given === 'object' && given !== null && typeof (given as GenerationSource).generation === 'function') this.source = given as GenerationSource;
    else throw new TypeError(`revocation.generations is invalid: ${given === null ? 'null' : typeof given} (give a store, or a function from a user id to its generation)`);
    const staleness = options.staleness ?? 5;
    if (!Number.isFinite(staleness) || staleness < 0) throw new TypeError(`revocation.staleness is invalid: ${String(staleness)} (give seconds, 0 or more)`);
    this.staleness = staleness;
    const maxUsers = options.maxUsers ?? 10_000;
    if (!Number.isSafeInteger(maxUsers) || maxUsers < 1) throw new TypeError(`revocation.maxUsers is invalid: ${String(maxUsers)} (give a whole number, 1 or more)`);
    this.maxUsers = maxUsers;
    this.clock = options.clock ?? Date.now;
  }

  /** The user's generation: at once when it was read within the window, else a promise of it. */
  current(userId: string): number | Promise<number> {
    const known = this.known.get(userId);
    if (known !== undefined && known.until > this.clock()) return known.generation;
    const read = this.source.generation(userId);
    return typeof read === 'number' ? this.note(userId, read) : read.then((generation) => this.note(userId, generation));
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
    this.known.set(userId, { generation, until: this.clock() + this.staleness * 1000 });
    return generation;
  }
}

/** The user a session's data names (Flask-Login's `_user_id`), as text; undefined when nobody is logged in. */
export function userOf(data: { readonly [key: string]: unknown } | undefined): string | undefined {
  const user = data === undefined || !Object.hasOwn(data, USER_KEY) ? undefined : data[USER_KEY];
  return typeof user === 'string' || typeof user === 'number' ? String(user) : undefined;
}
