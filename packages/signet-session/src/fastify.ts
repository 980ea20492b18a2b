/**
 * signet sessions as a Fastify 5 plugin: `request.session` is opened from the cookie on
 * first use, and the cookie is written (or deleted) when the answer is sent.
 *
 *     import { signetSession } from 'signet-session/fastify';
 *     await app.register(signetSession, { secret: process.env.SECRET_KEY });
 *     app.get('/', (request) => ({ visits: request.session.get('visits') }));
 *
 * A thin layer over the engine (src/core/engine.ts). The session is saved by a
 * route-level onSend hook added to every route declared after the plugin: Fastify runs
 * those after all the application's onSend hooks, so a write made in any of them is
 * saved, as Flask saves after every after_request function. Routes declared before the
 * plugin, and the not-found handler, are saved by an application-level hook instead.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, RouteOptions } from 'fastify';
import { readCookies } from './core/cookie-header.js';
import type { SessionOptions } from './core/cookie-sessions.js';
import { defaultErrorAnswer, SessionEngine, unavailableAnswer, varyWithCookie, type EngineOptions, type RequestSession, type SessionData, type SessionOutcome } from './core/engine.js';
import type { BadData, CookieTooLarge } from './core/errors.js';
import type { SessionConflict } from './core/server-sessions.js';
import type { Session } from './core/session.js';
import { NodeRequestFacts } from './request-facts.js';

export type { SessionData };

declare module 'fastify' {
  interface FastifyRequest {
    /** The session, opened from the request's cookie on first use. */
    readonly session: Session<SessionData>;
  }
}

export type SignetSessionOptions = EngineOptions<SessionData> & {
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

const HANDLE = Symbol('signet.session');
/** A request getter for its handle, begun on first use by the plugin's engine. */
const HANDLE_OF = Symbol('signet.handleOf');
/** Marks the routes whose own onSend hook saves the session. */
const SAVED_BY_ROUTE = 'signetSavesLast';

interface SessionSlots {
  [HANDLE]: RequestSession<SessionData> | null;
  readonly [HANDLE_OF]?: RequestSession<SessionData>;
}

/**
 * The request's cookies as Werkzeug reads them: each name once, in order, with its
 * first value. Read once per request: the session's cookie comes from the same reading
 * (outside the plugin's scope, the header is read here).
 */
export function requestCookies(request: FastifyRequest): ReadonlyMap<string, string> {
  return (request as unknown as SessionSlots)[HANDLE_OF]?.cookies ?? readCookies(request.headers.cookie ?? '');
}

/** Fastify works it out per call, from its trustProxy. */
const isSecure = (request: FastifyRequest): boolean => request.protocol === 'https';

const defaultTooLarge = (_request: FastifyRequest, reply: FastifyReply, error: CookieTooLarge, clearCookie: string | undefined): string => {
  const answer = defaultErrorAnswer({ setCookie: [], vary: true, error, ...(clearCookie === undefined ? {} : { clearCookie }) });
  for (const cookie of answer.setCookie) void reply.header('set-cookie', cookie);
  void reply.code(answer.status).headers(answer.headers);
  return answer.body;
};

function plugin(fastify: FastifyInstance, options: SignetSessionOptions, done: (error?: Error) => void): void {
  let engine: SessionEngine<SessionData>;
  try {
    engine = new SessionEngine<SessionData>(options);
  } catch (error) {
    done(error as Error); // register() and ready() reject with it: the start stops
    return;
  }
  const onTooLarge = options.onCookieTooLarge ?? defaultTooLarge;

  const handleOf = (request: FastifyRequest): RequestSession<SessionData> => {
    const slots = request as unknown as SessionSlots;
    return (slots[HANDLE] ??= engine.begin(new NodeRequestFacts(request, isSecure, options.onRejected)));
  };

  // Declared up front, so that every request object keeps one shape (Fastify's advice).
  fastify.decorateRequest(HANDLE as unknown as string, null);
  fastify.decorateRequest(HANDLE_OF as unknown as string, {
    getter(this: FastifyRequest) {
      return handleOf(this);
    },
  });
  fastify.decorateRequest('session', {
    getter(this: FastifyRequest) {
      return handleOf(this).session;
    },
  });

  const save: onSendHookHandler = (request, reply, payload, next) => {
    const handle = (request as unknown as SessionSlots)[HANDLE];
    if (handle === null) {
      next(null, payload); // never used: no cookie, no Vary, as in Flask
      return;
    }
    const apply = (outcome: SessionOutcome): void => {
      if (outcome.vary) void reply.header('vary', varyWithCookie(headerText(reply.getHeader('vary'))));
      for (const cookie of outcome.setCookie) void reply.header('set-cookie', cookie); // Fastify appends set-cookie
      if (outcome.renewalSkipped !== undefined) options.onRenewalSkipped?.(request, outcome.renewalSkipped);
      if (outcome.conflict !== undefined) {
        next(null, conflictAnswer(reply, { ...outcome, conflict: outcome.conflict }));
        return;
      }
      next(null, outcome.error === undefined ? payload : onTooLarge(request, reply, outcome.error, outcome.clearCookie));
    };
    const finished = handle.finish();
    if (finished instanceof Promise) {
      finished.then(apply, (error: unknown) => {
        const answer = unavailableAnswer(error);
        if (answer === undefined) {
          next(error as Error);
          return;
        }
        reply.removeHeader('set-cookie'); // the answer that is not sent set them
        void reply.code(answer.status).headers(answer.headers);
        next(null, answer.body);
      });
    }
    else apply(finished);
  };

  // A store session is loaded, and a revocation checked, before the handler runs (a cookie session otherwise opens on first use).
  if (engine.loadsFirst) {
    fastify.addHook('onRequest', (request, reply, done) => {
      const loading = handleOf(request).ready();
      if (loading === undefined) {
        done();
        return;
      }
      loading.then(
        () => { done(); },
        (error: unknown) => {
          const answer = unavailableAnswer(error);
          if (answer === undefined) done(error as Error);
          else void reply.code(answer.status).headers(answer.headers).send(answer.body);
        },
      );
    });
  }

  fastify.addHook('onRoute', (route: RouteOptions) => {
    route.onSend = [...(route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]), save];
    route.config = { ...route.config, [SAVED_BY_ROUTE]: true };
  });
  fastify.addHook('onSend', (request, reply, payload, next) => {
    if ((request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[SAVED_BY_ROUTE] === true) {
      next(null, payload); // the route's own hook saves, after every other one
      return;
    }
    save.call(fastify, request, reply, payload, next);
  });
  done();
}

/** A strict store session's conflict: 409, JSON `{"error"}`, nothing saved. */
function conflictAnswer(reply: FastifyReply, outcome: SessionOutcome & { readonly conflict: SessionConflict }): string {
  const answer = defaultErrorAnswer(outcome);
  void reply.code(answer.status).headers(answer.headers);
  return answer.body;
}

function headerText(value: ReturnType<FastifyReply['getHeader']>): string | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
}

// What fastify-plugin does: share the decorators and hooks with the parent scope.
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'signet-session';

export const signetSession = plugin;
export { CookieSessions } from './core/cookie-sessions.js';
export type { SessionOptions };
