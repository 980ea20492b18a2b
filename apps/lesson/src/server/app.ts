/**
 * The lesson server on Fastify: a thin layer that reads the request, hands the
 * session and cookies to the core, and writes the answer with Flask's headers.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type onSendHookHandler } from 'fastify';
import { serializeSetCookie } from 'signet-session/core/cookie-header';
import { CookieSessions, FLASK_COOKIE, renewalSkippedMessage, tooLargeMessage, type SessionOptions } from 'signet-session/core/cookie-sessions';
import type { Clock, Secret } from 'signet-session/core/signer';
import { requestCookies, signetSession, type SessionData } from 'signet-session/fastify';
import { inVariableNames } from './config.js';
import { answerLesson, errorBody } from './lesson.js';
import { DECODE_PATH, registerInspector } from './inspector.js';

export interface LessonServerOptions {
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
  /** Fastify's trustProxy: whose X-Forwarded-Proto to believe for `SESSION_COOKIE_SECURE=auto`. */
  readonly trustProxy?: boolean | string | readonly string[];
}

/**
 * How long a connection may take, against clients that hold one open by sending slowly.
 * Node checks the first two every `connectionsCheckingInterval` and answers 408.
 */
export const SERVER_TIMEOUTS = {
  /** Milliseconds from a request's first byte to the end of its headers (Node's default: 60 s). */
  headersTimeout: 10_000,
  /** Milliseconds for a whole request, body included (Fastify's default: none). */
  requestTimeout: 30_000,
  /** Milliseconds between Node's checks of those two (Node's default: 30 s, which would let a slow client stay 40 s). */
  connectionsCheckingInterval: 1_000,
  /** Milliseconds an idle keep-alive connection stays open: Fastify's 72 s, longer than the 60 s of common load balancers, so that they close first. */
  keepAliveTimeout: 72_000,
} as const;

