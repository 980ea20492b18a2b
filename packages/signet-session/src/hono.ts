/**
 * signet sessions as Hono 4 middleware: `c.get('session')` (and `c.var.session`) is
 * opened from the cookie on first use, and the cookie is written on the way out.
 *
 *     import { Hono } from 'hono';
 *     import { signetSession, type SessionEnv } from 'signet-session/hono';
 *     const app = new Hono<SessionEnv>();
 *     app.use(signetSession({ secret: process.env.SECRET_KEY }));
 *     app.get('/', (c) => c.json({ visits: c.var.session.get('visits') ?? null }));
 *
 * Register it before the middleware that use the session: Hono runs a middleware's
 * code after `await next()` in reverse order, so the session is saved when this one
 * gets the answer back, and a write made later (by a middleware registered earlier)
 * throws instead of being lost. A thin layer over the engine (src/core/engine.ts).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { readCookies } from './core/cookie-header.js';
import { SessionEngine, unavailableAnswer, type EngineOptions, type RequestSession, type SessionData } from './core/engine.js';
import type { BadData, CookieTooLarge } from './core/errors.js';
import type { Session } from './core/session.js';
import { WebRequestFacts } from './request-facts.js';
import { applyOutcome, defaultTooLargeResponse } from './web-response.js';

export type { SessionData };

/** The variables this middleware sets, for `new Hono<SessionEnv>()`. */
export interface SessionEnv {
  Variables: { session: Session<SessionData> };
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The session, opened from the request's cookie on first use (signet-session/hono). */
    session: Session<SessionData>;
  }
}

export type SignetHonoOptions = EngineOptions<SessionData> & {
  /** Believe the first `X-Forwarded-Proto` for Secure `auto`: only behind a proxy you trust. Default false. */
  readonly trustProxy?: boolean;
  /** Told why an incoming session cookie was ignored (tampered, expired, failed the schema...). */
  readonly onRejected?: (c: Context, reason: BadData) => void;
  /** The answer when a changed session would not fit in a cookie. Default: a 500 JSON `{"error"}` that clears the cookie. */
  readonly onCookieTooLarge?: (c: Context, error: CookieTooLarge, clearCookie: string | undefined) => Response;
  /** Told when an unchanged session was too large to renew: the browser keeps the valid cookie it sent. */
  readonly onRenewalSkipped?: (c: Context, error: CookieTooLarge) => void;
};

// Each request's handle, on its context, out of the app's variables. Not in a WeakMap:
// Node 20's V8 kept such a long-lived WeakMap's entries through its scavenges, so every
// request survived until the next mark-compact (docs/performance.md, 2026-12-04).
const HANDLE = Symbol('signet.session');

interface SessionSlots {
  [HANDLE]?: RequestSession<SessionData>;
}

/**
 * The request's cookies as Werkzeug reads them: each name once, in order, with its
 * first value. Read once per request: the session's cookie comes from the same reading
 * (before the middleware ran, the header is read here).
 */
export function requestCookies(c: Context): ReadonlyMap<string, string> {
  return (c as SessionSlots)[HANDLE]?.cookies ?? readCookies(c.req.header('cookie') ?? '');
}

/** The middleware. @throws TypeError naming the option, for a configuration that cannot work. */
export function signetSession(options: SignetHonoOptions): MiddlewareHandler<SessionEnv> {
  const engine = new SessionEngine<SessionData>(options);
  const trustProxy = options.trustProxy === true;
  const { onRejected, onRenewalSkipped, onCookieTooLarge } = options;
  return async (c, next) => {
    const handle = engine.begin(new WebRequestFacts<Context>(c.req.raw, trustProxy, c, onRejected));
    c.set('session', handle.session);
    (c as SessionSlots)[HANDLE] = handle;
    const loading = handle.ready();
    try {
      if (loading !== undefined) await loading;
    } catch (error) {
      const answer = unavailableAnswer(error);
      if (answer === undefined) throw error;
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    }
    await next();
    const finished = handle.finish();
    let outcome;
    try {
      outcome = finished instanceof Promise ? await finished : finished;
    } catch (error) {
      const answer = unavailableAnswer(error);
      if (answer === undefined) throw error;
      c.res = undefined;
      c.res = new Response(answer.body, { status: answer.status, headers: answer.headers });
      return;
    }
    if (outcome.renewalSkipped !== undefined) onRenewalSkipped?.(c, outcome.renewalSkipped);
    const answer = applyOutcome(c.res, outcome, onCookieTooLarge === undefined ? defaultTooLargeResponse : (error, clear) => onCookieTooLarge(c, error, clear));
    if (answer !== c.res) {
      // Hono merges the old answer's headers (cookies included) into one assigned over
      // it; this one is whole already: the error answer, or a copy with its headers.
      c.res = undefined;
      c.res = answer;
    }
  };
}
