/**
 * The inspector page at `/` (static files from public/, no build step) and the
 * decoder behind it, `POST /inspect/decode`, with no framework in them: the files are
 * answers made at start-up, and the decoder is a function of the request's body and a
 * few of its facts. The decoder verifies with the server's key or a secret the user
 * types, never echoes the server's key, and bounds what it takes: an 8 KiB body and a
 * token bucket per client address.
 */
import { readFileSync } from 'node:fs';
import { inspectCookie } from 'signet-session/core/inspect';
import { parseSecretSpec } from 'signet-session/core/secret-spec';
import type { Clock, Secret } from 'signet-session/core/signer';
import { RateLimiter } from './rate-limit.js';
import { errorBody, type Header, type HttpAnswer } from './lesson.js';

export interface InspectorOptions {
  readonly secret: Secret;
  /** SECRET_KEY_FALLBACKS, in Flask's order: the decoder accepts what the server accepts. */
  readonly secretFallbacks?: readonly Secret[];
  readonly cookieName: string;
  readonly maxAge: number;
  readonly clock?: Clock;
  /** Decoder requests allowed at once per client, and refilled per second. */
  readonly rateLimit?: { readonly capacity: number; readonly perSecond: number };
}

/** What the decoder reads of a request. */
export interface DecodeRequest {
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
  /** The body as it arrives (a node:http request, or a Web stream); read only when it is JSON. */
  readonly body: AsyncIterable<Uint8Array> | null;
  /** The client's address as TRUST_PROXY says to read it: the rate limit's key. */
  readonly client: string;
  /** The request's cookies, as Werkzeug reads them. */
  readonly cookies: () => ReadonlyMap<string, string>;
}

