/**
 * signet sessions as a Fastify plugin: `request.session` is opened from the cookie on
 * first use, and the cookie is written (or deleted) when the answer is sent.
 *
 *     import { signetSession } from 'signet/fastify';
 *     await app.register(signetSession, { secret: process.env.SECRET_KEY });
 *     app.get('/', (request) => ({ visits: request.session.get('visits') }));
 *
 * A thin layer: all the rules live in CookieSessions (src/core/cookie-sessions.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookies } from './core/cookie-header.js';
import { CookieSessions, tooLargeMessage, type SessionOptions } from './core/cookie-sessions.js';
import type { BadData, CookieTooLarge } from './core/errors.js';
import type { PyDict } from './core/python-types.js';
import type { Session } from './core/session.js';

/**
 * The application's session data. Declare its fields once, and `request.session` is typed:
 *
 *     declare module 'signet/fastify' { interface SessionData { userId?: number } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData extends PyDict {}

declare module 'fastify' {
  interface FastifyRequest {
    /** The session, opened from the request's cookie on first use. */
    readonly session: Session<SessionData>;
  }
}

export type SignetSessionOptions = (SessionOptions<SessionData> | { readonly sessions: CookieSessions<SessionData> }) & {
  /** Told why an incoming session cookie was ignored (tampered, expired, failed the schema...). */
  readonly onRejected?: (request: FastifyRequest, reason: BadData) => void;
  /**
   * Answers when a changed session would not fit in a cookie (nothing was saved).
   * `clearCookie`, when the request came with a session cookie, is the Set-Cookie that
   * deletes it, so that the next request starts afresh instead of failing again. By
   * default: a 500 with a JSON `{"error"}` that sends `clearCookie`.
   */
  readonly onCookieTooLarge?: (request: FastifyRequest, reply: FastifyReply, error: CookieTooLarge, clearCookie: string | undefined) => string | Buffer;
  /** Told when an unchanged session was too large to renew: the browser keeps the valid cookie it sent. */
  readonly onRenewalSkipped?: (request: FastifyRequest, error: CookieTooLarge) => void;
};

const OPENED = Symbol('signet.session');
const COOKIES = Symbol('signet.cookies');

interface SessionSlots {
  [OPENED]: Session<SessionData> | null;
  [COOKIES]: ReadonlyMap<string, string> | null;
}

/**
 * The request's cookies as Werkzeug reads them: each name once, in order, with its
 * first value. Read once per request (the session plugin uses the same reading).
 */
export function requestCookies(request: FastifyRequest): ReadonlyMap<string, string> {
  const slots = request as unknown as SessionSlots;
  return (slots[COOKIES] ??= readCookies(request.headers.cookie ?? ''));
}

const defaultTooLarge = (_request: FastifyRequest, reply: FastifyReply, error: CookieTooLarge, clearCookie: string | undefined): string => {
  if (clearCookie !== undefined) appendHeader(reply, 'set-cookie', clearCookie);
  void reply.code(500).header('content-type', 'application/json');
  return JSON.stringify({ error: tooLargeMessage(error, clearCookie) }) + '\n';
};

function plugin(fastify: FastifyInstance, options: SignetSessionOptions, done: (error?: Error) => void): void {
  const sessions = 'sessions' in options ? options.sessions : new CookieSessions<SessionData>(options);
  const onTooLarge = options.onCookieTooLarge ?? defaultTooLarge;
  const secureAuto = sessions.settings.cookie.secure === 'auto';

  // Declared up front, so that every request object keeps one shape (Fastify's advice).
  fastify.decorateRequest(OPENED as unknown as string, null);
  fastify.decorateRequest(COOKIES as unknown as string, null);
  fastify.decorateRequest('session', {
    getter(this: FastifyRequest) {
      const slots = this as unknown as SessionSlots;
      let session = slots[OPENED];
      if (session === null) {
        const opened = sessions.open(requestCookies(this).get(sessions.cookieName));
        if (opened.rejected !== undefined) options.onRejected?.(this, opened.rejected);
        session = slots[OPENED] = opened.session;
      }
      return session;
    },
  });

  fastify.addHook('onSend', (request, reply, payload, next) => {
    const session = (request as unknown as SessionSlots)[OPENED];
    if (session === null) {
      next(null, payload); // never opened: no cookie, no Vary, as in Flask
      return;
    }
    // Only SESSION_COOKIE_SECURE=auto asks how the request came (Fastify works it out per call).
    const saved = sessions.save(session, secureAuto ? { secure: request.protocol === 'https' } : {});
    if (saved.vary) appendHeader(reply, 'vary', 'Cookie');
    if (saved.setCookie !== undefined) appendHeader(reply, 'set-cookie', saved.setCookie);
    if (saved.renewalSkipped !== undefined) options.onRenewalSkipped?.(request, saved.renewalSkipped);
    next(null, saved.error === undefined ? payload : onTooLarge(request, reply, saved.error, saved.clearCookie));
  });
  done();
}

// Fastify's reply.header() appends to set-cookie by itself; Vary is one comma list.
function appendHeader(reply: FastifyReply, name: 'vary' | 'set-cookie', value: string): void {
  const current = reply.getHeader(name);
  if (current === undefined || name === 'set-cookie') {
    void reply.header(name, value);
  } else if (!String(current).split(',').some((part) => part.trim().toLowerCase() === value.toLowerCase())) {
    void reply.header(name, `${String(current)}, ${value}`);
  }
}

// What fastify-plugin does: share the decorators and hooks with the parent scope.
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'signet-session';

export const signetSession = plugin;
export { CookieSessions };
export type { SessionOptions };
