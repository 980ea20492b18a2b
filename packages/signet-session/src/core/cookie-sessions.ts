/**
 * Cookie sessions for any framework: Flask's SecureCookieSessionInterface, and then
 * the sealed format, key rotation, idle and absolute timeouts, a size budget, a safe
 * cookie policy and schema validation. Plain functions over a cookie value and a
 * {@link Session}; the Fastify plugin (src/fastify.ts) is a thin layer over this.
 */
import { BadPayload, CookieTooLarge, err, ok, type BadData, type Result } from './errors.js';
import { checkTimeouts } from './timeouts.js';
import { FlaskSessionCodec, DEFAULT_MAX_AGE } from './flask-session.js';
import type { PyDict, PyValue } from './python-types.js';
import { MAX_SEALED_NAME_BYTES, SEALED_VERSION, SealedCodec, showName, type RandomBytes } from './sealed.js';
import { Session, type OpenedData } from './session.js';
import { secretBytes, type Clock, type Secret } from './signer.js';
import { serializeSetCookie, type CookieAttributes, type SameSite } from './cookie-header.js';
import { StringMemo } from './memo.js';
import { dumpTaggedJson } from './tagged-json.js';

export type SessionFormat = 'flask' | 'sealed';

/** What a {@link SameSitePolicy} reads of the session being saved. */
export interface SessionReader {
  peek(key: string): PyValue | undefined;
}

/**
 * The SameSite attribute for one session's cookie, from its data alone (the same data
 * gets the same answer: renewals are remembered by their data). "None" needs
 * `cookie.secure: true`.
 */
export type SameSitePolicy = (session: SessionReader) => SameSite | false;

/**
 * A validator for the session data: a Standard Schema (https://standardschema.dev:
 * zod, valibot, arktype...) used synchronously, or a function that returns true, or
 * false / a message for invalid data.
 */
export type SessionSchema<T extends PyDict> = StandardSchemaV1<T> | ((data: PyDict) => boolean | string);

/** The part of the Standard Schema v1 interface used here. */
export interface StandardSchemaV1<Output> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  };
}
type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

export interface CookieOptions {
  /** SESSION_COOKIE_NAME. Default "session". */
  readonly name?: string;
  /** SESSION_COOKIE_DOMAIN. Default none: the cookie goes back to this host only. */
  readonly domain?: string;
  /** SESSION_COOKIE_PATH. Default "/". */
  readonly path?: string;
  /** SESSION_COOKIE_HTTPONLY. Default true: page scripts cannot read it. */
  readonly httpOnly?: boolean;
  /** SESSION_COOKIE_SECURE. Default "auto": Secure when the request came over HTTPS. */
  readonly secure?: boolean | 'auto';
  /**
   * SESSION_COOKIE_SAMESITE. Default "Lax"; false writes no attribute (Flask's default).
   * Or a policy: a pure function of the session's data, asked each time its cookie is
   * written, such as "Lax once a user is logged in" (the lesson server's).
   */
  readonly sameSite?: SameSite | false | SameSitePolicy;
  /** SESSION_COOKIE_PARTITIONED (CHIPS). Default false; needs Secure. */
  readonly partitioned?: boolean;
}

