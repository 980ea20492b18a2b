/**
 * The request lifecycle every adapter shares, with no framework in it:
 *
 *     const request = engine.begin({ cookieHeader, secure, onRejected });
 *     request.session            // opened from the cookie on first use
 *     ...the app runs...
 *     const outcome = request.finish();   // just before the headers go out
 *     // outcome.setCookie, outcome.vary: add them; outcome.error: answer it instead
 *
 * The adapters (fastify.ts, express.ts, hono.ts, fetch.ts) only find the Cookie header,
 * say whether the request came over HTTPS, and write what `finish` gives back.
 *
 * A store-backed session (server-sessions.ts) is loaded by `ready()` before the handler
 * runs and saved by `finish()`, both promises; a cookie session opens and saves
 * synchronously: `ready()` returns `undefined` and `finish()` the outcome itself, so an
 * adapter awaits nothing and a cookie session pays nothing for the store.
 */
import { readCookies } from './cookie-header.js';
import { CookieSessions, tooLargeMessage, type SessionOptions } from './cookie-sessions.js';
import { BadData, type CookieTooLarge } from './errors.js';
import type { PyDict } from './python-types.js';
import { ServerSessions, type LoadedSession, type SavedServerSession, type ServerSessionOptions, type SessionConflict } from './server-sessions.js';
import { Session, type OpenedData } from './session.js';
import { StoreUnavailable } from './store.js';
import { GENERATION_KEY, Revocation, USER_KEY, userOf } from './revocation.js';

/**
 * The application's session data, one declaration for every adapter. Declare its
 * fields once, and every adapter's session is typed:
 *
 *     declare module 'signet-session' { interface SessionData { userId?: number } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData extends PyDict {}

export interface RequestFacts {
  /** The request's Cookie header as Node gives it (one char per byte), if any. */
  readonly cookieHeader: string | undefined;
  /**
   * Whether the request reached the app over HTTPS, directly or through a trusted
   * proxy. Only asked when the cookie's `secure` is `'auto'`, so a function can put off
   * the work of finding out.
   */
  readonly secure?: boolean | (() => boolean);
  /** The request's User-Agent, kept with a store session it creates (its user's list of sessions shows it); a function puts the lookup off. */
  readonly userAgent?: string | undefined | (() => string | undefined);
  /** Told why the session cookie that came in was not used (tampered, expired...), when the session is opened. */
  readonly onRejected?: (reason: BadData) => void;
}

/** What to add to the response, or the error to answer instead. */
export interface SessionOutcome {
  /** Set-Cookie header values to append (none, one, or the one that clears the cookie). */
  readonly setCookie: readonly string[];
  /** Whether to add `Cookie` to `Vary`: the answer depends on the cookie once the session was used. */
  readonly vary: boolean;
  /**
   * The changed session would not fit in a cookie. Answer this instead of the app's
   * answer; {@link defaultErrorAnswer} is what every adapter sends by default.
   */
  readonly error?: CookieTooLarge;
  /** With `error`: the Set-Cookie that deletes the cookie the request came with, if it came with one. */
  readonly clearCookie?: string;
  /** An unchanged session was too large to renew: the browser keeps the valid cookie it sent. */
  readonly renewalSkipped?: CookieTooLarge;
  /** A store session in strict mode was written by another request since this one read it: nothing was saved. Answer it instead (409 by default). */
  readonly conflict?: SessionConflict;
  /** A store session ended (logged out, revoked, expired) while the request ran: nothing was written back, and no cookie is set. */
  readonly ended?: boolean;
}

/** A plain answer, for adapters to send as their framework sends any. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const NO_COOKIES: ReadonlyMap<string, string> = new Map();

const NOTHING: SessionOutcome = Object.freeze({ setCookie: Object.freeze([]), vary: false });

/** Cookie sessions (the options, or a `CookieSessions`), or server-side ones (options with a `store`, or a `ServerSessions`). */
export type EngineOptions<T extends PyDict = PyDict> = (SessionOptions<T> | ServerSessionOptions | { readonly sessions: CookieSessions<T> | ServerSessions<T> }) & {
  /** "Log out everywhere": sessions whose user's generation moved on are refused (core/revocation.ts). */
  readonly revocation?: Revocation;
};

