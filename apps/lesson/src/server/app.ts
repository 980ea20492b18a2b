/**
 * The lesson server, on the framework you pick: `buildServer({ framework })` with
 * 'fastify' (the default), 'express' or 'hono'. What the server answers lives in
 * framework-free modules (lesson.ts, lesson-http.ts, inspector.ts); the framework files
 * (fastify-app.ts, express-app.ts, hono-app.ts) only route requests to them, run the
 * framework's signet-session adapter, and write the answers, the same bytes on each.
 * Only the chosen framework is loaded.
 */
import type { Server } from 'node:http';
import { ServerSessions } from 'signet-session/core/server-sessions';
import type { SessionStore } from 'signet-session/core/store';
import { CookieSessions, FLASK_COOKIE, renewalSkippedMessage, tooLargeMessage, type SessionOptions } from 'signet-session/core/cookie-sessions';
import type { SessionData } from 'signet-session/core/engine';
import type { BadData, CookieTooLarge } from 'signet-session/core/errors';
import type { Clock, Secret } from 'signet-session/core/signer';
import { inVariableNames, type TrustProxy } from './config.js';
import { FRAMEWORKS, type Framework } from './frameworks.js';
import { Inspector } from './inspector.js';
import { LessonDatabase } from './database.js';
import { errorAnswer, type HttpAnswer, type LessonRoutes } from './lesson-http.js';
import { paywallAnswer } from './paywall.js';
import { AuthRoutes, crossSite, laxOnceLoggedIn } from './auth.js';
import { Revocation } from 'signet-session/core/revocation';
import { RedisStore } from 'signet-session/redis';
import type { ScryptParams } from './passwords.js';

export { canonicalUrl, decodeRequestPath, MOUSE_COOKIE, SERVER_TIMEOUTS } from './lesson-http.js';

export { FRAMEWORK_NAMES, FRAMEWORKS, type Framework } from './frameworks.js';

export interface LessonServerOptions {
  /** Which framework serves the lesson; Fastify by default. The answers are the same on each. */
  readonly framework?: Framework;
  /** Flask's SECRET_KEY: text or bytes. */
  readonly secret: Secret;
  /** Everything else about sessions; by default Flask's format and cookie settings, as in the lesson. */
  readonly session?: Omit<SessionOptions<SessionData>, 'secret' | 'clock' | 'warn'>;
  /** Milliseconds since the epoch; `Date.now` by default. */
  readonly clock?: Clock;
  /** Where log lines go; stdout by default. */
  readonly log?: (line: string) => void;
  /** Log a line per request (the rejected-cookie lines are logged regardless). Default true. */
  readonly logRequests?: boolean;
  /** TRUST_PROXY: whose X-Forwarded-For and X-Forwarded-Proto to believe, as Fastify's trustProxy (a string is a comma list). */
  readonly trustProxy?: TrustProxy | string;
  /** Server-side sessions (SESSION_TYPE memory or redis): the cookie holds only a signed id. Cookie sessions otherwise. */
  readonly store?: SessionStore;
  /** The lessons' users and articles (DATABASE_PATH); opened on the first request that needs it. */
  readonly database?: LessonDatabase;
  /** scrypt's parameters for the lessons' passwords: OWASP's by default (tests give cheaper ones). */
  readonly passwordParams?: ScryptParams;
  /** Login attempts allowed per account (four times as many per address): a bucket of 5, one more every 12 s, by default; 'off' for none. */
  readonly loginLimit?: { readonly capacity: number; readonly perSecond: number } | 'off';
}

/** A running lesson server, whatever the framework: what main.ts and the tests need of it. */
export interface LessonServer {
  readonly framework: Framework;
  /** The node:http server (the first one, when listening on both addresses of `localhost`). */
  readonly server: Server;
  /** Listens on `host` (both 127.0.0.1 and ::1 for `localhost`, as Fastify does); port 0 picks one. */
  listen(options: { readonly port: number; readonly host: string }): Promise<void>;
  /**
   * Stops: no new connections, idle ones closed at once, and every answer from now on
   * closes its connection; resolves when the last one has closed.
   */
  close(): Promise<void>;
  /** The connections still open, on every address listened on. */
  openConnections(): Promise<number>;
  /** Closes every connection at once, requests in progress too (the shutdown deadline). */
  closeAllConnections(): void;
}

