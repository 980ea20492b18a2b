/**
 * signet sessions for handlers over Web `Request` and `Response` (Node's fetch types,
 * Next.js route handlers, Bun, Deno and the like): open a session from a Request, then
 * apply it to the Response you answer with.
 *
 *     import { fetchSessions } from 'signet-session/fetch';
 *     const sessions = fetchSessions({ secret: process.env.SECRET_KEY });
 *     export async function GET(request: Request): Promise<Response> {
 *       const { session, apply } = sessions.open(request);
 *       session.set('visits', ((session.get('visits') as number | undefined) ?? 0) + 1);
 *       return apply(Response.json({ visits: session.get('visits') }));
 *     }
 *
 * A thin layer over the engine (src/core/engine.ts).
 */
import { SessionEngine, type EngineOptions, type SessionData, type SessionOutcome } from './core/engine.js';
import type { BadData, CookieTooLarge } from './core/errors.js';
import type { ServerSessions } from './core/server-sessions.js';
import type { Session } from './core/session.js';
import { WebRequestFacts } from './request-facts.js';
import { applyOutcome, defaultTooLargeResponse } from './web-response.js';

export type { SessionData };

export type FetchSessionOptions = EngineOptions<SessionData> & {
  /**
   * Believe the first `X-Forwarded-Proto` for Secure `auto`: only behind a proxy that
   * sets it, and that the client cannot reach around. Default false.
   */
  readonly trustProxy?: boolean;
  /** Told why an incoming session cookie was ignored (tampered, expired, failed the schema...). */
  readonly onRejected?: (request: Request, reason: BadData) => void;
  /**
   * The answer when a changed session would not fit in a cookie (nothing was saved),
   * instead of the app's. `clearCookie`, when the request came with a session cookie,
   * deletes it. Default: a 500 JSON `{"error"}` that sends `clearCookie`.
   */
  readonly onCookieTooLarge?: (request: Request, error: CookieTooLarge, clearCookie: string | undefined) => Response;
  /** Told when an unchanged session was too large to renew: the browser keeps the valid cookie it sent. */
  readonly onRenewalSkipped?: (request: Request, error: CookieTooLarge) => void;
};

/** One request's session, and how to finish its answer. */
/** What `apply` gives: a promise for store sessions (the write comes first), the Response itself for cookie sessions. */
export type Applied<O> = O extends { readonly store: unknown } | { readonly sessions: ServerSessions<SessionData> } ? Promise<Response> : Response;

export interface FetchSession<R extends Response | Promise<Response> = Response> {
  /** The session, opened from the request's cookie on first use. */
  readonly session: Session<SessionData>;
  /** The request's cookies as Werkzeug reads them (each name once, in order, with its first value), read once: the session's cookie comes from the same reading. */
  readonly cookies: ReadonlyMap<string, string>;
  /** Await it before using the session, when it is not undefined (store-backed sessions). */
  readonly ready: () => Promise<void> | undefined;
  /**
   * The answer with the session's headers added (Set-Cookie, Vary), or the error answer
   * when a changed session cannot be saved. Call it once, with the final Response. A
   * promise for a store session (the write comes first): `await` it either way.
   */
  readonly apply: (response: Response) => R;
}

export interface FetchSessions<R extends Response | Promise<Response> = Response> {
  open(request: Request): FetchSession<R>;
}

/** @throws TypeError naming the option, for a configuration that cannot work. */
export function fetchSessions<O extends FetchSessionOptions>(options: O): FetchSessions<Applied<O>> {
  const engine = new SessionEngine<SessionData>(options);
  const trustProxy = options.trustProxy === true;
  const { onRejected, onRenewalSkipped, onCookieTooLarge } = options;
  return {
    open(request) {
      const handle = engine.begin(new WebRequestFacts<Request>(request, trustProxy, request, onRejected));
      return {
        session: handle.session,
        get cookies() {
          return handle.cookies;
        },
        ready: () => handle.ready(),
        apply: (response) => {
          const complete = (outcome: SessionOutcome): Response => {
            if (outcome.renewalSkipped !== undefined) onRenewalSkipped?.(request, outcome.renewalSkipped);
            return applyOutcome(response, outcome, onCookieTooLarge === undefined ? defaultTooLargeResponse : (error, clear) => onCookieTooLarge(request, error, clear));
          };
          const finished = handle.finish();
          return (finished instanceof Promise ? finished.then(complete) : complete(finished)) as Applied<O>;
        },
      };
    },
  };
}