export interface SessionOptions<T extends PyDict = PyDict> {
  /** SECRET_KEY: text (UTF-8) or bytes; 32 random bytes or more. */
  readonly secret: Secret;
  /**
   * SECRET_KEY_FALLBACKS: older keys that still open cookies, in Flask's order (oldest
   * first; the last is tried first). A cookie opened with one is re-issued under `secret`.
   */
  readonly secretFallbacks?: readonly Secret[];
  /** SESSION_FORMAT: "sealed" (encrypted, the default) or "flask" (signed, readable, Flask's own). */
  readonly format?: SessionFormat;
  /** With the sealed format, accept a cookie in Flask's signed format and re-issue it sealed. Default false. */
  readonly migrateFlask?: boolean;
  readonly cookie?: CookieOptions;
  /** PERMANENT_SESSION_LIFETIME, seconds. Default 31 days: a cookie's longest validity, and a permanent one's Expires. */
  readonly permanentLifetime?: number;
  /** SESSION_REFRESH_EACH_REQUEST. Default true: a permanent session (or one with an idle timeout) is re-sent on each request that uses it. */
  readonly refreshEachRequest?: boolean;
  /** SESSION_IDLE_TIMEOUT, seconds: a session unused this long is void. Default none. */
  readonly idleTimeout?: number;
  /** SESSION_ABSOLUTE_TIMEOUT, seconds: a session this old is void, however active. Default none. */
  readonly absoluteTimeout?: number;
  /** MAX_COOKIE_SIZE: the most bytes a Set-Cookie value may have (name, value, attributes). Default 4093. */
  readonly maxCookieSize?: number;
  /** Checked on every read; data that fails counts as no session. */
  readonly schema?: SessionSchema<T>;
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
  /** Where configuration warnings go (a weak secret). Default: `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** Flask's cookie settings, for a server that must answer as Flask does (the lesson). */
export const FLASK_COOKIE: Required<Omit<CookieOptions, 'domain'>> = {
  name: 'session',
  path: '/',
  httpOnly: true,
  secure: false,
  sameSite: false,
  partitioned: false,
};

/** The defaults for any other use: HttpOnly, SameSite=Lax, Secure over HTTPS. */
export const SAFE_COOKIE: Required<Omit<CookieOptions, 'domain'>> = {
  name: 'session',
  path: '/',
  httpOnly: true,
  secure: 'auto',
  sameSite: 'Lax',
  partitioned: false,
};

/** Browsers keep at least 4096 bytes per cookie (RFC 6265 §6.1); Flask warns past 4093, and so do Werkzeug and Safari's practice. */
export const DEFAULT_MAX_COOKIE_SIZE = 4093;
/** RFC 6265 §6.1's 4096 bytes, name, value and attributes: a larger budget lets browsers drop the cookie. */
export const MAX_COOKIE_SIZE_LIMIT = 4096;
/** Below this many bytes a secret can be guessed offline from one cookie faster than it should. */
export const STRONG_SECRET_BYTES = 32;
/** Where the Flask format keeps a session's creation time, when an absolute timeout needs it. */
export const CREATED_KEY = '_created';

export interface ResolvedSettings {
  readonly format: SessionFormat;
  readonly migrateFlask: boolean;
  readonly cookie: Required<Omit<CookieOptions, 'domain'>> & { readonly domain?: string };
  readonly permanentLifetime: number;
  readonly refreshEachRequest: boolean;
  readonly idleTimeout?: number;
  readonly absoluteTimeout?: number;
  readonly maxCookieSize: number;
}

export interface OpenedSession<T extends PyDict = PyDict> {
  readonly session: Session<T>;
  /** Why the cookie that came in was not used; absent when there was none or it was valid. */
  readonly rejected?: BadData;
}

export interface SavedSession {
  /** The Set-Cookie header value to add, if any. */
  readonly setCookie?: string;
  /** Whether to add `Vary: Cookie`: the answer depends on the cookie once the session was used. */
  readonly vary: boolean;
  /**
   * The changed session would not fit in a cookie: nothing was saved, and the app must
   * answer this error instead of its answer (the adapters' default: a 500 that clears).
   */
  readonly error?: CookieTooLarge;
  /**
   * With `error`, when the request came with a session cookie: the Set-Cookie that
   * deletes it, so that the next request starts a new session instead of failing the
   * same way again. The default answer sends it; an app that answers otherwise decides.
   */
  readonly clearCookie?: string;
  /**
   * The session did not change, but renewing its cookie (a new timestamp, a newer key,
   * the move to the sealed format) would not fit: nothing was set, the browser keeps the
   * valid cookie it sent, and the answer goes out as usual. For the app's log.
   */
  readonly renewalSkipped?: CookieTooLarge;
}

export interface RequestFacts {
  /** Whether the request reached the app over HTTPS (directly, or via a trusted proxy). */
  readonly secure?: boolean;
}

/** Reads and writes session cookies with one configuration, checked once, up front. */
export class CookieSessions<T extends PyDict = PyDict> {
  readonly settings: ResolvedSettings;
  private readonly flask: FlaskSessionCodec;
  private readonly sealed: SealedCodec | undefined;
  private readonly schema: SessionSchema<T> | undefined;
  private readonly clock: Clock;

