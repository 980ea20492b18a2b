/**
 * signet sessions as Express 5 middleware: `req.session` is opened from the cookie on
 * first use, and the cookie is written just before the response's headers go out, so a
 * write made anywhere before then (a later middleware, an error handler) is saved.
 *
 *     import express from 'express';
 *     import { signetSession } from 'signet-session/express';
 *     const app = express();
 *     app.use(signetSession({ secret: process.env.SECRET_KEY }));
 *     app.get('/', (req, res) => { res.json({ visits: req.session.get('visits') }); });
 *
 * A thin layer over the engine (src/core/engine.ts). Secure `auto` asks `req.secure`,
 * which follows Express's `trust proxy` setting.
 */
import type { Request, RequestHandler, Response } from 'express';
import { readCookies } from './core/cookie-header.js';
import { defaultErrorAnswer, SessionEngine, unavailableAnswer, varyWithCookie, type EngineOptions, type RequestSession, type SessionData, type SessionOutcome } from './core/engine.js';
import type { BadData, CookieTooLarge } from './core/errors.js';
import type { Session } from './core/session.js';
import { beforeHeaders, type Replacement } from './node-headers.js';
import { NodeRequestFacts } from './request-facts.js';

export type { SessionData };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The session, opened from the request's cookie on first use (signet-session/express). */
      readonly session: Session<SessionData>;
    }
  }
}

export type SignetExpressOptions = EngineOptions<SessionData> & {
  /** Told why an incoming session cookie was ignored (tampered, expired, failed the schema...). */
  readonly onRejected?: (req: Request, reason: BadData) => void;
  /**
   * The answer when a changed session would not fit in a cookie (nothing was saved),
   * sent instead of the app's. `clearCookie`, when the request came with a session
   * cookie, deletes it. Default: a 500 JSON `{"error"}` that sends `clearCookie`.
   */
  readonly onCookieTooLarge?: (req: Request, error: CookieTooLarge, clearCookie: string | undefined) => Replacement & { readonly setCookie?: readonly string[] };
  /** Told when an unchanged session was too large to renew: the browser keeps the valid cookie it sent. */
  readonly onRenewalSkipped?: (req: Request, error: CookieTooLarge) => void;
};

const HANDLE = Symbol('signet.session');

interface SessionSlots {
  [HANDLE]?: RequestSession<SessionData>;
}

/**
 * The request's cookies as Werkzeug reads them: each name once, in order, with its
 * first value. Read once per request: the session's cookie comes from the same reading
 * (before the middleware ran, the header is read here).
 */
export function requestCookies(req: Request): ReadonlyMap<string, string> {
  return (req as SessionSlots)[HANDLE]?.cookies ?? readCookies(req.headers.cookie ?? '');
}

/** Express's req.secure, which follows its `trust proxy` setting. */
const isSecure = (req: Request): boolean => req.secure;

/**
 * The middleware. @throws TypeError naming the option, for a configuration that cannot
 * work: call it where the app is set up, so that the start stops.
 */
export function signetSession(options: SignetExpressOptions): RequestHandler {
  const engine = new SessionEngine<SessionData>(options);
  const { onRejected, onRenewalSkipped } = options;
  const onTooLarge = options.onCookieTooLarge ?? ((_req, error, clearCookie) => defaultErrorAnswer({ setCookie: [], vary: true, error, ...(clearCookie === undefined ? {} : { clearCookie }) }));
  return (req, res, next) => {
    const handle = engine.begin(new NodeRequestFacts(req, isSecure, onRejected));
    // Plain assignments: Object.defineProperty took 2 % of a request's time here, and its
    // descriptor literal held the session.
    (req as { session: Session<SessionData> }).session = handle.session;
    (req as SessionSlots)[HANDLE] = handle;
    beforeHeaders(res, () => {
      const finished = handle.finish();
      return finished instanceof Promise ? finished.then((outcome) => apply(req, res, outcome)) : apply(req, res, finished);
    });
    const loading = handle.ready(); // a store session is loaded before the app runs
    if (loading === undefined) next();
    else {
      loading.then(
        () => { next(); },
        (error: unknown) => {
          const answer = unavailableAnswer(error);
          if (answer === undefined) next(error);
          else res.status(answer.status).set(answer.headers).send(answer.body);
        },
      );
    }
  };

  function apply(req: Request, res: Response, outcome: SessionOutcome): Replacement | undefined {
    if (outcome.vary) res.setHeader('vary', varyWithCookie(headerText(res.getHeader('vary'))));
    if (outcome.renewalSkipped !== undefined) onRenewalSkipped?.(req, outcome.renewalSkipped);
    if (outcome.conflict !== undefined) return defaultErrorAnswer({ ...outcome, conflict: outcome.conflict });
    if (outcome.error === undefined) {
      for (const cookie of outcome.setCookie) res.appendHeader('set-cookie', cookie);
      return undefined;
    }
    const answer = onTooLarge(req, outcome.error, outcome.clearCookie);
    res.removeHeader('set-cookie'); // the app's cookies belonged to the answer that is not sent
    for (const cookie of answer.setCookie ?? []) res.appendHeader('set-cookie', cookie);
    return answer;
  }
}

function headerText(value: number | string | string[] | undefined): string | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
}