const PUBLIC = new URL('../../../public/', import.meta.url);
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/inspector.js': { file: 'inspector.js', type: 'text/javascript; charset=utf-8' },
  '/inspector.css': { file: 'inspector.css', type: 'text/css; charset=utf-8' },
  // The authentication lessons' page (docs/lessons.md), built the same way.
  '/auth': { file: 'auth.html', type: 'text/html; charset=utf-8' },
  '/auth.js': { file: 'auth.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  // Browsers ask for /favicon.ico on every page, the JSON ones too: a 404 there is a red console error.
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const SECURITY_HEADERS: readonly Header[] = [
  ['content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
];
/** The decoder's answers are UTF-8 JSON (a payload may hold any text). */
const DECODER_TYPE: Header = ['content-type', 'application/json; charset=utf-8'];
const MAX_BODY = 8 * 1024;
const MAX_SECRET = 1024;
/** The most characters of a payload the answer shows: it stays small whatever the cookie inflates to. */
const MAX_SHOWN = 16 * 1024;

export class Inspector {
  /** The page's files by path, answered to GET and HEAD. */
  readonly files: ReadonlyMap<string, HttpAnswer>;
  private readonly limiter: RateLimiter;

  constructor(private readonly options: InspectorOptions) {
    const files = new Map<string, HttpAnswer>();
    for (const [path, { file, type }] of Object.entries(FILES)) {
      const content = readFileSync(new URL(file, PUBLIC)); // at start-up: a missing file stops the start
      files.set(path, { status: 200, headers: [...SECURITY_HEADERS, ['content-type', type], ['cache-control', 'no-cache']], body: content });
    }
    this.files = files;
    this.limiter = new RateLimiter({ ...(options.rateLimit ?? { capacity: 20, perSecond: 2 }), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  }

  /** `POST /inspect/decode`: the body's faults first, then the rate limit, then the verdict. */
  async decode(request: DecodeRequest): Promise<HttpAnswer> {
    let body: unknown;
    if (mediaType(request.contentType) === 'application/json') {
      const read = await readJson(request);
      if ('answer' in read) return read.answer;
      body = read.json;
    }
    const wait = this.limiter.take(request.client);
    if (wait > 0) return fail(429, `too many decode requests; try again in ${wait} s`, [['retry-after', String(wait)]]);
    if (typeof body !== 'object' || body === null) return fail(400, 'send a JSON object: {"cookie": "..."} or {"useMyCookie": true}, with an optional "secret"');
    const { options } = this;
    const { cookie, secret, useMyCookie } = body as Record<string, unknown>;
    if (secret !== undefined && (typeof secret !== 'string' || secret.length > MAX_SECRET)) return fail(400, `"secret" must be text of at most ${MAX_SECRET} characters`);
    let value: string | undefined;
    if (useMyCookie === true) {
      value = request.cookies().get(options.cookieName);
      if (value === undefined) return fail(400, `your browser sent no ${options.cookieName} cookie: call the API first`);
    } else if (typeof cookie === 'string' && cookie !== '') {
      value = cookie.startsWith(`${options.cookieName}=`) ? cookie.slice(options.cookieName.length + 1) : cookie;
    } else {
      return fail(400, 'give "cookie" (a cookie value) or "useMyCookie": true');
    }
    let key: Secret = options.secret;
    if (typeof secret === 'string' && secret !== '') {
      try {
        key = parseSecretSpec(secret, 'the secret');
      } catch (error) {
        return fail(400, (error as Error).message);
      }
    }
    // The raw payload stays out: bigints and bytes do not go into JSON; the page shows the Python rendering.
    const { payload, ...inspection } = inspectCookie(value, {
      secret: key,
      ...(key === options.secret && options.secretFallbacks !== undefined ? { secretFallbacks: options.secretFallbacks } : {}),
      cookieName: options.cookieName,
      maxAge: options.maxAge,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    const verifiedWith = key === options.secret ? "the server's key" : 'the secret you typed';
    const shown = inspection.python === undefined || inspection.python.length <= MAX_SHOWN ? {} : { python: `${inspection.python.slice(0, MAX_SHOWN)}… (${inspection.python.length - MAX_SHOWN} more characters not shown)` };
    return { status: 200, headers: [DECODER_TYPE], body: Buffer.from(JSON.stringify({ ...inspection, ...shown, verifiedWith }), 'utf8') };
  }
}

function fail(status: number, message: string, headers: readonly Header[] = []): HttpAnswer {
  return { status, headers: [...headers, DECODER_TYPE], body: Buffer.from(errorBody(message), 'latin1') };
}

/** The media type of a Content-Type, in lower case: `application/json; charset=utf-8` is `application/json`. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * A body too large is refused unread (its Content-Length says so) or as soon as it
 * passes the limit; either way the rest is not read, so the answer closes the connection.
 */
const TOO_LARGE = fail(413, `the body is larger than ${MAX_BODY} bytes`, [['connection', 'close']]);
const NOT_JSON = fail(400, 'the body is not JSON');
const CUT_SHORT = fail(400, 'the body did not arrive whole');

/** Reads a JSON body of at most 8 KiB, or gives the answer to send instead (413, 400). */
export async function readJson(request: Pick<DecodeRequest, 'contentLength' | 'body'>): Promise<{ readonly json: unknown } | { readonly answer: HttpAnswer }> {
  if (request.contentLength !== undefined && Number(request.contentLength) > MAX_BODY) return { answer: TOO_LARGE };
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    // Read by hand, not with for-await: leaving that loop would destroy a node:http
    // request, and with it the socket the answer goes out on.
    const chunksOf = request.body[Symbol.asyncIterator]();
    try {
      for (let next = await chunksOf.next(); next.done !== true; next = await chunksOf.next()) {
        size += next.value.length;
        if (size > MAX_BODY) return { answer: TOO_LARGE };
        chunks.push(next.value);
      }
    } catch {
      return { answer: CUT_SHORT }; // the client went away: the answer reaches no one
    }
  }
  try {
    return { json: JSON.parse(Buffer.concat(chunks, size).toString('utf8')) };
  } catch {
    return { answer: NOT_JSON };
  }
}
