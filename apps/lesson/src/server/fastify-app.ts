/**
 * The lesson on Fastify 5, with signet-session/fastify: Fastify's router and hooks
 * around the framework-free answers of lesson-http.ts and inspector.ts. Its hooks add
 * the headers every answer gets in the order `wireHeaders` (lesson-http.ts) describes:
 * the application's onSend hook runs first (nosniff, and Connection: close while
 * stopping), then each route's own: the session's (Vary, Set-Cookie), then the
 * inspector's mirror of the cookies; Fastify adds Content-Length last.
 */
import Fastify, { type FastifyReply, type FastifyRequest, type onSendHookHandler } from 'fastify';
import { requestCookies, signetSession } from 'signet-session/fastify';
import type { LessonParts, LessonServer } from './app.js';
import {
  clientErrorHandler,
  decodeRequestPath,
  DECODE_PATH,
  errorAnswer,
  INSPECT_HEADER,
  INTERNAL_ERROR,
  MIRROR_HEADER,
  NOSNIFF,
  routerUrl,
  SERVER_TIMEOUTS,
  unroutedAnswer,
  type HttpAnswer,
} from './lesson-http.js';

/** Longer than any key a request line can hold (Fastify's default of 100 answers a longer one 414). */
const MAX_PARAM_LENGTH = 1 << 16;

