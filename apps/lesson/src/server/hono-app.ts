/**
 * The lesson on Hono 4 served by @hono/node-server 2, with signet-session/hono: Hono's
 * router and middleware around the framework-free answers of lesson-http.ts and
 * inspector.ts. Two things are done at the node:http edge, around Hono:
 *
 * - Web `Headers` iterate in name order, whatever order they were set in, so the answer
 *   Hono gives back (with the session's Vary and Set-Cookie in it) is written with its
 *   headers in the one order of `wireHeaders`, as a plain object @hono/node-server
 *   passes through as it is.
 * - @hono/node-server cannot make a `Request` of some request lines that Fastify and
 *   Express route (a `*` or `http://...` target, a backslash in the path, a Host with a
 *   space): it is handed a spelling it takes, and Hono routes on the original URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { requestCookies, signetSession, type SessionEnv } from 'signet-session/hono';
import type { LessonParts, LessonServer } from './app.js';
import {
  ChosenAnswer,
  decodeRequestPath,
  DECODE_PATH,
  INSPECT_HEADER,
  INTERNAL_ERROR,
  routerUrl,
  unroutedAnswer,
  wireHeaders,
  type HttpAnswer,
} from './lesson-http.js';
import { nodeLessonServer, type StopState } from './node-server.js';
import { clientAddress, compileTrust, requestProtocol } from './proxy.js';

type Env = SessionEnv & { Bindings: HttpBindings };

const ANSWER = Symbol('lesson.answer');
const ORIGINAL_URL = Symbol('lesson.url');


/** What the lesson keeps on the node:http request. */
interface Slots {
  [ANSWER]?: ChosenAnswer;
  [ORIGINAL_URL]?: string;
}

export function buildHonoLesson(parts: LessonParts): LessonServer {
  const { sessions, inspector } = parts;
  const state: StopState = { closing: false };
  const trust = compileTrust(parts.trustProxy);
  const urlOf = (incoming: IncomingMessage): string => (incoming as IncomingMessage & Slots)[ORIGINAL_URL] ?? incoming.url ?? '/';
  const app = new Hono<Env>({
    // Routed on the request's own URL, read as for Fastify and Express (lesson-http.ts).
    getPath: (_request, options) => {
      const url = routerUrl(urlOf((options?.env as HttpBindings).incoming));
      const query = url.indexOf('?');
      return query < 0 ? url : url.slice(0, query);
    },
  });

  /** Keeps the answer for the edge (below) and gives Hono the same answer as a Response. */
  const respond = (c: Context<Env>, answer: HttpAnswer, mirror: boolean): Response => {
    (c.env.incoming as IncomingMessage & Slots)[ANSWER] = new ChosenAnswer(answer, mirror);
    // Only the status: the answer that goes out is built from the chosen answer below
    // (`fetch`), so this one carries no headers or body for the session middleware to
    // copy when it adds its own.
    return new Response(null, { status: answer.status });
  };
  const inspects = (c: Context<Env>): boolean => c.env.incoming.headers[INSPECT_HEADER] === '1';
  const cookiesOf = (c: Context<Env>) => () => requestCookies(c);
  /** The real method: Hono runs a HEAD request as GET. */
  const methodOf = (c: Context<Env>): string => c.env.incoming.method ?? 'GET';
  const answerRequest = (c: Context<Env>, mirror: boolean): Response =>
    respond(c, unroutedAnswer(methodOf(c), decodeRequestPath(urlOf(c.env.incoming)), c.get('session'), cookiesOf(c)), mirror);

  if (parts.trustProxy !== undefined && parts.trustProxy !== false) {
    // signet-session/hono believes the first X-Forwarded-Proto when told to trust the
    // proxy; TRUST_PROXY names which proxies, and Fastify believes the last: hand the
    // middleware that verdict as the one X-Forwarded-Proto it reads.
    app.use(async (c, next) => {
      c.req.raw.headers.set('x-forwarded-proto', requestProtocol(c.env.incoming, trust) === 'https' ? 'https' : 'http');
      await next();
    });
  }
  app.use(
    signetSession({
      sessions,
      ...(parts.revocation === undefined ? {} : { revocation: parts.revocation }),
      trustProxy: parts.trustProxy !== undefined && parts.trustProxy !== false,
      onRejected: (c, reason) => {
        parts.rejected(methodOf(c as Context<Env>), urlOf((c as Context<Env>).env.incoming), reason);
      },
      onCookieTooLarge: (c, error, clearCookie) => {
        const ours = c as Context<Env>;
        const answer = parts.tooLarge(methodOf(ours), urlOf(ours.env.incoming), error, clearCookie);
        const incoming = ours.env.incoming as IncomingMessage & Slots;
        const response = respond(ours, answer, incoming[ANSWER]?.mirror ?? false);
        if (clearCookie !== undefined) response.headers.append('set-cookie', clearCookie);
        return response;
      },
      onRenewalSkipped: (c, error) => {
        parts.renewalSkipped(methodOf(c as Context<Env>), urlOf((c as Context<Env>).env.incoming), error);
      },
    }),
  );
  app.on(['GET', 'OPTIONS'], '/sessions/:key', (c) => answerRequest(c, inspects(c))); // and HEAD, as GET
  for (const [path, answer] of inspector.files) app.get(path, (c) => respond(c, answer, inspects(c)));
  app.post(DECODE_PATH, async (c) => {
    const { incoming } = c.env;
    const answer = await inspector.decode({
      contentType: incoming.headers['content-type'],
      contentLength: incoming.headers['content-length'],
      body: c.req.raw.body,
      client: clientAddress(incoming, trust),
      cookies: cookiesOf(c),
    });
    return respond(c, answer, inspects(c));
  });
  // What no route took: the lessons after the cookie one, else Werkzeug's 404 or 405.
  app.notFound(async (c) => {
    const { incoming } = c.env;
    const header = (name: string): string | undefined => { const value = incoming.headers[name]; return Array.isArray(value) ? value.join(', ') : value; };
    const lesson = parts.lessons({ method: methodOf(c), path: decodeRequestPath(urlOf(incoming)), session: c.get('session'), header, body: c.req.raw.body, client: clientAddress(incoming, trust) });
    return lesson === undefined ? answerRequest(c, false) : respond(c, await lesson, false);
  });
  app.onError((error, c) => {
    parts.internalError(methodOf(c), urlOf(c.env.incoming), error);
    return respond(c, INTERNAL_ERROR, false);
  });

  /** Hono's answer, its headers in the lesson's order (the session's taken from it), its body the answer's. */
  const fetch = async (request: Request, env: HttpBindings): Promise<Response> => {
    const response = await app.fetch(request, env);
    const incoming = env.incoming as IncomingMessage & Slots;
    const chosen = incoming[ANSWER];
    if (chosen === undefined) return response;
    const { headers } = response;
    const session = { vary: headers.get('vary') ?? undefined, setCookie: headers.getSetCookie() };
    const flat = wireHeaders(chosen.answer, session, { closing: state.closing, mirror: chosen.mirror });
    const written: Record<string, string | string[]> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i] as string;
      const value = flat[i + 1] as string;
      const before = written[name];
      written[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
    }
    // No body at all on a HEAD or a 204: @hono/node-server would add Content-Length: 0 for an empty one.
    return new Response(incoming.method === 'HEAD' || response.status === 204 ? null : chosen.answer.body, { status: response.status, headers: written as unknown as Record<string, string> });
  };
  const listener = getRequestListener(fetch as (request: Request, env: unknown) => Promise<Response>, { hostname: 'localhost' });
  return nodeLessonServer('hono', parts, state, (incoming: IncomingMessage, outgoing: ServerResponse) => {
    takeableRequest(incoming);
    void listener(incoming, outgoing);
  });
}

/** What @hono/node-server takes as a Host: its own test, then what the URL parser accepts. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::\d{1,5})?$/;

/** A request line and Host @hono/node-server makes a Request of, the original URL kept for routing. */
function takeableRequest(incoming: IncomingMessage & Slots): void {
  const url = incoming.url ?? '/';
  const target = routerUrl(url);
  const spelled = target.includes('\\') ? target.replace(/\\/g, '%5C') : target;
  if (spelled !== url) {
    incoming[ORIGINAL_URL] = url;
    incoming.url = spelled;
  }
  const host = incoming.headers.host;
  if (host !== undefined && !PLAIN_HOST.test(host) && !urlTakesHost(host)) incoming.headers.host = 'localhost';
}

function urlTakesHost(host: string): boolean {
  try {
    const { hostname } = new URL(`http://${host}/`);
    return hostname.length === host.length || hostname === (host.includes(':') ? host.replace(/:\d+$/, '') : host).toLowerCase();
  } catch {
    return false;
  }
}