  /** @throws TypeError naming the setting, for any configuration that cannot work. */
  constructor(options: SessionOptions<T>) {
    this.settings = resolveSettings(options);
    const secret = options.secret;
    const bytes = secretBytes(secret, 'secret');
    const fallbacks: readonly Secret[] = options.secretFallbacks ?? [];
    const givenFallbacks: unknown = fallbacks;
    if (!Array.isArray(givenFallbacks)) throw new TypeError(`secretFallbacks is invalid: ${typeof fallbacks} (give an array of older keys, oldest first)`);
    fallbacks.forEach((fallback, i) => secretBytes(fallback, `secretFallbacks[${i}]`));
    if (bytes.length < STRONG_SECRET_BYTES) {
      (options.warn ?? console.warn)(
        `secret is weak: ${bytes.length} bytes; use ${STRONG_SECRET_BYTES} random bytes or more (signet genkey), or anyone holding one cookie can try to guess it offline`,
      );
    }
    this.clock = options.clock ?? Date.now;
    const clock = { clock: this.clock };
    this.flask = new FlaskSessionCodec({ secret, secretFallbacks: fallbacks, maxAge: this.settings.permanentLifetime, ...clock });
    this.sealed =
      this.settings.format === 'sealed'
        ? new SealedCodec({
            secret,
            secretFallbacks: fallbacks,
            cookieName: this.settings.cookie.name,
            ...clock,
            ...(options.randomBytes === undefined ? {} : { randomBytes: options.randomBytes }),
          })
        : undefined;
    this.schema = options.schema;
    this.attributesFor = attributePicker(this.settings.cookie);
  }

  private readonly attributesFor: AttributePicker;
  private readonly renewals = new StringMemo<SavedSession>('renewals');

  get cookieName(): string {
    return this.settings.cookie.name;
  }

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** `open_session`: a missing, empty or invalid cookie gives a new, empty session, with the reason. */
  open(cookie: string | undefined): OpenedSession<T> {
    const { opened, rejected } = this.openData(cookie);
    const session = new Session<T>(opened.data, opened.state);
    return rejected === undefined ? { session } : { session, rejected };
  }

  /** {@link open}, as the data and state a session is made of (for a deferred session). */
  openData(cookie: string | undefined): { readonly opened: OpenedData<T>; readonly rejected?: BadData } {
    if (cookie === undefined || cookie === '') return { opened: NEW_SESSION };
    const read = this.read(cookie);
    return read.ok ? { opened: read.value } : { opened: NEW_SESSION, rejected: read.error };
  }

  private read(cookie: string): Result<OpenedData<T>> {
    let data: PyDict;
    let json: string;
    let createdAt: number;
    let reissue: boolean;
    if (this.sealed !== undefined && (SealedCodec.claims(cookie) || !this.settings.migrateFlask)) {
      const opened = this.sealed.open(cookie, this.settings); // judges the timeouts itself
      if (!opened.ok) return opened;
      ({ data, json, createdAt } = opened.value);
      reissue = opened.value.secretIndex > 0 || opened.value.version !== SEALED_VERSION; // an old key, or an S1 token
    } else {
      const decoded = this.flask.decode(cookie);
      if (!decoded.ok) return decoded;
      ({ data, json } = decoded.value);
      const { issuedAt } = decoded.value;
      const created = data[CREATED_KEY];
      createdAt = typeof created === 'number' && Number.isSafeInteger(created) && created <= issuedAt ? created : issuedAt;
      const timedOut = checkTimeouts(this.now(), createdAt, issuedAt, this.settings);
      if (timedOut !== undefined) return err(timedOut);
      // Read with an old key, or a Flask cookie being moved to the sealed format.
      reissue = decoded.value.secretIndex > 0 || this.sealed !== undefined;
    }
    const invalid = this.schema === undefined ? undefined : checkSchema(this.schema, data);
    if (invalid !== undefined) return err(new BadPayload(`Session data fails the schema: ${invalid}`, 'schema'));
    return ok({ data: data as T, state: { isNew: false, createdAt, reissue, source: cookie, sourceJson: json } });
  }

