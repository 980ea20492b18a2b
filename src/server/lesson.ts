/**
 * The lesson's one route, `GET /sessions/<key>`, as a plain function of the session
 * and the request cookies. The Flask original:
 *
 *     session["hello"] = session.get("hello") or "World"
 *     session["goodnight"] = session.get("goodnight") or "Moon"
 *     response = make_response(jsonify({
 *         'session': {'session_key': key, 'session_value': session[key],
 *                     'session_accessed': session.accessed},
 *         'cookies': [{cookie: request.cookies[cookie]} for cookie in request.cookies],
 *     }), 200)
 *     response.set_cookie('mouse', 'Cookie')
 */
import { renderFlaskJson } from '../core/json-provider.js';
import { isPythonTruthy, setOwn, type PyDict, type PyValue } from '../core/python-types.js';
import type { Session } from '../core/session.js';
import { StringMemo } from '../core/memo.js';

export interface LessonAnswer {
  readonly status: 200 | 404 | 500;
  /** The JSON body, rendered as Flask renders it. */
  readonly body: string;
  /** Whether to set the lesson's plain `mouse=Cookie`: only on a normal answer, as in Flask. */
  readonly setMouse: boolean;
}

/** The session keys the route fills in when they are unset (or falsy, because of `or`). */
export const LESSON_DEFAULTS: Readonly<Record<string, string>> = { hello: 'World', goodnight: 'Moon' };

export function answerLesson(key: string, session: Session, cookies: ReadonlyMap<string, string>): LessonAnswer {
  for (const [name, fallback] of Object.entries(LESSON_DEFAULTS)) {
    const current = session.get(name);
    session.set(name, current !== undefined && isPythonTruthy(current) ? current : fallback);
  }
  // Flask raises KeyError here and answers a 500 HTML page; we answer what happened.
  if (!session.has(key)) {
    return errorAnswer(404, `the session has no key ${JSON.stringify(key)}; it has ${session.keys().map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const value = session.get(key) as PyValue;
  // The same request, cookie for cookie, gets the same body: with a text value (the
  // lesson's), remember the rendering. JSON.stringify makes the memo key unambiguous.
  if (typeof value === 'string') {
    const accessed = session.accessed;
    const body = bodyMemo.get(JSON.stringify([key, value, accessed, ...cookies]), () => renderBody(key, value, cookies, accessed));
    return { status: 200, body, setMouse: true };
  }
  try {
    return { status: 200, body: renderBody(key, value, cookies, session.accessed), setMouse: true };
  } catch (error) {
    // Flask's JSON provider cannot render bytes either (TypeError, HTTP 500).
    const detail = error instanceof Error ? error.message : String(error);
    return errorAnswer(500, `the session value for ${JSON.stringify(key)} cannot be shown as JSON (${detail})`);
  }
}

const bodyMemo = new StringMemo<string>(256, 4096);

function renderBody(key: string, value: PyValue, cookies: ReadonlyMap<string, string>, accessed: boolean): string {
  const echoed: PyDict[] = [];
  for (const [name, value] of cookies) {
    const cookie: PyDict = {};
    setOwn(cookie, name, value);
    echoed.push(cookie);
  }
  return renderFlaskJson({ session: { session_key: key, session_value: value, session_accessed: accessed }, cookies: echoed });
}

/** A JSON error body `{"error": message}`, rendered like every other answer. */
export function errorBody(message: string): string {
  return renderFlaskJson({ error: message });
}

function errorAnswer(status: 404 | 500, message: string): LessonAnswer {
  return { status, body: errorBody(message), setMouse: false };
}
