/**
 * Server-side sessions (docs/server-sessions.md): the cookie holds a signed id
 * (session-id.ts), the data lives in a {@link SessionStore}. The same `Session` object
 * as cookie sessions, opened and saved asynchronously:
 *
 *     const { session, loaded } = await sessions.open(cookieValue);
 *     ...the app runs...
 *     const saved = await sessions.save(session, loaded);
 *
 * A save sends the store only the keys whose JSON changed since the load (so parallel
 * requests that change different keys both keep theirs), pushes the expiry back at most
 * once per quarter of the idle window, and never writes a session that ended while the
 * request ran.
 */
import { BadData, err, ok, type Result } from './errors.js';
import { attributePicker, resolveSettings, type AttributePicker, type CookieOptions, type ResolvedSettings, type SavedSession } from './cookie-sessions.js';
import { serializeSetCookie, type CookieAttributes } from './cookie-header.js';
import { setOwn, type PyDict } from './python-types.js';
import { Session, type OpenedData } from './session.js';
import { openForward, sealForward, SessionIds, storageKey, type SessionId } from './session-id.js';
import type { Clock, Secret } from './signer.js';
import { MAX_USER_AGENT, type SessionStore, type StoredSession } from './store.js';
import { dumpTaggedJson, loadTaggedJson } from './tagged-json.js';
import { USER_KEY, userOf } from './revocation.js';

export interface ServerSessionOptions {
  /** Signs the id in the cookie: 32 random bytes or more. */
  readonly secret: Secret;
  readonly secretFallbacks?: readonly Secret[];
  readonly store: SessionStore;
  readonly cookie?: CookieOptions;
  /** Seconds a session lives without an idle timeout; a permanent one's cookie Expires. Default 31 days. */
  readonly permanentLifetime?: number;
  /** Seconds a session may go unused. */
  readonly idleTimeout?: number;
  /** Seconds a session may last from its start, however active. */
  readonly absoluteTimeout?: number;
  /** Refuse a write when another request wrote the session since this one read it ({@link SessionConflict}). Default false: keys merge. */
  readonly strict?: boolean;
  /** Prefix of every store key. Default "signet". */
  readonly keyPrefix?: string;
  readonly clock?: Clock;
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** What a load gave, kept for the save: which session, and its keys' JSON as read. */
export interface LoadedSession {
  readonly id: SessionId | undefined;
  readonly key: string | undefined;
  readonly stored: StoredSession | undefined;
  /** The cookie named a regenerated session's old id, which forwarded here: the answer sets the new one. */
  readonly moved?: boolean;
}

/** Where Flask keeps flashed messages. */
const FLASHES_KEY = '_flashes';

/** Seconds a regenerated session's old id still leads to it, for the requests already in flight. */
export const FORWARD_SECONDS = 10;

/** In strict mode: another request wrote the session since this one read it; nothing was saved. */
export class SessionConflict extends Error {
  override name = 'SessionConflict';
}

/** Why a session was written nowhere: it ended (destroyed, revoked, expired) while the request ran. */
export interface SavedServerSession extends SavedSession {
  /**
   * True when the session had ended before this request's write: nothing was written,
   * and no cookie is set. The browser may hold a newer cookie by now (a login in
   * parallel), which clearing would wipe; a dead one is only refused at its next use.
   */
  readonly ended?: boolean;
  readonly conflict?: SessionConflict;
}

const NEW: LoadedSession = Object.freeze({ id: undefined, key: undefined, stored: undefined });

export class ServerSessions<T extends PyDict = PyDict> {
  readonly settings: ResolvedSettings;
  private readonly ids: SessionIds;
  private readonly store: SessionStore;
  private readonly clock: Clock;
  private readonly strict: boolean;
  private readonly prefix: string;
  private readonly attributesFor: AttributePicker;

