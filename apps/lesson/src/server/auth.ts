/**
 * The authentication lesson: signup, login, the session check and logout, as JSON
 * routes with no framework in them (the framework files hand them a {@link LessonRequest}).
 * A login is stored the way Flask-Login 0.6 stores it (`_user_id`, `_fresh`, `_id`), and
 * the session is regenerated at login and at logout, against session fixation.
 * State-changing routes take only JSON, and refuse cross-site requests (Origin and
 * Sec-Fetch-Site), as CSRF defence beside SameSite.
 */
import { createHash } from 'node:crypto';
import type { SameSitePolicy } from 'signet-session/core/cookie-sessions';
import { renderFlaskJson } from 'signet-session/core/json-provider';
import type { PyValue } from 'signet-session/core/python-types';
import type { Revocation } from 'signet-session/core/revocation';
import type { Session } from 'signet-session/core/session';
import type { SessionStore } from 'signet-session/core/store';
import type { LessonDatabase, User } from './database.js';
import { mediaType, readJson } from './inspector.js';
import { JSON_TYPE, type HttpAnswer } from './lesson.js';
import { checkPasswordRules, hashPassword, verifyAgainstNothing, verifyPassword, type ScryptParams } from './passwords.js';
import { RateLimiter } from './rate-limit.js';

/** What a lesson route reads of a request, whatever the framework. */
export interface LessonRequest {
  readonly method: string;
  /** The decoded path (Werkzeug's reading). */
  readonly path: string;
  readonly session: Session;
  /** A request header, lower-case name; undefined when absent. */
  header(name: string): string | undefined;
  /** The body as it arrives; read only by routes that take one. */
  readonly body: AsyncIterable<Uint8Array> | null;
  /** The client's address as TRUST_PROXY says to read it. */
  readonly client: string;
}

/** Flask-Login 0.6's session keys. */
export const FLASK_LOGIN_KEYS = ['_user_id', '_fresh', '_id', '_remember', '_remember_seconds'] as const;

/**
 * The lesson server's SameSite: none while nobody is logged in, so the cookie lesson's
 * answers stay Flask's to the byte, and Lax once the session holds a login, the cookie
 * that carries authority (CSRF: with the Origin and Sec-Fetch-Site checks below).
 */
export const laxOnceLoggedIn: SameSitePolicy = (session) => (session.peek('_user_id') === undefined ? false : 'Lax');

const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const INVALID_LOGIN = 'Invalid username or password';

export interface AuthOptions {
  readonly database: LessonDatabase;
  readonly clock?: () => number;
  /** Login attempts: per account a bucket of 5, one more every 12 s; four times that per address. 'off' for none. */
  readonly loginLimit?: { readonly capacity: number; readonly perSecond: number } | 'off';
  /** scrypt's parameters: OWASP's (N=2^17, r=8, p=1) by default; tests give cheaper ones. */
  readonly passwordParams?: ScryptParams;
  /** The engine's revocation, whose generations `POST /logout_all` moves on. */
  readonly revocation: Revocation;
  /** The session store, for SESSION_TYPE memory or redis: what lists and ends a user's sessions. */
  readonly store?: SessionStore;
  /** Whether the revocation reads generations from the store (Redis) rather than from the users' table. */
  readonly generationsInStore?: boolean;
}

const json = (status: number, value: object, headers: ReadonlyArray<readonly [string, string]> = []): HttpAnswer => ({
  status,
  headers: [...headers, ['content-type', JSON_TYPE]],
  body: Buffer.from(renderFlaskJson(value as PyValue), 'utf8'),
});
const NO_CONTENT: HttpAnswer = { status: 204, headers: [], body: Buffer.alloc(0) };
const userJson = (user: User): { id: number; username: string } => ({ id: user.id, username: user.username });

/**
 * Flask-Login's `_create_identifier`: SHA-512 of "<address>|<user agent>", where each is
 * Python's repr of its UTF-8 bytes (an f-string of bytes), so `b'127.0.0.1'|b'curl/8'`.
 */
export function flaskLoginIdentifier(address: string | undefined, userAgent: string | undefined): string {
  const bytesRepr = (text: string | undefined): string => (text === undefined ? 'None' : pythonBytesRepr(Buffer.from(text, 'utf8')));
  return createHash('sha512').update(`${bytesRepr(address)}|${bytesRepr(userAgent)}`, 'utf8').digest('hex');
}

/** Python's repr of bytes: b'...' with \\xNN for what is not printable ASCII, and the quote it picks. */
function pythonBytesRepr(bytes: Buffer): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = 'b' + quote;
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === quote.charCodeAt(0)) out += '\\' + quote;
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte < 0x20 || byte >= 0x7f) out += '\\x' + byte.toString(16).padStart(2, '0');
    else out += String.fromCharCode(byte);
  }
  return out + quote;
}