/** What every framework file is given: the lesson's parts, made once from the options. */
export interface LessonParts {
  readonly sessions: CookieSessions<SessionData> | ServerSessions<SessionData>;
  readonly inspector: Inspector;
  readonly log: (line: string) => void;
  readonly logRequests: boolean;
  readonly trustProxy: TrustProxy | undefined;
  /** Logs why the session cookie of `method url` was ignored. */
  readonly rejected: (method: string, url: string, reason: BadData) => void;
  /** Logs, and gives the answer for, a changed session too large for its cookie. */
  readonly tooLarge: (method: string, url: string, error: CookieTooLarge, clearCookie: string | undefined) => HttpAnswer;
  /** Logs that an unchanged session was too large to renew. */
  readonly renewalSkipped: (method: string, url: string, error: CookieTooLarge) => void;
  /** Logs an error of ours. */
  readonly internalError: (method: string, url: string, error: unknown) => void;
  /** The routes of the lessons after the cookie one, for the framework files to hand to unroutedAnswer. */
  readonly lessons: LessonRoutes;
  /** "Log out everywhere": sessions whose user's generation moved on are refused. */
  readonly revocation: Revocation | undefined;
}

const writeLine = (line: string): void => {
  process.stdout.write(line + '\n');
};

/** Builds the lesson server on `options.framework`. Configuration errors reject, naming the setting. */
export async function buildServer(options: LessonServerOptions): Promise<LessonServer> {
  const framework = options.framework ?? 'fastify';
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) throw new TypeError(`framework is invalid: ${JSON.stringify(framework)} (give ${FRAMEWORKS.join(', ')})`);
  const parts = lessonParts(options);
  switch (framework) {
    case 'fastify':
      return (await import('./fastify-app.js')).buildFastifyLesson(parts);
    case 'express':
      return (await import('./express-app.js')).buildExpressLesson(parts);
    case 'hono':
      return (await import('./hono-app.js')).buildHonoLesson(parts);
  }
}

function lessonParts(options: LessonServerOptions): LessonParts {
  const log = options.log ?? writeLine;
  const cookie = { ...FLASK_COOKIE, sameSite: laxOnceLoggedIn, ...options.session?.cookie };
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const { secretFallbacks, permanentLifetime, idleTimeout, absoluteTimeout } = options.session ?? {};
  const sessions =
    options.store === undefined
      ? new CookieSessions<SessionData>({
          format: 'flask',
          ...options.session,
          cookie,
          secret: options.secret,
          warn: (message) => {
            log(`warning: ${inVariableNames(message)}`); // the lesson's names for the options
          },
          ...clock,
        })
      : new ServerSessions<SessionData>({
          secret: options.secret,
          store: options.store,
          cookie,
          ...(secretFallbacks === undefined ? {} : { secretFallbacks }),
          ...(permanentLifetime === undefined ? {} : { permanentLifetime }),
          ...(idleTimeout === undefined ? {} : { idleTimeout }),
          ...(absoluteTimeout === undefined ? {} : { absoluteTimeout }),
          ...clock,
        });
  const inspector = new Inspector({
    secret: options.secret,
    ...(options.session?.secretFallbacks === undefined ? {} : { secretFallbacks: options.session.secretFallbacks }),
    cookieName: sessions.cookieName,
    maxAge: sessions.settings.permanentLifetime,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const database = options.database ?? new LessonDatabase();
  // A user's generation: in Redis with SESSION_TYPE=redis, else with the user's record
  // (as Django's session auth hash), so that no extra service is needed.
  const inRedis = options.store instanceof RedisStore;
  const revocation = new Revocation({
    generations: inRedis ? (options.store) : (userId: string) => (/^\d{1,15}$/.test(userId) ? database.generation(Number(userId)) : 0),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const auth = new AuthRoutes({ database, revocation, generationsInStore: inRedis, ...(options.store === undefined ? {} : { store: options.store }), ...clock, ...(options.passwordParams === undefined ? {} : { passwordParams: options.passwordParams }), ...(options.loginLimit === undefined ? {} : { loginLimit: options.loginLimit }) });
  return {
    sessions,
    inspector,
    revocation,
    lessons: (request) =>
      paywallAnswer(request.method, request.path, request.session, database, () => auth.currentUser(request.session), () => crossSite(request)) ?? auth.answer(request),
    log,
    logRequests: options.logRequests !== false,
    trustProxy: typeof options.trustProxy === 'string' ? options.trustProxy.split(',').map((entry) => entry.trim()) : options.trustProxy,
    rejected: (method, url, reason) => {
      log(`${method} ${url}: ignored the ${sessions.cookieName} cookie: ${reason.reason} (${reason.message})`);
    },
    tooLarge: (method, url, error, clearCookie) => {
      const message = tooLargeMessage(error, clearCookie);
      log(`${method} ${url}: ${message}`);
      // An error answer, not the lesson's: no mouse; the session's clearing cookie is added as the session's.
      return errorAnswer(500, message);
    },
    renewalSkipped: (method, url, error) => {
      log(`${method} ${url}: ${renewalSkippedMessage(error)}`);
    },
    internalError: (method, url, error) => {
      log(`${method} ${url}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    },
  };
}
