/**
 * The lesson server's HTTP, with no framework in it: how a request path is read (as
 * Werkzeug reads it), what each route answers as plain `{status, headers, body}`, and
 * the one order every answer's headers go out in. The framework files (fastify-app.ts,
 * express-app.ts, hono-app.ts) route requests to these functions and write what they
 * give back; the answers are then the same bytes on every framework.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Session } from 'signet-session/core/session';
import type { LessonRequest } from './auth.js';
import { answerLesson, errorBody, JSON_TYPE, type Header, type HttpAnswer } from './lesson.js';

export { errorBody, JSON_TYPE, MOUSE_COOKIE, type Header, type HttpAnswer } from './lesson.js';

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
export const NOSNIFF = 'nosniff';
/** The request header with which the inspector page asks for {@link MIRROR_HEADER}. */
export const INSPECT_HEADER = 'x-signet-inspect';
/**
 * The cookies an answer sets, repeated as JSON in a header the inspector page can read
 * (Set-Cookie is a forbidden response header for scripts).
 */
export const MIRROR_HEADER = 'x-signet-set-cookie';
export const ALLOW = 'GET, HEAD, OPTIONS';
/** The lesson's route, on the decoded path. */
export const SESSION_PATH = /^\/sessions\/([^/]+)$/;
export const DECODE_PATH = '/inspect/decode';

const JSON_HEADER: Header = ['content-type', JSON_TYPE];
const EMPTY = Buffer.alloc(0);
/** Flask's automatic OPTIONS answer: empty, typed as HTML. */
const OPTIONS_ANSWER: HttpAnswer = { status: 200, headers: [['allow', ALLOW], ['content-type', 'text/html; charset=utf-8']], body: EMPTY };

/** A JSON error `{"error": message}`, rendered as Flask renders JSON, after `headers`. */
export function errorAnswer(status: number, message: string, headers: readonly Header[] = []): HttpAnswer {
  return { status, headers: [...headers, JSON_HEADER], body: Buffer.from(errorBody(message), 'latin1') };
}

/**
 * A request whose decoded path is `/sessions/<key>`, whatever its method: Flask's
 * OPTIONS answer, the lesson (GET, HEAD), or 405 as Werkzeug answers a method the route
 * does not take. Only the lesson uses the session.
 */
export function sessionsRoute(method: string, key: string, path: string, session: Session, cookies: () => ReadonlyMap<string, string>): HttpAnswer {
  if (method === 'GET' || method === 'HEAD') return answerLesson(key, session, cookies());
  if (method === 'OPTIONS') return OPTIONS_ANSWER;
  return errorAnswer(405, `method ${method} is not allowed for ${path}; use GET`, [['allow', ALLOW]]);
}

/**
 * What a request that no route took is answered, as Werkzeug routes: the lesson's path
 * with another method (via {@link sessionsRoute}), 405 on the decoder's path, else 404.
 */
export function unroutedAnswer(method: string, path: string, session: Session, cookies: () => ReadonlyMap<string, string>): HttpAnswer {
  const match = SESSION_PATH.exec(path);
  if (match !== null) return sessionsRoute(method, match[1] as string, path, session, cookies);
  if (path === DECODE_PATH) return errorAnswer(405, `method ${method} is not allowed for ${path}; POST a JSON object`, [['allow', 'POST']]);
  return errorAnswer(404, `not found: ${method} ${path}; the API is GET /sessions/<key>`);
}

/** The lessons that follow the cookie one (paywall.ts, auth.ts): an answer for their paths, undefined for any other. */
export type LessonRoutes = (request: LessonRequest) => HttpAnswer | Promise<HttpAnswer> | undefined;

/** What an error of ours is answered (the error itself goes to the log). */
export const INTERNAL_ERROR: HttpAnswer = errorAnswer(500, 'internal server error');

/** What the session middleware adds to an answer when it saves the session. */
export interface SessionHeaders {
  /** `Vary`, when the answer depends on the cookie. */
  readonly vary?: string | undefined;
  /** The session's Set-Cookie values (after the answer's own). */
  readonly setCookie: readonly string[];
}