export class AuthRoutes {
  private readonly database: LessonDatabase;
  private readonly clock: () => number;
  private readonly byAccount: RateLimiter | undefined;
  private readonly byAddress: RateLimiter | undefined;
  private readonly params: { readonly params?: ScryptParams };
  private readonly revocation: Revocation;
  private readonly store: SessionStore | undefined;
  private readonly generationsInStore: boolean;

  constructor(options: AuthOptions) {
    this.database = options.database;
    this.revocation = options.revocation;
    this.store = options.store;
    this.generationsInStore = options.generationsInStore === true;
    this.params = options.passwordParams === undefined ? {} : { params: options.passwordParams };
    this.clock = options.clock ?? Date.now;
    const limit = options.loginLimit ?? { capacity: 5, perSecond: 1 / 12 };
    this.byAccount = limit === 'off' ? undefined : new RateLimiter({ ...limit, clock: this.clock });
    // An address may serve many people (a school behind one NAT): four times the room.
    this.byAddress = limit === 'off' ? undefined : new RateLimiter({ capacity: limit.capacity * 4, perSecond: limit.perSecond * 4, clock: this.clock });
  }

  /** The answer for an authentication route, or undefined when `request.path` is not one. */
  answer(request: LessonRequest): Promise<HttpAnswer> | undefined {
    const { path, method } = request;
    const account = ACCOUNT_SESSION.exec(path);
    const route = ROUTES[path] ?? (account === null ? undefined : 'DELETE');
    if (route === undefined) return undefined;
    if (method === 'OPTIONS') return Promise.resolve({ status: 200, headers: [['allow', `${route}, OPTIONS`], ['content-type', 'text/html; charset=utf-8']], body: Buffer.alloc(0) });
    if (method !== route && !(route === 'GET' && method === 'HEAD')) return Promise.resolve(json(405, { error: `method ${method} is not allowed for ${path}; use ${route}` }, [['allow', `${route}, OPTIONS`]]));
    if (route !== 'GET') {
      const refused = crossSite(request);
      if (refused !== undefined) return Promise.resolve(json(403, { error: refused }));
    }
    switch (path) {
      case '/signup':
        return this.signup(request);
      case '/login':
        return this.login(request);
      case '/check_session':
        return Promise.resolve(this.checkSession(request.session));
      case '/logout':
        return Promise.resolve(this.logout(request.session));
      case '/account/sessions':
        return this.listSessions(request.session);
      case '/logout_all':
        return this.logoutAll(request.session);
      default:
        return this.endSession(request.session, (account as RegExpExecArray)[1] as string);
    }
  }

  /** `GET /account/sessions`: the user's sessions, the current one marked. A cookie session is known only to its browser: the list then holds only this one. */
  private async listSessions(session: Session): Promise<HttpAnswer> {
    const user = this.currentUser(session);
    if (user === undefined) return json(401, { error: 'not logged in' });
    if (this.store === undefined) {
      return json(200, { sessions: [{ id: null, current: true, created_at: null, last_seen_at: null, expires_at: null, user_agent: null }], complete: false, note: 'cookie sessions live only in their browsers: only this one can be listed; POST /logout_all still ends them all' });
    }
    const list = await this.store.sessionsOf(String(user.id));
    return json(200, {
      sessions: list.map((entry) => ({ id: entry.id, current: entry.id === session.id, created_at: entry.createdAt, last_seen_at: entry.lastSeenAt, expires_at: entry.expiresAt, user_agent: entry.userAgent ?? null })),
      complete: true,
    });
  }

  /** `DELETE /account/sessions/<id>`: ends one of the user's sessions (204), or 404. */
  private async endSession(session: Session, id: string): Promise<HttpAnswer> {
    const user = this.currentUser(session);
    if (user === undefined) return json(401, { error: 'not logged in' });
    if (this.store === undefined) return json(404, { error: 'cookie sessions cannot be ended one by one: POST /logout_all ends them all' });
    if (!(await this.store.endSession(String(user.id), id))) return json(404, { error: `you have no session ${id}` });
    if (id === session.id) for (const key of FLASK_LOGIN_KEYS) session.delete(key); // this very one: logged out now
    return NO_CONTENT;
  }

  /** `POST /logout_all`: every session of the user refused, on every device, this one included (204). */
  private async logoutAll(session: Session): Promise<HttpAnswer> {
    const user = this.currentUser(session);
    if (user === undefined) return json(401, { error: 'not logged in' });
    const userId = String(user.id);
    if (this.generationsInStore) {
      await this.revocation.revokeUser(userId); // the store's counter; its listed sessions deleted too
    } else {
      this.database.raiseGeneration(user.id);
      this.revocation.forget(userId);
      if (this.store !== undefined) await this.store.revokeUser(userId); // the listed sessions go at once
    }
    this.logout(session);
    return NO_CONTENT;
  }

  private async body(request: LessonRequest): Promise<Record<string, unknown> | HttpAnswer> {
    if (mediaType(request.header('content-type')) !== 'application/json') return json(415, { error: 'send the body as JSON (Content-Type: application/json)' });
    const read = await readJson({ contentLength: request.header('content-length'), body: request.body });
    if ('answer' in read) return read.answer;
    if (typeof read.json !== 'object' || read.json === null || Array.isArray(read.json)) return json(400, { error: 'send a JSON object' });
    return read.json as Record<string, unknown>;
  }