/** One configuration, checked once; `begin` is called per request. */
export class SessionEngine<T extends PyDict = PyDict> {
  readonly sessions: CookieSessions<T> | ServerSessions<T>;
  private readonly secureAuto: boolean;

  /** @throws TypeError naming the option, for a configuration that cannot work. */
  constructor(options: EngineOptions<T>) {
    // A runtime guard: JavaScript callers and `process.env.X!` pass undefined too.
    const given: unknown = options;
    if (typeof given !== 'object' || given === null) throw new TypeError(`options is invalid: ${given === null ? 'null' : typeof given} (give at least { secret })`);
    this.sessions = 'sessions' in options ? options.sessions : 'store' in options ? new ServerSessions<T>(options) : new CookieSessions<T>(options);
    this.secureAuto = this.sessions.settings.cookie.secure === 'auto';
    const revocation: unknown = options.revocation;
    if (revocation !== undefined && !(revocation instanceof Revocation)) throw new TypeError(`revocation is invalid: ${typeof revocation} (give new Revocation({ generations }))`);
    this.revocation = revocation;
  }

  /** Checks sessions against their user's generation, when given. */
  readonly revocation: Revocation | undefined;

  /** Whether `ready()` may give a promise (a store, or revocation checks): the adapter then awaits it before the handler. */
  get loadsFirst(): boolean {
    return this.stored || this.revocation !== undefined;
  }

  get cookieName(): string {
    return this.sessions.cookieName;
  }

  /** Whether sessions live in a store: `ready()` and `finish()` then give promises. */
  get stored(): boolean {
    return this.sessions instanceof ServerSessions;
  }

  /** Starts a request. A cookie session reads nothing until it is used; a store session is loaded by `ready()`. */
  begin(facts: RequestFacts): RequestSession<T> {
    const sessions = this.sessions;
    return sessions instanceof ServerSessions ? new StoreRequestSession<T>(sessions, facts, this.secureAuto, this.revocation) : new CookieRequestSession<T>(sessions, facts, this.secureAuto, this.revocation);
  }
}

/** One request's session: opened on first use (a store's: by {@link ready}), saved once by {@link finish}. */
export interface RequestSession<T extends PyDict = PyDict> {
  readonly session: Session<T>;
  /**
   * The request's cookies as Werkzeug reads them (each name once, in order, with its
   * first value), read once per request: the session's cookie comes from the same
   * reading, so an app that lists the cookies does not parse the header again.
   */
  readonly cookies: ReadonlyMap<string, string>;
  /** A promise to await before the handler runs, when the session must be loaded first; undefined for a cookie session. */
  ready(): Promise<void> | undefined;
  /**
   * What the response needs, computed once, just before its headers go out: any write
   * made before then is saved. A session never used sets no cookie and no Vary. A
   * promise for a store session (the write), the outcome itself for a cookie session.
   */
  finish(): SessionOutcome | Promise<SessionOutcome>;
}

const CLOSED_REASON = 'it was written after its cookie was saved, so the change would be lost (register the session middleware before the code that writes it)';

/**
 * What both kinds of request session share: the request's facts, the revocation check,
 * and `finish`, which records a login's generation, closes the session and saves it once.
 */
abstract class BaseRequestSession<T extends PyDict> implements RequestSession<T> {
  abstract readonly session: Session<T>;
  /** The data and state the session opened to, once known. */
  protected opened: OpenedData<T> | undefined;
  private finished = false;
  private cookiesRead: ReadonlyMap<string, string> | undefined;

  constructor(
    protected readonly facts: RequestFacts,
    private readonly secureAuto: boolean,
    protected readonly revocation: Revocation | undefined,
  ) {}

  abstract ready(): Promise<void> | undefined;

  get cookies(): ReadonlyMap<string, string> {
    const header = this.facts.cookieHeader;
    return (this.cookiesRead ??= header === undefined ? NO_COOKIES : readCookies(header));
  }

  /** Writes the session (closed by now) as its kind does. */
  protected abstract save(session: Session<T>, request: { readonly secure?: boolean }): SessionOutcome | Promise<SessionOutcome>;