  /**
   * `save_session`: Vary when the session was used; an emptied session deleted with the
   * attributes it was set with; otherwise the cookie written when modified, re-issued,
   * or refreshed — unless it would be larger than browsers keep.
   */
  save(session: Session<T>, request: RequestFacts = {}): SavedSession {
    const secure = this.settings.cookie.secure === 'auto' ? request.secure === true : this.settings.cookie.secure;
    const attributes = this.attributesFor(secure, session);
    if (session.isEmpty()) {
      if (!session.modified) return session.accessed ? VARY : NO_VARY;
      return { vary: true, setCookie: this.deletion(attributes) };
    }
    const permanent = session.peek('_permanent') === true;
    const { idleTimeout, refreshEachRequest } = this.settings;
    const refresh = refreshEachRequest && (permanent || (idleTimeout !== undefined && session.accessed));
    if (!session.modified && !session.reissue && !refresh) return session.accessed ? VARY : NO_VARY;

    const now = this.now();
    // Data as its cookie held it is not written again: its JSON is the cookie's.
    const asOpened = session.asOpened && session.openedJson !== undefined;
    const data = asOpened ? undefined : session.toDict();
    const json = data === undefined ? (session.openedJson as string) : dumpTaggedJson(data);
    // The new cookie is a pure function of the data, its start, the second and the
    // attributes. While the data is what a cookie brought (its JSON unchanged), those all
    // follow from that cookie: the same cookie renewed in the same second gets the answer
    // it got before (for the sealed format, the same token again: a nonce is only ever
    // reused for the very same plaintext). In the Flask format (the same bytes for the
    // same data and second, as in Flask), changed or new data is remembered by its JSON
    // and start. Not sealed: two visitors with equal new sessions must not get one token.
    // A regenerated session starts anew (its creation time is now): never its old cookie's renewal.
    const unchanged = !session.regenerated && (asOpened || (session.openedFrom !== undefined && json === session.openedJson));
    const key = !this.renewals.active
      ? undefined
      : unchanged
      ? `${secure ? 's' : 'p'}${now}.${session.openedFrom}`
      : this.sealed === undefined
        ? `${session.createdAt ?? now}|${secure ? 's' : 'p'}${now}.${json}`
        : undefined;
    if (key === undefined) return this.issue(session, data, json, unchanged, now, permanent, attributes);
    const renewed = this.renewals.peek(key);
    if (renewed !== undefined) return renewed;
    const saved = this.issue(session, data, json, unchanged, now, permanent, attributes);
    if (saved.setCookie !== undefined) this.renewals.put(key, saved);
    return saved;
  }

  /** The Set-Cookie that makes the browser drop the session cookie (Flask's, for an emptied session). */
  private deletion(attributes: CookieAttributes): string {
    return serializeSetCookie(this.cookieName, '', { ...attributes, expires: 0, maxAge: 0 });
  }

  /**
   * A cookie too large to send. Unchanged data (the same as the cookie the request
   * brought: assignments of equal values do not count) keeps that cookie, which is still
   * valid; changed data is the app's error, and the cookie it came with is cleared, so a
   * session that grew too large never locks its user out.
   */
  private tooLarge(session: Session<T>, unchanged: boolean, error: CookieTooLarge, attributes: CookieAttributes): SavedSession {
    if (session.openedFrom === undefined) return { vary: true, error };
    if (unchanged) return { vary: true, renewalSkipped: error };
    return { vary: true, error, clearCookie: this.deletion(attributes) };
  }