  /** @throws TypeError naming the option, for a configuration that cannot work. */
  constructor(options: ServerSessionOptions) {
    const store: unknown = options.store;
    if (typeof store !== 'object' || store === null || typeof (store as SessionStore).load !== 'function') {
      throw new TypeError(`store is invalid: ${store === null ? 'null' : typeof store} (give a SessionStore: new MemoryStore(), or a Redis store)`);
    }
    this.settings = resolveSettings({ secret: options.secret, format: 'flask', ...definedOnly(options) });
    this.ids = new SessionIds({ secret: options.secret, ...(options.secretFallbacks === undefined ? {} : { secretFallbacks: options.secretFallbacks }), ...(options.randomBytes === undefined ? {} : { randomBytes: options.randomBytes }) });
    this.store = options.store;
    this.clock = options.clock ?? Date.now;
    this.strict = options.strict ?? false;
    this.prefix = options.keyPrefix ?? 'signet';
    if (!/^[A-Za-z0-9:_-]{1,64}$/.test(this.prefix)) throw new TypeError(`keyPrefix is invalid: ${JSON.stringify(this.prefix)} (letters, digits, ":", "_" and "-", at most 64)`);
    this.attributesFor = attributePicker(this.settings.cookie);
  }

  get cookieName(): string {
    return this.settings.cookie.name;
  }

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Loads the session a cookie refers to: a missing, bad or unknown one gives a new, empty session, with the reason. */
  async open(cookie: string | undefined): Promise<{ readonly session: Session<T>; readonly loaded: LoadedSession; readonly rejected?: BadData }> {
    const { opened, loaded, rejected } = await this.openData(cookie);
    const session = new Session<T>(opened.data, opened.state);
    return rejected === undefined ? { session, loaded } : { session, loaded, rejected };
  }

  /** {@link open}, as the data and state a session is made of (for a deferred session). */
  async openData(cookie: string | undefined): Promise<{ readonly opened: OpenedData<T>; readonly loaded: LoadedSession; readonly rejected?: BadData }> {
    const read = cookie === undefined || cookie === '' ? undefined : this.read(cookie);
    if (read === undefined) return { opened: {}, loaded: NEW };
    if (!read.ok) return { opened: {}, loaded: NEW, rejected: read.error };
    let id = read.value;
    let key = storageKey(id, this.prefix);
    let stored = await this.store.load(key);
    let moved = false;
    if (stored?.forward !== undefined) {
      // Regenerated by another request a moment ago: follow it to the new id.
      const next = await this.follow(id);
      stored = next?.stored;
      if (next !== undefined) ({ id, key } = next);
      moved = next !== undefined;
    }
    const unknown = stored === undefined ? 'The store has no such session (it ended, or never was)' : this.timedOut(stored);
    if (unknown !== undefined) return { opened: {}, loaded: NEW, rejected: new BadData(unknown, 'unknown-session') };
    let fields = (stored as StoredSession).fields;
    if (fields.has(FLASHES_KEY)) {
      // Flashed messages are shown once: this request takes them out of the store in one
      // step, so a parallel request cannot show them too. If it does not show them, its
      // save writes them back (they are no longer among the fields as read).
      const taken = await this.store.take(key, FLASHES_KEY);
      const others = new Map([...fields].filter(([field]) => field !== FLASHES_KEY));
      stored = { ...(stored as StoredSession), fields: others };
      fields = taken === undefined ? others : new Map([...others, [FLASHES_KEY, taken]]); // undefined: another request took them first
    }
    const data: PyDict = {};
    try {
      for (const [field, json] of fields) setOwn(data, field, loadTaggedJson(json));
    } catch (cause) {
      return { opened: {}, loaded: NEW, rejected: new BadData(`The stored session cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`, 'payload-json') };
    }
    return { opened: { data: data as T, state: { isNew: false, createdAt: (stored as StoredSession).createdAt, source: cookie as string, id: id.family } }, loaded: { id, key, stored: stored, ...(moved ? { moved } : {}) } };
  }

  private read(cookie: string): Result<SessionId> {
    const read = this.ids.read(cookie);
    return read.ok ? ok(read.value.id) : err(read.error);
  }

  private timedOut(stored: StoredSession): string | undefined {
    const now = this.now();
    const { idleTimeout, absoluteTimeout } = this.settings;
    if (absoluteTimeout !== undefined && now - stored.createdAt > absoluteTimeout) return `Session began ${now - stored.createdAt} seconds ago, over the absolute timeout of ${absoluteTimeout}`;
    if (idleTimeout !== undefined && now - stored.touchedAt > idleTimeout) return `Session unused for ${now - stored.touchedAt} seconds, over the idle timeout of ${idleTimeout}`;
    return undefined;
  }

