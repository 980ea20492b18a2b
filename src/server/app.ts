/**
 * The lesson server on Fastify: a thin layer that reads the request, hands the
 * session and cookies to the core, and writes the answer with Flask's headers.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { firstCookieValues, parseCookieHeader, serializeSetCookie } from '../core/cookie-header.js';
import { FlaskSessionCodec } from '../core/flask-session.js';
import { FLASK_COOKIE_DEFAULTS, openSession, saveSession, type SessionCookieSettings } from '../core/session-cookie.js';
import type { Clock, Secret } from '../core/signer.js';
import { answerLesson, errorBody } from './lesson.js';

export interface LessonServerOptions {
  /** Flask's SECRET_KEY: text or bytes. */
  readonly secret: Secret;
  /** Milliseconds since the epoch; `Date.now` by default. */
  readonly clock?: Clock;
  /** Where log lines go; stdout by default. */
  readonly log?: (line: string) => void;
  /** Log a line per request (the rejected-cookie lines are logged regardless). Default true. */
  readonly logRequests?: boolean;
}

/** The lesson's cookie settings: Flask's defaults (HttpOnly, Path=/, nothing else). */
export const LESSON_COOKIE: SessionCookieSettings = FLASK_COOKIE_DEFAULTS;
/** The plain, script-readable cookie every answer sets. */
export const MOUSE_COOKIE = serializeSetCookie('mouse', 'Cookie', { path: '/' });
const ALLOW = 'GET, HEAD, OPTIONS';
const SESSION_PATH = /^\/sessions\/([^/]+)$/;
const JSON_TYPE = 'application/json';
const EMPTY = Buffer.alloc(0);

const writeLine = (line: string): void => {
  process.stdout.write(line + '\n');
};

export async function buildServer(options: LessonServerOptions): Promise<FastifyInstance> {
  const log = options.log ?? writeLine;
  const codec = new FlaskSessionCodec({ secret: options.secret, ...(options.clock === undefined ? {} : { clock: options.clock }) });

  const logRequest = (request: FastifyRequest, reply: FastifyReply): void => {
    log(`${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(2)}ms`);
  };

  const app = Fastify({
    logger: false,
    // A path Fastify cannot percent-decode (/sessions/%ZZ) still reaches the route,
    // as it does in Werkzeug, which decodes leniently.
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') {
        // Fastify's hooks do not run on this path: log the request here.
        if (options.logRequests !== false) reply.raw.once('finish', () => { logRequest(request, reply); });
        route(request, reply);
        return;
      }
      sendJson(reply, error.statusCode ?? 400, errorBody(error.message));
    },
  });
  // The API reads no request bodies: do not parse them, so a POST with a broken
  // JSON body gets its 405 like any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(null);
  });

  const route = (request: FastifyRequest, reply: FastifyReply): void => {
    const path = decodeRequestPath(request.url);
    const match = SESSION_PATH.exec(path);
    if (match === null) {
      notFound(request, reply, path);
      return;
    }
    if (request.method === 'OPTIONS') {
      // Flask's automatic OPTIONS answer: empty, typed as HTML.
      void reply.code(200).header('allow', ALLOW).header('content-type', 'text/html; charset=utf-8').send(EMPTY);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(reply.header('allow', ALLOW), 405, errorBody(`method ${request.method} is not allowed for ${path}; use GET`));
      return;
    }
    const cookies = firstCookieValues(parseCookieHeader(request.headers.cookie ?? ''));
    const opened = openSession(codec, cookies.get(LESSON_COOKIE.name));
    if (opened.rejected !== undefined) {
      log(`${request.method} ${request.url}: ignored the ${LESSON_COOKIE.name} cookie: ${opened.rejected.reason} (${opened.rejected.message})`);
    }
    const answer = answerLesson(match[1] as string, opened.session, cookies);
    const saved = saveSession(codec, opened.session, LESSON_COOKIE);
    const setCookies: string[] = [];
    if (answer.setMouse) setCookies.push(MOUSE_COOKIE);
    if (saved.setCookie !== undefined) setCookies.push(saved.setCookie);
    if (setCookies.length > 0) void reply.header('set-cookie', setCookies);
    if (saved.vary) void reply.header('vary', 'Cookie');
    sendJson(reply, answer.status, answer.body);
  };

  const notFound = (request: FastifyRequest, reply: FastifyReply, path = decodeRequestPath(request.url)): void => {
    // Werkzeug answers 405 when the path matches a route but the method does not.
    if (SESSION_PATH.test(path)) {
      route(request, reply);
      return;
    }
    sendJson(reply, 404, errorBody(`not found: ${request.method} ${path}; the API is GET /sessions/<key>`));
  };

  app.route({ method: ['GET', 'HEAD', 'OPTIONS'], url: '/sessions/:key', exposeHeadRoute: false, handler: route });
  app.setNotFoundHandler((request, reply) => {
    notFound(request, reply);
  });
  app.setErrorHandler((error, request, reply) => {
    log(`${request.method} ${request.url}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    sendJson(reply, 500, errorBody('internal server error'));
  });
  if (options.logRequests !== false) {
    app.addHook('onResponse', (request, reply, done) => {
      logRequest(request, reply);
      done();
    });
  }
  await app.ready();
  return app;
}

function sendJson(reply: FastifyReply, status: number, body: string): void {
  // A Buffer, so that Fastify leaves the Content-Type as Flask's (no "; charset=utf-8").
  void reply.code(status).header('content-type', JSON_TYPE).send(Buffer.from(body, 'latin1'));
}

/**
 * The request path as Werkzeug sees it: percent-decoded leniently (a `%` not followed
 * by two hex digits stays as it is), then UTF-8 with replacement characters. The query
 * string is not part of it.
 */
export function decodeRequestPath(url: string): string {
  const query = url.indexOf('?');
  const raw = query < 0 ? url : url.slice(0, query);
  const bytes = Buffer.from(raw.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return PATH_DECODER.decode(bytes);
}

const PATH_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });
