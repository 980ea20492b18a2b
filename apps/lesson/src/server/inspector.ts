/**
 * The inspector page at `/` (static files from public/, no build step) and the
 * decoder behind it, `POST /inspect/decode`. The decoder verifies with the server's key
 * or a secret the user types, never echoes the server's key, and bounds what it takes:
 * an 8 KiB body and a token bucket per client address.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { inspectCookie } from 'signet-session/core/inspect';
import { parseSecretSpec } from 'signet-session/core/secret-spec';
import type { Clock, Secret } from 'signet-session/core/signer';
import { requestCookies } from 'signet-session/fastify';
import { RateLimiter } from './rate-limit.js';
import { errorBody } from './lesson.js';

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

const PUBLIC = new URL('../../../public/', import.meta.url);
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/inspector.js': { file: 'inspector.js', type: 'text/javascript; charset=utf-8' },
  '/inspector.css': { file: 'inspector.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  // Browsers ask for /favicon.ico on every page, the JSON ones too: a 404 there is a red console error.
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const MAX_BODY = 8 * 1024;
export const DECODE_PATH = '/inspect/decode';
const MAX_SECRET = 1024;
/** The most characters of a payload the answer shows: it stays small whatever the cookie inflates to. */
const MAX_SHOWN = 16 * 1024;

export function registerInspector(app: FastifyInstance, options: InspectorOptions): void {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const content = readFileSync(new URL(file, PUBLIC)); // at startup: a missing file stops the start
    app.get(path, (_request, reply) => {
      void reply.code(200).headers({ ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache' }).send(content);
    });
  }

  const limiter = new RateLimiter({ ...(options.rateLimit ?? { capacity: 20, perSecond: 2 }), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  void app.register((scope, _opts, done) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY }, (_request, body, parsed) => {
      try {
        parsed(null, JSON.parse(body as string));
      } catch {
        parsed(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }));
      }
    });
    scope.post(DECODE_PATH, (request, reply) => {
      const wait = limiter.take(request.ip);
      if (wait > 0) {
        fail(reply.header('retry-after', String(wait)), 429, `too many decode requests; try again in ${wait} s`);
        return;
      }
      const body: unknown = request.body;
      if (typeof body !== 'object' || body === null) {
        fail(reply, 400, 'send a JSON object: {"cookie": "..."} or {"useMyCookie": true}, with an optional "secret"');
        return;
      }
      const { cookie, secret, useMyCookie } = body as Record<string, unknown>;
      if (secret !== undefined && (typeof secret !== 'string' || secret.length > MAX_SECRET)) {
        fail(reply, 400, `"secret" must be text of at most ${MAX_SECRET} characters`);
        return;
      }
      let value: string | undefined;
      if (useMyCookie === true) {
        value = requestCookies(request).get(options.cookieName);
        if (value === undefined) {
          fail(reply, 400, `your browser sent no ${options.cookieName} cookie: call the API first`);
          return;
        }
      } else if (typeof cookie === 'string' && cookie !== '') {
        value = cookie.startsWith(`${options.cookieName}=`) ? cookie.slice(options.cookieName.length + 1) : cookie;
      } else {
        fail(reply, 400, 'give "cookie" (a cookie value) or "useMyCookie": true');
        return;
      }
      let key: Secret = options.secret;
      if (typeof secret === 'string' && secret !== '') {
        try {
          key = parseSecretSpec(secret, 'the secret');
        } catch (error) {
          fail(reply, 400, (error as Error).message);
          return;
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
      void reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ ...inspection, ...shown, verifiedWith }));
    });
    done();
  });
}

function fail(reply: FastifyReply, status: number, message: string): void {
  void reply.code(status).header('content-type', 'application/json').send(errorBody(message));
}
