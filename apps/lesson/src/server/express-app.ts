/**
 * The lesson on Express 5, with signet-session/express: Express's router around the
 * framework-free answers of lesson-http.ts and inspector.ts. A handler leaves its answer
 * on the response and ends it; the session middleware saves the session just before the
 * headers go out (it wraps writeHead), and then the writeHead set here, which it wraps,
 * writes the answer's headers in the one order of `wireHeaders`, with the session's.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { requestCookies, signetSession } from 'signet-session/express';
import type { LessonParts, LessonServer } from './app.js';
import {
  ChosenAnswer,
  decodeRequestPath,
  DECODE_PATH,
  errorAnswer,
  INSPECT_HEADER,
  INTERNAL_ERROR,
  routerUrl,
  unroutedAnswer,
  wireHeaders,
  type HttpAnswer,
} from './lesson-http.js';
import { nodeLessonServer, type RequestClasses, type StopState } from './node-server.js';
import { compileTrust, requestProtocol } from './proxy.js';

const ANSWER = Symbol('lesson.answer');


interface AnswerSlot {
  [ANSWER]?: ChosenAnswer;
}

/** node:http's own, called with the response as `this` below. */
// eslint-disable-next-line @typescript-eslint/unbound-method
const writeHead = ServerResponse.prototype.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;

export function buildExpressLesson(parts: LessonParts): LessonServer {
  const { sessions, inspector } = parts;
  const state: StopState = { closing: false };
  const trust = compileTrust(parts.trustProxy);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Routes as Werkzeug's (and Fastify's): /Sessions/x and /sessions/x/ are not /sessions/x.
  app.enable('case sensitive routing');
  app.enable('strict routing');
  // req.ip (the decoder's rate limit) and req.secure (SESSION_COOKIE_SECURE=auto, in
  // signet-session/express) as TRUST_PROXY says: Express's own reading, except that of
  // several X-Forwarded-Proto it believes the first and Fastify the last.
  app.set('trust proxy', trust);
  Object.defineProperty(app.request, 'protocol', {
    configurable: true,
    enumerable: true,
    get(this: IncomingMessage) {
      return requestProtocol(this, trust);
    },
  });

  /** Runs after the session middleware's writeHead, which it wraps: the headers go out here. */
  function writeAnswerHead(this: ServerResponse & AnswerSlot, ...args: Parameters<ServerResponse['writeHead']>): ServerResponse {
    const chosen = this[ANSWER];
    if (chosen === undefined) return writeHead.apply(this, args);
    const vary = this.getHeader('vary');
    const setCookie = this.getHeader('set-cookie');
    // The session middleware's headers, and those of an answer it put in our answer's place.
    for (const name of this.getHeaderNames()) this.removeHeader(name);
    const session = { vary: vary === undefined ? undefined : String(vary), setCookie: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [String(setCookie)] };
    const flat = wireHeaders(chosen.answer, session, { closing: state.closing, mirror: chosen.mirror });
    // Set one by one (node:http's writeHead(status, list) would keep one of two Set-Cookie), in order.
    for (let i = 0; i < flat.length; ) {
      const name = flat[i] as string;
      let end = i + 2;
      while (flat[end] === name) end += 2;
      this.setHeader(name, end === i + 2 ? (flat[i + 1] as string) : flat.slice(i, end).filter((_, at) => at % 2 === 1));
      i = end;
    }
    return writeHead.call(this, chosen.answer.status);
  }

  const send = (res: Response, answer: HttpAnswer, mirror: boolean): void => {
    (res as Response & AnswerSlot)[ANSWER] = new ChosenAnswer(answer, mirror);
    res.statusCode = answer.status;
    res.end(answer.body);
  };
  const inspects = (req: Request): boolean => req.headers[INSPECT_HEADER] === '1';
  const cookiesOf = (req: Request) => () => requestCookies(req);
  const answerRequest = (mirror: boolean): RequestHandler => (req, res) => {
    send(res, unroutedAnswer(req.method, decodeRequestPath(req.originalUrl), req.session, cookiesOf(req)), mirror && inspects(req));
  };
  // What no route took: the lessons after the cookie one, else Werkzeug's 404 or 405.
  const answerUnrouted: RequestHandler = (req, res, next) => {
    const path = decodeRequestPath(req.originalUrl);
    const header = (name: string): string | undefined => { const value = req.headers[name]; return Array.isArray(value) ? value.join(', ') : value; };
    const lesson = parts.lessons({ method: req.method, path, session: req.session, header, body: req, client: req.ip ?? '' });
    if (lesson === undefined) {
      send(res, unroutedAnswer(req.method, path, req.session, cookiesOf(req)), false);
      return;
    }
    Promise.resolve(lesson).then((answer) => { send(res, answer, false); }, next);
  };

  app.use((req, res, next) => {
    // Werkzeug's lenient decoding, spelled so that Express's router decodes it (as for Fastify).
    req.url = routerUrl(req.url);
    res.writeHead = writeAnswerHead as unknown as Response['writeHead'];
    next();
  });
  app.use(
    signetSession({
      sessions,
      ...(parts.revocation === undefined ? {} : { revocation: parts.revocation }),
      onRejected: (req, reason) => {
        parts.rejected(req.method, req.originalUrl, reason);
      },
      onCookieTooLarge: (req, error, clearCookie) => {
        const answer = parts.tooLarge(req.method, req.originalUrl, error, clearCookie);
        const res = req.res as Response & AnswerSlot;
        res[ANSWER] = new ChosenAnswer(answer, res[ANSWER]?.mirror ?? false);
        return { status: answer.status, headers: {}, body: answer.body.toString('latin1'), setCookie: clearCookie === undefined ? [] : [clearCookie] };
      },
      onRenewalSkipped: (req, error) => {
        parts.renewalSkipped(req.method, req.originalUrl, error);
      },
    }),
  );
  const lesson = answerRequest(true);
  app.get('/sessions/:key', lesson); // and HEAD
  app.options('/sessions/:key', lesson);
  for (const [path, answer] of inspector.files) {
    app.get(path, (req, res) => {
      send(res, answer, inspects(req));
    });
  }
  app.post(DECODE_PATH, (req, res, next) => {
    inspector
      .decode({ contentType: req.headers['content-type'], contentLength: req.headers['content-length'], body: req, client: req.ip ?? '', cookies: cookiesOf(req) })
      .then((answer) => {
        send(res, answer, inspects(req));
      }, next);
  });
  app.use(answerUnrouted);
  const onError: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error); // Express ends the connection
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      send(res, errorAnswer(status, error instanceof Error ? error.message : String(error)), false);
      return;
    }
    parts.internalError(req.method, req.originalUrl, error);
    send(res, INTERNAL_ERROR, false);
  };
  app.use(onError);

  return nodeLessonServer('express', parts, state, app, expressClasses(app));
}

/**
 * Request and response classes whose prototypes are the app's request and response.
 * Express gives every request's two objects its own prototypes (Object.setPrototypeOf
 * in app.handle), and V8 then runs node:http's own code on them several times slower:
 * on this machine Express's "hello world" takes 100 µs of CPU a request instead of 30.
 * Made by these classes, the objects have those prototypes already, and Express's call
 * changes nothing. Everything Express adds (req.ip, res.send...) is on them as usual.
 */
function expressClasses(app: ReturnType<typeof express>): RequestClasses {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as unknown as typeof app.request;
  app.response = ExpressResponse.prototype as unknown as typeof app.response;
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse as unknown as typeof ServerResponse };
}