  /**
   * What the response needs, computed once, just before its headers go out: any write
   * made before then is saved. A session never used sets no cookie and no Vary.
   */
  finish(): SessionOutcome | Promise<SessionOutcome> {
    if (this.finished) throw new TypeError('finish is invalid: called twice for one request (the session is saved once)');
    this.finished = true;
    const session = this.session;
    const opened = this.opened;
    if (!session.opened || opened === undefined) {
      session.close(CLOSED_REASON);
      return NOTHING;
    }
    const save = (): SessionOutcome | Promise<SessionOutcome> => {
      session.close(CLOSED_REASON);
      const secure = this.secureAuto ? resolveSecure(this.facts.secure) : undefined;
      return this.save(session, secure === undefined ? {} : { secure });
    };
    const recording = this.revocation === undefined ? undefined : recordGeneration(this.revocation, session, opened.data);
    return recording === undefined ? save() : recording.then(save);
  }
}

class CookieRequestSession<T extends PyDict> extends BaseRequestSession<T> {
  /** The session, opened from the cookie on first use. */
  readonly session: Session<T>;

  constructor(
    private readonly sessions: CookieSessions<T>,
    facts: RequestFacts,
    secureAuto: boolean,
    revocation: Revocation | undefined,
  ) {
    super(facts, secureAuto, revocation);
    this.session = Session.deferred<T>(() => this.open());
  }

  private open(): OpenedData<T> {
    if (this.opened === undefined) {
      const cookie = this.cookies.get(this.sessions.cookieName);
      const { opened, rejected } = this.sessions.openData(cookie);
      if (rejected !== undefined) this.facts.onRejected?.(rejected);
      this.opened = opened;
    }
    return this.opened;
  }

  /** Undefined for a cookie session, unless a revocation check must read a generation first. */
  ready(): Promise<void> | undefined {
    if (this.revocation === undefined || this.facts.cookieHeader === undefined) return undefined;
    // Opened now, not on first use: the check must come before the handler sees the session.
    return checkRevocation(this.revocation, this.open(), () => {
      this.opened = NEW_OPENED;
      this.facts.onRejected?.(revokedError());
    });
  }

  protected save(session: Session<T>, request: { readonly secure?: boolean }): SessionOutcome {
    return outcomeOf(this.sessions.save(session, request));
  }
}

const NEW_OPENED: OpenedData<never> = Object.freeze({});

function revokedError(): BadData {
  return new BadData("The user's sessions were revoked (logged out everywhere) after this one began", 'revoked');
}

/**
 * Compares the generation a session recorded with its user's: `onRevoked` when they
 * differ. Undefined when that was known at once; a promise when the generation had to
 * be read.
 */
function checkRevocation(revocation: Revocation, opened: OpenedData, onRevoked: () => void): Promise<void> | undefined {
  const user = userOf(opened.data);
  if (user === undefined) return undefined;
  const recorded = opened.data?.[GENERATION_KEY];
  const expected = typeof recorded === 'number' ? recorded : 0; // from before revocation was on: generation 0
  const judge = (generation: number): void => {
    if (generation !== expected) onRevoked();
  };
  const current = revocation.current(user);
  if (typeof current === 'number') {
    judge(current);
    return undefined;
  }
  return current.then(judge);
}

/**
 * On logging in (a user set where there was none, or another), records the user's
 * current generation in the session, so that a later revocation refuses it.
 */
function recordGeneration(revocation: Revocation, session: Session, openedData: PyDict | undefined): Promise<void> | undefined {
  const user = userOf({ [USER_KEY]: session.peek(USER_KEY) });
  if (user === undefined) return undefined;
  if (userOf(openedData) === user && typeof session.peek(GENERATION_KEY) === 'number') return undefined; // recorded at login
  const current = revocation.current(user);
  if (typeof current === 'number') {
    session.set(GENERATION_KEY, current);
    return undefined;
  }
  return current.then((generation) => {
    session.set(GENERATION_KEY, generation);
  });
}