/** Whether the answer closes its connection (the server is stopping), and whether to add the {@link MIRROR_HEADER}. */
export interface AnswerFlags {
  readonly closing: boolean;
  readonly mirror: boolean;
}

/**
 * The answer a handler chose, and whether the inspector's mirror goes with it, kept on
 * the request or response until its headers are written (express-app.ts, hono-app.ts).
 * A class, not an object literal: V8 may allocate a hot literal in the old generation
 * ("pretenuring"), and each one then keeps its answer alive through every scavenge.
 */
export class ChosenAnswer {
  constructor(
    readonly answer: HttpAnswer,
    readonly mirror: boolean,
  ) {}
}

/**
 * Every header of an answer, flat (name, value, name, value...), in the order it goes
 * out on every framework:
 *
 * 1. the answer's own headers, with the session's cookies right after its own;
 * 2. `x-content-type-options: nosniff`, and `connection: close` while stopping;
 * 3. the session's `vary`, and its cookies when the answer sets none of its own;
 * 4. the {@link MIRROR_HEADER} when the inspector asked for it;
 * 5. `content-length` (none on a 204).
 *
 * (This is the order in which Fastify's hooks add them, fastify-app.ts; express-app.ts
 * and hono-app.ts write this list.)
 */
export function wireHeaders(answer: HttpAnswer, session: SessionHeaders | undefined, flags: AnswerFlags): string[] {
  const out: string[] = [];
  const sessionCookies = session?.setCookie ?? [];
  const vary = session?.vary;
  let cookiesPlaced = false;
  let varyPlaced = vary === undefined;
  let nosniff = false;
  let connection = false;
  for (const [name, value] of answer.headers) {
    if (name === 'set-cookie') {
      if (cookiesPlaced) continue;
      // All the answer's cookies where its first one is, then the session's.
      for (const [other, cookie] of answer.headers) if (other === 'set-cookie') out.push(other, cookie);
      for (const cookie of sessionCookies) out.push('set-cookie', cookie);
      cookiesPlaced = true;
      continue;
    }
    if (name === 'vary' && vary !== undefined) {
      out.push(name, vary); // the session's Vary is the answer's with Cookie added
      varyPlaced = true;
      continue;
    }
    if (name === 'x-content-type-options') nosniff = true;
    else if (name === 'connection') connection = true;
    out.push(name, value);
  }
  if (!nosniff) out.push('x-content-type-options', NOSNIFF);
  if (flags.closing && !connection) out.push('connection', 'close');
  if (!varyPlaced) out.push('vary', vary as string);
  if (!cookiesPlaced) for (const cookie of sessionCookies) out.push('set-cookie', cookie);
  if (flags.mirror) {
    const cookies: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (out[i] === 'set-cookie') cookies.push(out[i + 1] as string);
    out.push(MIRROR_HEADER, JSON.stringify(cookies));
  }
  // None on a 204 (no content: RFC 9110 §8.6), as Werkzeug and Fastify answer one.
  if (answer.status !== 204) out.push('content-length', String(answer.body.length));
  return out;
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

/**
 * The URL a framework's router is given: {@link canonicalUrl}, and a request target
 * that is not a path (`*`, `http://host/...`) made one that no route has, so that
 * routers agree on it: none of them takes it, and it is answered 404 as its path.
 */
export function routerUrl(url: string): string {
  return url.charCodeAt(0) === 0x2f ? canonicalUrl(url) : `/${canonicalUrl(url)}`;
}

const PATH_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });
// eslint-disable-next-line no-control-regex
const PLAIN_PATH = /^[\x00-\x24\x26-\x7f]*$/; // ASCII without '%'

/** The log line of an answered request. */
export function requestLine(method: string, url: string, status: number, milliseconds: number): string {
  return `${method} ${url} ${status} ${milliseconds.toFixed(2)}ms`;
}

/**
 * What Node's parser refuses before any framework sees a request (malformed HTTP,
 * headers too large, too slow): the same JSON error as every other answer, then the
 * connection ends. Every framework's server uses it.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
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