export async function buildFastifyLesson(parts: LessonParts): Promise<LessonServer> {
  const { sessions, inspector, trustProxy } = parts;
  const app = Fastify({
    logger: false,
    ...(trustProxy === undefined ? {} : { trustProxy: typeof trustProxy === 'object' ? [...trustProxy] : trustProxy }),
    requestTimeout: SERVER_TIMEOUTS.requestTimeout,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeout,
    http: { headersTimeout: SERVER_TIMEOUTS.headersTimeout, connectionsCheckingInterval: SERVER_TIMEOUTS.connectionsCheckingInterval },
    clientErrorHandler,
    // While closing, a request on an open connection is answered as usual (with
    // Connection: close, added below), not refused with a bare 503.
    return503OnClosing: false,
    // Werkzeug decodes paths leniently (/sessions/%ZZ asks for the key "%ZZ"), Fastify's
    // router refuses them: hand it the same path, spelled so that it decodes.
    rewriteUrl: (request) => routerUrl(request.url ?? '/'),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (error, _request, reply) => {
      // Answered before any hook: add the header every answer gets here.
      void sendAnswer(reply.header('x-content-type-options', NOSNIFF), errorAnswer(error.statusCode ?? 400, error.message));
    },
    // No route here declares a JSON schema, so Fastify need not load Ajv and
    // fast-json-stringify (about 9 MiB of the server's memory, 250 modules). Should a
    // route ever declare one, it stops the start with this message.
    schemaController: { compilersFactory: { buildValidator: () => refuseSchemas, buildSerializer: () => refuseSchemas } },
  });
  // Nothing parses request bodies: the decoder reads its own (inspector.ts), and a POST
  // with a broken body elsewhere gets its 404 or 405 like any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(null);
  });
  await app.register(signetSession, {
    sessions,
    ...(parts.revocation === undefined ? {} : { revocation: parts.revocation }),
    onRejected: (request, reason) => {
      parts.rejected(request.method, request.originalUrl, reason);
    },
    onCookieTooLarge: (request, reply, error, clearCookie) => {
      const answer = parts.tooLarge(request.method, request.originalUrl, error, clearCookie);
      reply.removeHeader('set-cookie'); // the lesson's cookies belonged to the answer not sent
      if (clearCookie !== undefined) void reply.header('set-cookie', clearCookie);
      void reply.code(answer.status);
      for (const [name, value] of answer.headers) void reply.header(name, value);
      return answer.body;
    },
    onRenewalSkipped: (request, error) => {
      parts.renewalSkipped(request.method, request.originalUrl, error);
    },
  });

  // A route-level hook added after the session plugin's runs after the session is saved,
  // so the session's cookie is there to mirror.
  const mirrorCookies: onSendHookHandler = (request, reply, payload, next) => {
    if (request.headers[INSPECT_HEADER] === '1') {
      const set = reply.getHeader('set-cookie');
      void reply.header(MIRROR_HEADER, JSON.stringify(set === undefined ? [] : Array.isArray(set) ? set : [String(set)]));
    }
    next(null, payload);
  };
  app.addHook('onRoute', (routeOptions) => {
    if (routeOptions.url === CATCH_ALL) return; // no mirror on what no route of the lesson took, as on every framework
    routeOptions.onSend = [...(routeOptions.onSend === undefined ? [] : Array.isArray(routeOptions.onSend) ? routeOptions.onSend : [routeOptions.onSend]), mirrorCookies];
  });

  const answerRequest = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    sendAnswer(reply, unroutedAnswer(request.method, decodeRequestPath(request.originalUrl), request.session, () => requestCookies(request)));
  // What no route took: the lessons after the cookie one, else Werkzeug's 404 or 405.
  const answerUnrouted = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = decodeRequestPath(request.originalUrl);
    const lesson = parts.lessons({ method: request.method, path, session: request.session, header: (name) => headerText(request.headers[name]), body: request.raw, client: request.ip });
    return sendAnswer(reply, lesson === undefined ? unroutedAnswer(request.method, path, request.session, () => requestCookies(request)) : await lesson);
  };
  app.route({ method: ['GET', 'HEAD', 'OPTIONS'], url: '/sessions/:key', exposeHeadRoute: false, handler: answerRequest });
  for (const [path, answer] of inspector.files) {
    app.route({ method: ['GET', 'HEAD'], url: path, exposeHeadRoute: false, handler: (_request, reply) => sendAnswer(reply, answer) });
  }
  app.post(DECODE_PATH, async (request, reply) => {
    const answer = await inspector.decode({
      contentType: request.headers['content-type'],
      contentLength: request.headers['content-length'],
      body: request.raw, // unread: the content-type parser above leaves every body alone
      client: request.ip,
      cookies: () => requestCookies(request),
    });
    return sendAnswer(reply, answer);
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
  // Every other path, the lessons' among them, as one route, so that its answers get the
  // route-level hooks (the session's Set-Cookie after nosniff, as on every framework).
  // One catch-all, not a route per lesson path: with those twelve routes, the cookie
  // lesson's own route ran 5 to 10% slower (V8: process.nextTick's tick objects, in a
  // CPU profile, grew from 0.7% to 9% of the time; docs/performance.md).
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: CATCH_ALL, exposeHeadRoute: false, handler: answerUnrouted });
  app.setNotFoundHandler(answerUnrouted);
  app.setErrorHandler((error, request, reply) => {
    // A client's mistake is answered as such; anything else is ours.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendAnswer(reply, errorAnswer(status, error instanceof Error ? error.message : String(error)));
      return;
    }
    parts.internalError(request.method, request.originalUrl, error);
    sendAnswer(reply, INTERNAL_ERROR);
  });
  if (parts.logRequests) {
    app.addHook('onResponse', (request, reply, done) => {
      parts.log(`${request.method} ${request.originalUrl} ${reply.statusCode} ${reply.elapsedTime.toFixed(2)}ms`);
      done();
    });
  }
  await app.ready();

  return {
    framework: 'fastify',
    get server() {
      return app.server;
    },
    listen: async ({ port, host }) => {
      await app.listen({ port, host });
    },
    close: () => app.close(),
    openConnections: () =>
      new Promise((resolve) => {
        app.server.getConnections((error, count) => {
          resolve(error === null ? count : 0);
        });
      }),
    closeAllConnections: () => {
      app.server.closeAllConnections();
    },
  };
}

/** The answer's status, headers in order (Set-Cookie appends), and body: a Buffer, so that Fastify adds no charset. */
function sendAnswer(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  void reply.code(answer.status);
  for (const [name, value] of answer.headers) void reply.header(name, value);
  return reply.send(answer.body);
}

/** The route of every path no other route takes (the lessons after the cookie one, and 404s). */
const CATCH_ALL = '/*';

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function refuseSchemas(): never {
  throw new Error('JSON schema is invalid here: the lesson server compiles no schemas (give its routes none, or remove schemaController from buildServer)');
}