function outcomeOf(saved: SavedServerSession): SessionOutcome {
  const setCookie = saved.setCookie === undefined ? [] : [saved.setCookie];
  return {
    setCookie,
    vary: saved.vary,
    ...(saved.error === undefined ? {} : { error: saved.error }),
    ...(saved.clearCookie === undefined ? {} : { clearCookie: saved.clearCookie }),
    ...(saved.renewalSkipped === undefined ? {} : { renewalSkipped: saved.renewalSkipped }),
    ...(saved.conflict === undefined ? {} : { conflict: saved.conflict }),
    ...(saved.ended === true ? { ended: true } : {}),
  };
}

/** A store session: loaded from the store by {@link ready} (only when a cookie came), written by {@link finish}. */
class StoreRequestSession<T extends PyDict> extends BaseRequestSession<T> {
  readonly session: Session<T>;
  private loaded: LoadedSession | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly sessions: ServerSessions<T>,
    facts: RequestFacts,
    secureAuto: boolean,
    revocation: Revocation | undefined,
  ) {
    super(facts, secureAuto, revocation);
    this.session = Session.deferred<T>(() => {
      if (this.opened === undefined) throw new TypeError('session is invalid: used before it was loaded from the store (the adapter awaits ready() before the handler runs)');
      return this.opened;
    });
    const cookie = this.cookies.get(sessions.cookieName);
    if (cookie === undefined || cookie === '') {
      this.opened = {}; // nothing to load: a new session, and no round trip
      return;
    }
    this.loading = sessions.openData(cookie).then(async ({ opened, loaded, rejected }) => {
      this.opened = opened;
      this.loaded = loaded;
      if (rejected !== undefined) facts.onRejected?.(rejected);
      if (this.revocation === undefined) return;
      await checkRevocation(this.revocation, opened, () => {
        this.opened = {};
        this.loaded = NEW_LOAD; // refused: a new session, with a new id if it is saved
        facts.onRejected?.(revokedError());
      });
    });
  }

  ready(): Promise<void> | undefined {
    return this.loading;
  }

  protected save(session: Session<T>, request: { readonly secure?: boolean }): Promise<SessionOutcome> {
    const { userAgent } = this.facts;
    return this.sessions.save(session, this.loaded ?? NEW_LOAD, userAgent === undefined ? request : { ...request, userAgent }).then(outcomeOf);
  }
}

const NEW_LOAD: LoadedSession = Object.freeze({ id: undefined, key: undefined, stored: undefined });

function resolveSecure(secure: RequestFacts['secure']): boolean {
  return typeof secure === 'function' ? secure() : secure === true;
}

/**
 * The answer every adapter sends by default for a session too large to save: a 500 with
 * a JSON `{"error"}`, and the Set-Cookie that clears the cookie the request came with,
 * so that the next request starts afresh instead of failing the same way.
 */
export function defaultErrorAnswer(outcome: SessionOutcome & ({ readonly error: CookieTooLarge } | { readonly conflict: SessionConflict })): ErrorAnswer & { readonly setCookie: readonly string[] } {
  if (outcome.conflict !== undefined) {
    return { status: 409, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: outcome.conflict.message }) + '\n', setCookie: [] };
  }
  if (outcome.error === undefined) throw new TypeError('outcome is invalid: it has no error to answer');
  return {
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: tooLargeMessage(outcome.error, outcome.clearCookie) }) + '\n',
    setCookie: outcome.clearCookie === undefined ? [] : [outcome.clearCookie],
  };
}

/**
 * The answer every adapter sends when the session store is unavailable (it did not
 * answer within its deadline): a 503 with a JSON `{"error"}`. Undefined for any other
 * error, which goes the framework's usual way.
 */
export function unavailableAnswer(error: unknown): ErrorAnswer | undefined {
  if (!(error instanceof StoreUnavailable)) return undefined;
  return { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '1' }, body: JSON.stringify({ error: 'the session store is unavailable; try again shortly' }) + '\n' };
}

/** `Vary` with `Cookie` added once (case-insensitively), for adapters that hold it as one comma list. */
export function varyWithCookie(current: string | undefined): string {
  if (current === undefined || current === '') return 'Cookie';
  if (current.split(',').some((part) => { const name = part.trim().toLowerCase(); return name === 'cookie' || name === '*'; })) return current;
  return `${current}, Cookie`;
}