  /**
   * Writes what changed: a new session that holds something is created (and its cookie
   * set); an emptied one is destroyed (and its cookie deleted); otherwise only the
   * changed keys go to the store, with the expiry pushed back when a quarter of the idle
   * window has passed.
   */
  async save(session: Session<T>, loaded: LoadedSession, request: { readonly secure?: boolean; readonly userAgent?: string | (() => string | undefined) } = {}): Promise<SavedServerSession> {
    const attributes = this.attributesFor(this.settings.cookie.secure === 'auto' ? request.secure === true : this.settings.cookie.secure, session);
    const vary = session.accessed;
    const now = this.now();
    if (loaded.key === undefined || loaded.stored === undefined) {
      if (session.isEmpty()) return { vary };
      const id = this.ids.create();
      const set = new Map<string, string>();
      for (const [field, value] of Object.entries(session.toDict())) set.set(field, dumpTaggedJson(value));
      const expiresAt = this.expiry(now, now);
      const key = storageKey(id, this.prefix);
      const verdict = await this.indexed(userOf(session.toDict()), key, expiresAt, () => this.store.write(key, { set, remove: [], create: true, createdAt: now, touchedAt: now, expiresAt, ttl: Math.max(1, expiresAt - now), seenAt: now, ...userAgentOf(request) }));
      if (!verdict.ok) throw new Error(`the store refused a new session (${verdict.reason}): its id was not new`);
      return { vary: true, setCookie: this.cookie(id, session, now, now, attributes) };
    }
    const { key, stored } = loaded;
    if (session.isEmpty()) {
      await this.store.destroy(key);
      return { vary: true, setCookie: serializeSetCookie(this.cookieName, '', { ...attributes, expires: 0, maxAge: 0 }) };
    }
    if (session.regenerated && loaded.id !== undefined) {
      // A new secret in the same family (one cluster slot: one script), all the data written anew.
      const id = this.ids.create(loaded.id.family);
      const all = new Map<string, string>();
      for (const [field, value] of Object.entries(session.toDict())) all.set(field, dumpTaggedJson(value));
      const expiresAt = this.expiry(now, now);
      const write = { set: all, remove: [], create: true, createdAt: now, touchedAt: now, expiresAt, ttl: Math.max(1, expiresAt - now), seenAt: now, ...userAgentOf(request) };
      const newKey = storageKey(id, this.prefix);
      const oldSecret = loaded.id.secret;
      // The old id leads to the new one only when the user stays the same. A login or a
      // logout is never forwarded: an id planted before a login (session fixation) must
      // not lead to the logged-in session, not even for a few seconds.
      const user = userOf(session.toDict());
      const forwardFor = user === storedUser(stored) ? FORWARD_SECONDS : 0;
      const verdict = await this.indexed(user, newKey, expiresAt, () => this.store.regenerate(key, newKey, sealForward(oldSecret, id.secret), forwardFor, write));
      if (!verdict.ok) return { vary: true, ended: true };
      return { vary: true, setCookie: this.cookie(id, session, now, now, attributes) };
    }
    const set = new Map<string, string>();
    const data = session.toDict();
    for (const [field, value] of Object.entries(data)) {
      const json = dumpTaggedJson(value);
      if (stored.fields.get(field) !== json) set.set(field, json);
    }
    const remove = [...stored.fields.keys()].filter((field) => !Object.hasOwn(data, field));
    const { idleTimeout } = this.settings;
    const touch = idleTimeout !== undefined && now - stored.touchedAt >= Math.max(1, Math.floor(idleTimeout / 4));
    const moved = loaded.moved === true && loaded.id !== undefined ? this.cookie(loaded.id, session, stored.createdAt, now, attributes) : undefined;
    if (set.size === 0 && remove.length === 0 && !touch) return moved === undefined ? { vary } : { vary: true, setCookie: moved };
    const touchedAt = touch ? now : stored.touchedAt;
    const expiresAt = this.expiry(stored.createdAt, touchedAt);
    // The user's list learns of a login, and of an expiry pushed back.
    const user = userOf(data);
    const listAs = user !== undefined && (touch || set.has(USER_KEY)) ? user : undefined;
    const verdict = await this.indexed(listAs, key, expiresAt, () => this.store.write(key, {
      set,
      remove,
      create: false,
      createdAt: stored.createdAt,
      touchedAt,
      expiresAt,
      ttl: Math.max(1, expiresAt - now),
      seenAt: now,
      ...(this.strict ? { expectVersion: stored.version } : {}),
    }));
    if (verdict.ok) return session.peek('_permanent') === true && loaded.id !== undefined ? { vary: true, setCookie: this.cookie(loaded.id, session, stored.createdAt, now, attributes) } : moved === undefined ? { vary: true } : { vary: true, setCookie: moved };
    if (verdict.reason === 'conflict') return { vary: true, conflict: new SessionConflict('the session was written by another request since this one read it; nothing was saved') };
    // Regenerated by another request while this one ran: write to where it went, and hand out its id.
    const next = loaded.id === undefined ? undefined : await this.follow(loaded.id);
    if (next !== undefined) {
      const again = await this.store.write(next.key, { set, remove, create: false, createdAt: next.stored.createdAt, touchedAt: next.stored.touchedAt, expiresAt: next.stored.expiresAt, ttl: Math.max(1, next.stored.expiresAt - now), seenAt: now });
      if (again.ok) return { vary: true, setCookie: this.cookie(next.id, session, next.stored.createdAt, now, attributes) };
    }
    // Ended while the request ran (logged out, revoked, expired): not written back.
    return { vary: true, ended: true };
  }

