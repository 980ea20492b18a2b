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
 * `ready()` is where a store-backed session will be loaded from the network before the
 * handler runs; a cookie session opens synchronously, so it returns `undefined` and an
 * adapter awaits nothing.
 */
import { readCookies } from './cookie-header.js';
import { CookieSessions, tooLargeMessage, type SessionOptions } from './cookie-sessions.js';
import type { BadData, CookieTooLarge } from './errors.js';
import type { PyDict } from './python-types.js';
import { Session } from './session.js';

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
}

/** A plain answer, for adapters to send as their framework sends any. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const NOTHING: SessionOutcome = Object.freeze({ setCookie: Object.freeze([]), vary: false });

export type EngineOptions<T extends PyDict = PyDict> = SessionOptions<T> | { readonly sessions: CookieSessions<T> };

/** One configuration, checked once; `begin` is called per request. */
export class SessionEngine<T extends PyDict = PyDict> {
  readonly sessions: CookieSessions<T>;
  private readonly secureAuto: boolean;

  /** @throws TypeError naming the option, for a configuration that cannot work. */
  constructor(options: EngineOptions<T>) {
    // A runtime guard: JavaScript callers and `process.env.X!` pass undefined too.
    const given: unknown = options;
    if (typeof given !== 'object' || given === null) throw new TypeError(`options is invalid: ${given === null ? 'null' : typeof given} (give at least { secret })`);
    this.sessions = 'sessions' in options ? options.sessions : new CookieSessions<T>(options);
    this.secureAuto = this.sessions.settings.cookie.secure === 'auto';
  }

  get cookieName(): string {
    return this.sessions.cookieName;
  }

  /** Starts a request. Nothing is read until the session is used. */
  begin(facts: RequestFacts): RequestSession<T> {
    return new RequestSession<T>(this.sessions, facts, this.secureAuto);
  }
}

/** One request's session: opened on first use, saved once by {@link finish}. */
export class RequestSession<T extends PyDict = PyDict> {
  /** The session, opened from the cookie on first use. */
  readonly session: Session<T>;
  private finished = false;

  constructor(
    private readonly sessions: CookieSessions<T>,
    private readonly facts: RequestFacts,
    private readonly secureAuto: boolean,
  ) {
    this.session = Session.deferred<T>(() => {
      const cookie = facts.cookieHeader === undefined ? undefined : readCookies(facts.cookieHeader).get(sessions.cookieName);
      const { opened, rejected } = sessions.openData(cookie);
      if (rejected !== undefined) facts.onRejected?.(rejected);
      return opened;
    });
  }

  /** A promise to await before the handler runs, when the session must be loaded first; undefined for a cookie session. */
  ready(): Promise<void> | undefined {
    return undefined;
  }

  /**
   * What the response needs, computed once, just before its headers go out: any write
   * made before then is saved. A session never used sets no cookie and no Vary.
   */
  finish(): SessionOutcome {
    if (this.finished) throw new TypeError('finish is invalid: called twice for one request (the session is saved once)');
    this.finished = true;
    const session = this.session;
    session.close('it was written after its cookie was saved, so the change would be lost (register the session middleware before the code that writes it)');
    if (!session.opened) return NOTHING;
    const secure = this.secureAuto ? resolveSecure(this.facts.secure) : undefined;
    const saved = this.sessions.save(session, secure === undefined ? {} : { secure });
    const setCookie = saved.setCookie === undefined ? [] : [saved.setCookie];
    return {
      setCookie,
      vary: saved.vary,
      ...(saved.error === undefined ? {} : { error: saved.error }),
      ...(saved.clearCookie === undefined ? {} : { clearCookie: saved.clearCookie }),
      ...(saved.renewalSkipped === undefined ? {} : { renewalSkipped: saved.renewalSkipped }),
    };
  }
}

function resolveSecure(secure: RequestFacts['secure']): boolean {
  return typeof secure === 'function' ? secure() : secure === true;
}

/**
 * The answer every adapter sends by default for a session too large to save: a 500 with
 * a JSON `{"error"}`, and the Set-Cookie that clears the cookie the request came with,
 * so that the next request starts afresh instead of failing the same way.
 */
export function defaultErrorAnswer(outcome: SessionOutcome & { readonly error: CookieTooLarge }): ErrorAnswer & { readonly setCookie: readonly string[] } {
  return {
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: tooLargeMessage(outcome.error, outcome.clearCookie) }) + '\n',
    setCookie: outcome.clearCookie === undefined ? [] : [outcome.clearCookie],
  };
}

/** `Vary` with `Cookie` added once (case-insensitively), for adapters that hold it as one comma list. */
export function varyWithCookie(current: string | undefined): string {
  if (current === undefined || current === '') return 'Cookie';
  if (current.split(',').some((part) => { const name = part.trim().toLowerCase(); return name === 'cookie' || name === '*'; })) return current;
  return `${current}, Cookie`;
}