  private async signup(request: LessonRequest): Promise<HttpAnswer> {
    const body = await this.body(request);
    if (isAnswer(body)) return body;
    // Each signup costs a scrypt: the address's bucket bounds them as it bounds logins.
    const wait = this.byAddress?.take(request.client) ?? 0;
    if (wait > 0) return json(429, { error: `too many attempts; try again in ${wait} s` }, [['retry-after', String(wait)]]);
    const { username, password, password_confirmation: confirmation } = body;
    const errors: string[] = [];
    if (typeof username !== 'string' || !USERNAME.test(username)) errors.push('Your username must be 1 to 64 letters, digits, ".", "_" or "-".');
    if (typeof password !== 'string') errors.push('Give a password.');
    else errors.push(...checkPasswordRules(password, typeof confirmation === 'string' ? confirmation : ''));
    if (errors.length === 0 && this.database.userByName(username as string) !== undefined) errors.push('That username is taken: choose another.');
    if (errors.length > 0) return json(422, { errors });
    const user = this.database.createUser(username as string, await hashPassword(password as string, this.params), Math.floor(this.clock() / 1000));
    if (user === undefined) return json(422, { errors: ['That username is taken: choose another.'] }); // taken while the hash ran
    this.logIn(request, user);
    return json(201, userJson(user));
  }

  private async login(request: LessonRequest): Promise<HttpAnswer> {
    const body = await this.body(request);
    if (isAnswer(body)) return body;
    const { username, password } = body;
    const name = typeof username === 'string' ? username.toLowerCase() : '';
    const wait = Math.max(this.byAddress?.take(request.client) ?? 0, this.byAccount?.take(name) ?? 0);
    if (wait > 0) return json(429, { error: `too many login attempts; try again in ${wait} s` }, [['retry-after', String(wait)]]);
    const user = typeof username === 'string' && USERNAME.test(username) ? this.database.userByName(username) : undefined;
    const given = typeof password === 'string' ? password : '';
    // The same scrypt whether or not the user exists: the answer's time tells nothing.
    const verdict = user === undefined ? await verifyAgainstNothing(given, this.params) : await verifyPassword(given, user.passwordHash, this.params);
    if (user === undefined || !verdict.ok) return json(401, { error: INVALID_LOGIN });
    if (verdict.needsRehash) this.database.updatePasswordHash(user.id, await hashPassword(given, this.params));
    this.logIn(request, user);
    return json(200, userJson(user));
  }

  /** Flask-Login's login_user: a new session (against fixation) holding the user. */
  private logIn(request: LessonRequest, user: User): void {
    const { session } = request;
    session.regenerate();
    session.set('_user_id', String(user.id));
    session.set('_fresh', true);
    session.set('_id', flaskLoginIdentifier(request.client, request.header('user-agent')));
  }

  private checkSession(session: Session): HttpAnswer {
    const user = this.currentUser(session);
    return user === undefined ? json(401, { error: 'not logged in' }) : json(200, userJson(user));
  }

  /** Flask-Login's logout_user, then a new session id: 204 whether or not anyone was logged in. */
  private logout(session: Session): HttpAnswer {
    const wasIn = FLASK_LOGIN_KEYS.some((key) => session.get(key) !== undefined);
    for (const key of FLASK_LOGIN_KEYS) session.delete(key);
    if (wasIn) session.regenerate();
    return NO_CONTENT;
  }

  /** The logged-in user, by the session's `_user_id`. */
  currentUser(session: Session): User | undefined {
    const id = session.get('_user_id');
    const number = typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : undefined;
    return number === undefined ? undefined : this.database.userById(number);
  }
}

const ROUTES: Readonly<Record<string, 'GET' | 'POST' | 'DELETE'>> = { '/signup': 'POST', '/login': 'POST', '/check_session': 'GET', '/logout': 'DELETE', '/account/sessions': 'GET', '/logout_all': 'POST' };
const ACCOUNT_SESSION = /^\/account\/sessions\/([A-Za-z0-9_-]{8})$/;

function isAnswer(value: Record<string, unknown> | HttpAnswer): value is HttpAnswer {
  return Buffer.isBuffer((value as { body?: unknown }).body) && typeof (value as { status?: unknown }).status === 'number';
}

/**
 * Why a state-changing request is refused as cross-site, or undefined: a browser says
 * where a request came from in Sec-Fetch-Site (same-origin, same-site, cross-site, none)
 * and Origin; curl sends neither, and is let through.
 */
export function crossSite(request: Pick<LessonRequest, 'header'>): string | undefined {
  const site = request.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = request.header('origin');
  if (origin === undefined) return undefined;
  const host = request.header('host');
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  return originHost !== undefined && originHost === host ? undefined : `cross-site request refused (Origin: ${origin})`;
}
