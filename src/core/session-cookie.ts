/**
 * Flask's `SecureCookieSessionInterface.open_session` / `save_session` as two plain
 * functions over a cookie value and a {@link Session}: no HTTP framework involved.
 */
import type { BadData } from './errors.js';
import type { FlaskSessionCodec } from './flask-session.js';
import type { PyDict } from './python-types.js';
import { Session } from './session.js';
import { serializeSetCookie, type SameSite } from './cookie-header.js';

/** The cookie settings, with Flask's names in the comments and Flask's defaults. */
export interface SessionCookieSettings {
  /** SESSION_COOKIE_NAME, "session". */
  readonly name: string;
  /** SESSION_COOKIE_DOMAIN, none. */
  readonly domain?: string;
  /** SESSION_COOKIE_PATH (else APPLICATION_ROOT), "/". */
  readonly path: string;
  /** SESSION_COOKIE_HTTPONLY, true. */
  readonly httpOnly: boolean;
  /** SESSION_COOKIE_SECURE, false. */
  readonly secure: boolean;
  /** SESSION_COOKIE_SAMESITE, none. */
  readonly sameSite?: SameSite;
  /** SESSION_COOKIE_PARTITIONED (Flask 3.1), false. */
  readonly partitioned?: boolean;
  /** SESSION_REFRESH_EACH_REQUEST, true: a permanent session is re-sent on every response. */
  readonly refreshEachRequest: boolean;
  /** PERMANENT_SESSION_LIFETIME in seconds, 31 days: the Expires of a permanent session. */
  readonly lifetime: number;
}

export const FLASK_COOKIE_DEFAULTS: SessionCookieSettings = {
  name: 'session',
  path: '/',
  httpOnly: true,
  secure: false,
  refreshEachRequest: true,
  lifetime: 31 * 24 * 60 * 60,
};

export interface OpenedSession<T extends PyDict = PyDict> {
  readonly session: Session<T>;
  /** Why the cookie that came in was not used; absent when there was none or it was valid. */
  readonly rejected?: BadData;
}

/** `open_session`: a missing, empty or invalid cookie gives a new, empty session. */
export function openSession<T extends PyDict = PyDict>(codec: FlaskSessionCodec, cookie: string | undefined): OpenedSession<T> {
  if (cookie === undefined || cookie === '') return { session: new Session<T>() };
  const decoded = codec.decode<T>(cookie);
  if (!decoded.ok) return { session: new Session<T>(), rejected: decoded.error };
  return { session: new Session<T>(decoded.value.data, { isNew: false }) };
}

export interface SavedSession {
  /** The Set-Cookie header value to add, if any. */
  readonly setCookie?: string;
  /** Whether to add `Vary: Cookie`: the response depends on the cookie once the session was touched. */
  readonly vary: boolean;
}

/**
 * `save_session`: Vary when accessed; an emptied session is deleted with the attributes
 * it was set with; otherwise the cookie is written when modified, or when permanent
 * and refreshed on every request.
 */
export function saveSession(codec: FlaskSessionCodec, session: Session, settings: SessionCookieSettings): SavedSession {
  const attributes = {
    ...(settings.domain === undefined ? {} : { domain: settings.domain }),
    path: settings.path,
    secure: settings.secure,
    httpOnly: settings.httpOnly,
    ...(settings.sameSite === undefined ? {} : { sameSite: settings.sameSite }),
    ...(settings.partitioned === true ? { partitioned: true } : {}),
  };
  if (session.isEmpty()) {
    if (!session.modified) return { vary: session.accessed };
    return { vary: true, setCookie: serializeSetCookie(settings.name, '', { ...attributes, expires: 0, maxAge: 0 }) };
  }
  const permanent = session.toDict()._permanent === true;
  if (!session.modified && !(permanent && settings.refreshEachRequest)) return { vary: session.accessed };
  const now = codec.now();
  const value = codec.encode(session.toDict(), now);
  const expires = permanent ? { expires: now + settings.lifetime } : {};
  return { vary: true, setCookie: serializeSetCookie(settings.name, value, { ...expires, ...attributes }) };
}