/** Sent with every answer: browsers must take a JSON answer as JSON, never sniff it into HTML or script. */
const NOSNIFF = 'nosniff';

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
  const sessions = new CookieSessions<SessionData>({
    format: 'flask',
    ...options.session,
    cookie: { ...FLASK_COOKIE, ...options.session?.cookie },
    secret: options.secret,
    warn: (message) => {
      log(`warning: ${inVariableNames(message)}`); // the lesson's names for the options
    },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });

  const logRequest = (request: FastifyRequest, reply: FastifyReply): void => {
    log(`${request.method} ${request.originalUrl} ${reply.statusCode} ${reply.elapsedTime.toFixed(2)}ms`);
  };

  const { trustProxy } = options;
  const app = Fastify({
    logger: false,
    ...(trustProxy === undefined ? {} : { trustProxy: typeof trustProxy === 'object' ? [...trustProxy] : trustProxy }),
    requestTimeout: SERVER_TIMEOUTS.requestTimeout,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeout,
    http: { headersTimeout: SERVER_TIMEOUTS.headersTimeout, connectionsCheckingInterval: SERVER_TIMEOUTS.connectionsCheckingInterval },
    clientErrorHandler,
    // While closing, a request on an open connection is answered as usual (with
    // Connection: close, which Fastify adds), not refused with a bare 503.
    return503OnClosing: false,
    // Werkzeug decodes paths leniently (/sessions/%ZZ asks for the key "%ZZ"), Fastify's
    // router refuses them: hand it the same path, spelled so that it decodes.
    rewriteUrl: (request) => canonicalUrl(request.url ?? '/'),
    frameworkErrors: (error, _request, reply) => {
      sendJson(reply, error.statusCode ?? 400, errorBody(error.message));
    },
    // No route here declares a JSON schema, so Fastify need not load Ajv and
    // fast-json-stringify (about 9 MiB of the server's memory, 250 modules). Should a
    // route ever declare one, it stops the start with this message.
    schemaController: { compilersFactory: { buildValidator: () => refuseSchemas, buildSerializer: () => refuseSchemas } },
  });
  // The API reads no request bodies: do not parse them, so a POST with a broken
  // JSON body gets its 405 like any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(null);
  });
  await app.register(signetSession, {
    sessions,
    onRejected: (request, reason) => {
      log(`${request.method} ${request.originalUrl}: ignored the ${sessions.cookieName} cookie: ${reason.reason} (${reason.message})`);
    },
    onCookieTooLarge: (request, reply, error, clearCookie) => {
      log(`${request.method} ${request.originalUrl}: ${tooLargeMessage(error, clearCookie)}`);
      reply.removeHeader('set-cookie'); // an error answer, not the lesson's: no mouse either
      if (clearCookie !== undefined) void reply.header('set-cookie', clearCookie);
      void reply.code(500).header('content-type', JSON_TYPE);
      return Buffer.from(errorBody(tooLargeMessage(error, clearCookie)), 'latin1');
    },
    onRenewalSkipped: (request, error) => {
      log(`${request.method} ${request.originalUrl}: ${renewalSkippedMessage(error)}`);
    },
  });

  // The inspector page cannot read Set-Cookie (a forbidden response header for scripts):
  // when it asks, repeat the cookies set in a header it can read. A route-level hook added
  // after the session plugin's runs after the session is saved, so the session cookie is there.
  const mirrorCookies: onSendHookHandler = (request, reply, payload, next) => {
    if (request.headers['x-signet-inspect'] === '1') {
      const set = reply.getHeader('set-cookie');
      void reply.header('x-signet-set-cookie', JSON.stringify(set === undefined ? [] : Array.isArray(set) ? set : [String(set)]));
    }
    next(null, payload);
  };
  app.addHook('onRoute', (routeOptions) => {
    routeOptions.onSend = [...(routeOptions.onSend === undefined ? [] : Array.isArray(routeOptions.onSend) ? routeOptions.onSend : [routeOptions.onSend]), mirrorCookies];
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
    const answer = answerLesson(match[1] as string, request.session, requestCookies(request));
    if (answer.setMouse) void reply.header('set-cookie', MOUSE_COOKIE);
    void reply.code(answer.status).header('content-type', JSON_TYPE).send(answer.bytes);
  };

  const notFound = (request: FastifyRequest, reply: FastifyReply, path = decodeRequestPath(request.url)): void => {
    // Werkzeug answers 405 when the path matches a route but the method does not.
    if (SESSION_PATH.test(path)) {
      route(request, reply);
      return;
    }
    if (path === DECODE_PATH) {
      sendJson(reply.header('allow', 'POST'), 405, errorBody(`method ${request.method} is not allowed for ${path}; POST a JSON object`));
      return;
    }
    sendJson(reply, 404, errorBody(`not found: ${request.method} ${path}; the API is GET /sessions/<key>`));
  };

  app.route({ method: ['GET', 'HEAD', 'OPTIONS'], url: '/sessions/:key', exposeHeadRoute: false, handler: route });
  registerInspector(app, {
    secret: options.secret,
    ...(options.session?.secretFallbacks === undefined ? {} : { secretFallbacks: options.session.secretFallbacks }),
    cookieName: sessions.cookieName,
    maxAge: sessions.settings.permanentLifetime,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  // Once closing, every answer ends its connection, so that a keep-alive client whose
  // request was in progress does not hold the stop until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, next) => {
    void reply.header('x-content-type-options', NOSNIFF);
    if (closing) void reply.header('connection', 'close');
    next(null, payload);
  });
  app.setNotFoundHandler((request, reply) => {
    notFound(request, reply);
  });
  app.setErrorHandler((error, request, reply) => {
    // A client's mistake (a body too large, not JSON) is answered as such; anything else is ours.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendJson(reply, status, errorBody(error instanceof Error ? error.message : String(error)));
      return;
    }
    log(`${request.method} ${request.originalUrl}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
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

/**
 * What Node's parser refuses before Fastify sees a request (malformed HTTP, headers too
 * large, too slow): the same JSON error as every other answer, then the connection ends.
 */
function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'the request took too long to arrive'] : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'the request headers are too large'] : [400, 'the request is not valid HTTP'];
  const body = errorBody(reason);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${body.length}\r\nX-Content-Type-Options: ${NOSNIFF}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function refuseSchemas(): never {
  throw new Error('JSON schema is invalid here: the lesson server compiles no schemas (give its routes none, or remove schemaController from buildServer)');
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
  if (PLAIN_PATH.test(raw)) return raw; // nothing to decode: the common case
  const bytes = Buffer.from(raw.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return PATH_DECODER.decode(bytes);
}

/**
 * The URL with its path as Werkzeug would read it, percent-encoded again so that any
 * router decodes it to the same text; the query string is kept as it came.
 */
export function canonicalUrl(url: string): string {
   
  if (!/[%\x80-\uffff]/.test(url)) return url;
  const query = url.indexOf('?');
  const path = decodeRequestPath(url);
  return encodeURI(path).replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23')) + (query < 0 ? '' : url.slice(query));
}

const PATH_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });
// eslint-disable-next-line no-control-regex
const PLAIN_PATH = /^[\x00-\x24\x26-\x7f]*$/; // ASCII without '%'