  /** `data`: the session's, or undefined when it is as its cookie held it (then `json` is the cookie's). */
  private issue(session: Session<T>, data: PyDict | undefined, json: string, unchanged: boolean, now: number, permanent: boolean, attributes: CookieAttributes): SavedSession {
    const { idleTimeout, absoluteTimeout, permanentLifetime, maxCookieSize } = this.settings;
    const createdAt = session.createdAt ?? now;
    const ends = absoluteTimeout === undefined ? Infinity : createdAt + absoluteTimeout;
    let value: string;
    if (this.sealed !== undefined) {
      const expiresAt = Math.min(now + permanentLifetime, idleTimeout === undefined ? Infinity : now + idleTimeout, ends);
      value = this.sealed.sealJson(json, { createdAt, issuedAt: now, expiresAt });
    } else if (absoluteTimeout !== undefined && typeof session.peek(CREATED_KEY) !== 'number') {
      value = this.flask.encode({ ...(data ?? session.toDict()), [CREATED_KEY]: createdAt }, now); // the start, where the absolute timeout finds it
    } else if (unchanged && session.openedFrom !== undefined) {
      value = this.flask.renew(session.openedFrom, json, now);
    } else {
      value = this.flask.encodeJson(json, now);
    }
    // Flask: a permanent session's cookie expires a lifetime from now; never after the absolute end.
    const header = serializeSetCookie(this.cookieName, value, permanent ? { expires: Math.min(now + permanentLifetime, ends), ...attributes } : attributes);
    const size = header.length; // latin1: a char per byte
    if (size > maxCookieSize) return this.tooLarge(session, unchanged, new CookieTooLarge(this.cookieName, size, maxCookieSize), attributes);
    return { vary: true, setCookie: header };
  }
}

/** What an answer to a session too large to save says: the error, and whether the cookie was cleared. */
export function tooLargeMessage(error: CookieTooLarge, clearCookie: string | undefined): string {
  const cleared = clearCookie === undefined ? '' : `; the ${error.cookieName} cookie was cleared, so the next request starts a new session`;
  return `${error.message}: the session was not saved${cleared}`;
}

/** What a log says when an unchanged session was too large to renew. */
export function renewalSkippedMessage(error: CookieTooLarge): string {
  return `${error.message}: the session is unchanged, so the ${error.cookieName} cookie the browser sent stays in use`;
}

const NEW_SESSION: OpenedData<never> = Object.freeze({});
const VARY: SavedSession = Object.freeze({ vary: true });
const NO_VARY: SavedSession = Object.freeze({ vary: false });

/** The Set-Cookie attributes of one session's cookie, over a plain or a secure request. */
export type AttributePicker = (secure: boolean, session: SessionReader) => CookieAttributes;

/**
 * Every attribute set a configuration can write, made once: a static SameSite gives two
 * (plain and secure), a policy two per answer it may give.
 */
export function attributePicker(cookie: ResolvedSettings['cookie']): AttributePicker {
  const pair = (sameSite: SameSite | false): readonly [CookieAttributes, CookieAttributes] => [cookieAttributes(cookie, sameSite, cookie.secure === true), cookieAttributes(cookie, sameSite, cookie.secure !== false)];
  const policy = cookie.sameSite;
  if (typeof policy !== 'function') {
    const [plain, secure] = pair(policy);
    return (isSecure) => (isSecure ? secure : plain);
  }
  const pairs = new Map<SameSite | false, readonly [CookieAttributes, CookieAttributes]>(SAME_SITE_ANSWERS.filter((answer) => answer !== 'None' || cookie.secure === true).map((answer) => [answer, pair(answer)]));
  return (isSecure, session) => {
    const answer = policy(session);
    const attributes = pairs.get(answer);
    // A programmer error, found on the first cookie the policy gets wrong.
    if (attributes === undefined) {
      throw new TypeError(`cookie.sameSite is invalid: its policy returned ${JSON.stringify(answer)} (return "Strict", "Lax" or false${cookie.secure === true ? ', or "None"' : '; "None" needs cookie.secure: true'})`);
    }
    return isSecure ? attributes[1] : attributes[0];
  };
}

const SAME_SITE_ANSWERS: ReadonlyArray<SameSite | false> = ['Strict', 'Lax', 'None', false];

function cookieAttributes(cookie: ResolvedSettings['cookie'], sameSite: SameSite | false, secure: boolean): CookieAttributes {
  return Object.freeze({
    ...(cookie.domain === undefined ? {} : { domain: cookie.domain }),
    path: cookie.path,
    secure,
    httpOnly: cookie.httpOnly,
    ...(sameSite === false ? {} : { sameSite }),
    ...(cookie.partitioned ? { partitioned: true } : {}),
  });
}

function checkSchema<T extends PyDict>(schema: SessionSchema<T>, data: PyDict): string | undefined {
  if (typeof schema === 'function') {
    const verdict = schema(data);
    return verdict === true ? undefined : typeof verdict === 'string' ? verdict : 'the schema function returned false';
  }
  const result = schema['~standard'].validate(data);
  if (result instanceof Promise) return 'the schema is asynchronous; a session schema must validate synchronously';
  if (result.issues === undefined) return undefined;
  return result.issues
    .map((issue) => {
      const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** The longest timeout or lifetime taken: a century, so that every date a cookie carries stays within Python's years. */
export const MAX_SECONDS = 100 * 365 * 24 * 3600;

const WHOLE_SECONDS = (name: string, value: number | undefined): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1 || value > MAX_SECONDS)) {
    throw new TypeError(`${name} is invalid: ${String(value)} (give whole seconds, from 1 to ${MAX_SECONDS}, a century)`);
  }
};

// RFC 9110 token: what a cookie name may be.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Printable ASCII but ';' and ',': a header must be ASCII, and these would end the attribute.
const ATTRIBUTE = /^[\x21-\x2b\x2d-\x3a\x3c-\x7e]*$/;

/**
 * Checks a configuration once, so that a mistake stops the start instead of a browser
 * quietly dropping cookies later. Error messages name the option (`cookie.name`); an app
 * that reads them from its environment can name its own variables (the lesson server does).
 */
export function resolveSettings(options: SessionOptions): ResolvedSettings {
  const format = options.format ?? 'sealed';
  // A runtime guard: the value often comes from the environment or plain JavaScript.
  if (!(['flask', 'sealed'] as unknown[]).includes(format)) throw new TypeError(`format is invalid: ${JSON.stringify(format)} (give "flask" or "sealed")`);
  const given = options.cookie ?? {};
  const cookie = { ...SAFE_COOKIE, ...definedOnly(given) };
  // Flask (Werkzeug's dump_cookie) takes SameSite in any case and writes it title-cased.
  const sameSiteWord: unknown = cookie.sameSite;
  if (typeof sameSiteWord === 'string' && /^(strict|lax|none)$/i.test(sameSiteWord)) cookie.sameSite = (sameSiteWord.charAt(0).toUpperCase() + sameSiteWord.slice(1).toLowerCase()) as SameSite;
  const name = cookie.name;
  if (!TOKEN.test(name)) throw new TypeError(`cookie.name is invalid: ${JSON.stringify(name)} (letters, digits and !#$%&'*+-.^_\`|~ only)`);
  if (!cookie.path.startsWith('/') || !ATTRIBUTE.test(cookie.path)) throw new TypeError(`cookie.path is invalid: ${JSON.stringify(cookie.path)} (a path starting with "/", in ASCII: percent-encode other characters)`);
  if (given.domain !== undefined && !isCookieDomain(given.domain)) {
    throw new TypeError(`cookie.domain is invalid: ${JSON.stringify(given.domain)} (a host name such as example.com, with no scheme, port or path, in ASCII: write an international name in punycode, xn--...)`);
  }
  if (![true, false, 'auto'].includes(cookie.secure)) throw new TypeError(`cookie.secure is invalid: ${JSON.stringify(cookie.secure)} (give true, false or "auto")`);
  if (cookie.sameSite !== false && typeof cookie.sameSite !== 'function' && !['Strict', 'Lax', 'None'].includes(cookie.sameSite)) {
    throw new TypeError(`cookie.sameSite is invalid: ${JSON.stringify(cookie.sameSite)} (give "Strict", "Lax", "None", false, or a policy function)`);
  }
  // RFC 6265bis §4.1.3: browsers refuse prefixed cookies that break these rules.
  if (name.startsWith('__Host-') && (cookie.secure !== true || cookie.path !== '/' || given.domain !== undefined)) {
    throw new TypeError(`cookie.name is invalid: ${JSON.stringify(name)} (a __Host- cookie needs cookie.secure: true, cookie.path: "/" and no cookie.domain, or browsers drop it)`);
  }
  if (name.startsWith('__Secure-') && cookie.secure !== true) {
    throw new TypeError(`cookie.name is invalid: ${JSON.stringify(name)} (a __Secure- cookie needs cookie.secure: true, or browsers drop it)`);
  }
  if (cookie.sameSite === 'None' && cookie.secure !== true) {
    throw new TypeError('cookie.sameSite is invalid: "None" (browsers drop a SameSite=None cookie without Secure: set cookie.secure: true)');
  }
  if (cookie.partitioned && cookie.secure !== true) {
    throw new TypeError('cookie.partitioned is invalid: true (a partitioned cookie needs cookie.secure: true)');
  }
  WHOLE_SECONDS('permanentLifetime', options.permanentLifetime);
  WHOLE_SECONDS('idleTimeout', options.idleTimeout);
  WHOLE_SECONDS('absoluteTimeout', options.absoluteTimeout);
  const { idleTimeout, absoluteTimeout } = options;
  // A session always ends at its absolute limit first: the idle one would never decide anything.
  if (idleTimeout !== undefined && absoluteTimeout !== undefined && absoluteTimeout < idleTimeout) {
    throw new TypeError(`absoluteTimeout is invalid: ${absoluteTimeout} (it is shorter than idleTimeout, ${idleTimeout}, which would then never apply: make it at least ${idleTimeout}, or shorten idleTimeout)`);
  }
  const maxCookieSize = options.maxCookieSize ?? DEFAULT_MAX_COOKIE_SIZE;
  if (!Number.isSafeInteger(maxCookieSize) || maxCookieSize < 64 || maxCookieSize > MAX_COOKIE_SIZE_LIMIT) {
    throw new TypeError(`maxCookieSize is invalid: ${String(maxCookieSize)} (give a number of bytes from 64 to ${MAX_COOKIE_SIZE_LIMIT}, what browsers keep (RFC 6265 §6.1); ${DEFAULT_MAX_COOKIE_SIZE} by default)`);
  }
  // Every Set-Cookie carries the name: past half the budget, no session leaves room for itself.
  const longestName = Math.min(Math.floor(maxCookieSize / 2), MAX_SEALED_NAME_BYTES);
  if (cookie.name.length > longestName) {
    throw new TypeError(`cookie.name is invalid: ${showName(cookie.name)} (every cookie carries its name, which may take half of maxCookieSize, ${maxCookieSize} bytes, and ${MAX_SEALED_NAME_BYTES} characters at most: give a name of at most ${longestName} characters)`);
  }
  if (options.migrateFlask === true && format !== 'sealed') throw new TypeError('migrateFlask is invalid: true (it moves Flask cookies to the sealed format: set format: "sealed")');
  return {
    format,
    migrateFlask: options.migrateFlask === true,
    cookie: { ...cookie, ...(given.domain === undefined ? {} : { domain: given.domain }) },
    permanentLifetime: options.permanentLifetime ?? DEFAULT_MAX_AGE,
    refreshEachRequest: options.refreshEachRequest ?? true,
    ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
    ...(options.absoluteTimeout === undefined ? {} : { absoluteTimeout: options.absoluteTimeout }),
    maxCookieSize,
  };
}

/** A Domain attribute browsers keep: a host name (an optional leading dot, labels of letters, digits, - and _) or an IPv4 address. */
function isCookieDomain(domain: string): boolean {
  const labels = (domain.startsWith('.') ? domain.slice(1) : domain).split('.');
  return domain.length <= 253 && labels.every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(label) && label.length <= 63);
}

function definedOnly<O extends object>(object: O): Partial<O> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<O>;
}