  /**
   * The write's verdict, with the session listed among `user`'s (when given) in the same
   * round trip: the pointer goes first, so a session is never written unlisted, and a
   * pointer to a session whose write was refused is dropped when the list is read.
   */
  private async indexed<V>(user: string | undefined, key: string, expiresAt: number, write: () => Promise<V>): Promise<V> {
    if (user === undefined) return write();
    const listing = this.store.index(user, key, expiresAt);
    const [, verdict] = await Promise.all([listing, write()]);
    return verdict;
  }

  /** Where a regenerated session's old id leads, while it still does. */
  private async follow(id: SessionId): Promise<{ readonly id: SessionId; readonly key: string; readonly stored: StoredSession } | undefined> {
    const old = await this.store.load(storageKey(id, this.prefix));
    const secret = old?.forward === undefined ? undefined : openForward(id.secret, old.forward);
    if (secret === undefined) return undefined;
    const next = { family: id.family, secret };
    const key = storageKey(next, this.prefix);
    const stored = await this.store.load(key);
    return stored === undefined || stored.forward !== undefined ? undefined : { id: next, key, stored };
  }

  /** When the store forgets a session begun at `createdAt` and last touched at `touchedAt`. */
  private expiry(createdAt: number, touchedAt: number): number {
    const { idleTimeout, absoluteTimeout, permanentLifetime } = this.settings;
    return Math.min(touchedAt + (idleTimeout ?? permanentLifetime), absoluteTimeout === undefined ? Infinity : createdAt + absoluteTimeout, touchedAt + permanentLifetime);
  }

  private cookie(id: SessionId, session: Session<T>, createdAt: number, now: number, attributes: CookieAttributes): string {
    const permanent = session.peek('_permanent') === true;
    return serializeSetCookie(this.cookieName, this.ids.cookieValue(id), permanent ? { expires: this.expiry(createdAt, now), ...attributes } : attributes);
  }
}

/** The user a stored session names (its `_user_id`, as tagged JSON). */
function storedUser(stored: StoredSession): string | undefined {
  const json = stored.fields.get(USER_KEY);
  if (json === undefined) return undefined;
  try {
    return userOf({ [USER_KEY]: loadTaggedJson(json) });
  } catch {
    return undefined;
  }
}

function userAgentOf(request: { readonly userAgent?: string | (() => string | undefined) }): { readonly userAgent?: string } {
  const userAgent = typeof request.userAgent === 'function' ? request.userAgent() : request.userAgent;
  return userAgent === undefined ? {} : { userAgent: userAgent.slice(0, MAX_USER_AGENT) };
}

function definedOnly<O extends object>(options: O): Partial<O> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<O>;
}
