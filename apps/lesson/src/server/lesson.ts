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
import { serializeSetCookie } from 'signet-session/core/cookie-header';
import { renderFlaskJson } from 'signet-session/core/json-provider';
import { isPythonTruthy, setOwn, type PyDict, type PyValue } from 'signet-session/core/python-types';
import type { Session } from 'signet-session/core/session';
import { StringMemo } from 'signet-session/core/memo';

/** A header as it goes out: its name in lower case, and its value. */
export type Header = readonly [name: string, value: string];

/** An answer as every framework sends it (lesson-http.ts adds the headers every answer gets). */
export interface HttpAnswer {
  readonly status: number;
  /** In the order they go out. */
  readonly headers: readonly Header[];
  /** The body; for HEAD, only its length is sent (Content-Length). */
  readonly body: Buffer;
}

export const JSON_TYPE = 'application/json';
/** The plain, script-readable cookie every normal lesson answer sets. */
export const MOUSE_COOKIE = serializeSetCookie('mouse', 'Cookie', { path: '/' });
const MOUSE_HEADER: Header = ['set-cookie', MOUSE_COOKIE];
const JSON_HEADER: Header = ['content-type', JSON_TYPE];
const OK_HEADERS: readonly Header[] = [MOUSE_HEADER, JSON_HEADER];
const ERROR_HEADERS: readonly Header[] = [JSON_HEADER];

export interface LessonAnswer extends HttpAnswer {
  readonly status: 200 | 404 | 500;
  /** The JSON body, rendered as Flask renders it: ASCII, so one byte per char. */
  readonly text: string;
  /** Whether it sets the lesson's plain `mouse=Cookie`: only a normal answer does, as in Flask. */
  readonly setMouse: boolean;
}

/** The session keys the route fills in when they are unset (or falsy, because of `or`), in the route's order. */
export const LESSON_DEFAULTS: ReadonlyArray<readonly [string, string]> = [
  ['hello', 'World'],
  ['goodnight', 'Moon'],
];

export function answerLesson(key: string, session: Session, cookies: ReadonlyMap<string, string>): LessonAnswer {
  for (const [name, fallback] of LESSON_DEFAULTS) {
    const current = session.get(name);
    session.set(name, current !== undefined && isPythonTruthy(current) ? current : fallback);
  }
  // Flask raises KeyError here and answers a 500 HTML page; we answer what happened.
  if (!session.has(key)) {
    return errorAnswer(404, `the session has no key ${JSON.stringify(key)}; it has ${session.keys().map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const value = session.get(key) as PyValue;
  const accessed = session.accessed;
  // The same cookies, key and text value (the lesson's case) give the same answer. The
  // memo rests while its lookups miss (many distinct users): then no key is built.
  if (typeof value === 'string' && answers.active) {
    const memoKey = answerKey(key, value, accessed, cookies);
    let known = answers.peek(memoKey);
    if (known === undefined) answers.put(memoKey, (known = okAnswer(key, value, cookies, accessed)));
    return known;
  }
  try {
    return okAnswer(key, value, cookies, accessed);
  } catch (error) {
    // Flask's JSON provider cannot render bytes either (TypeError, HTTP 500).
    const detail = error instanceof Error ? error.message : String(error);
    return errorAnswer(500, `the session value for ${JSON.stringify(key)} cannot be shown as JSON (${detail})`);
  }
}

const answers = new StringMemo<LessonAnswer>('lessonAnswers');

/** Everything a text answer depends on, each part after its length, so that no two inputs give one key. */
function answerKey(key: string, value: string, accessed: boolean, cookies: ReadonlyMap<string, string>): string {
  let text = `${accessed ? 'a' : 'n'}${key.length}:${key}${value.length}:${value}`;
  for (const [name, cookie] of cookies) text += `${name.length}:${name}${cookie.length}:${cookie}`;
  return text;
}

function okAnswer(key: string, value: PyValue, cookies: ReadonlyMap<string, string>, accessed: boolean): LessonAnswer {
  const echoed: PyDict[] = [];
  for (const [name, value] of cookies) {
    const cookie: PyDict = {};
    setOwn(cookie, name, value);
    echoed.push(cookie);
  }
  return answer(200, renderFlaskJson({ session: { session_key: key, session_value: value, session_accessed: accessed }, cookies: echoed }), true);
}

/**
 * A class, not an object literal: V8 may allocate a hot literal in the old generation
 * ("pretenuring"), and each answer would then keep its body alive through every
 * scavenge (docs/performance.md, 2026-12-04).
 */
class TextAnswer implements LessonAnswer {
  readonly headers: readonly Header[];
  readonly body: Buffer;

  constructor(
    readonly status: LessonAnswer['status'],
    readonly text: string,
    readonly setMouse: boolean,
  ) {
    this.headers = setMouse ? OK_HEADERS : ERROR_HEADERS;
    this.body = Buffer.from(text, 'latin1');
  }
}

function answer(status: LessonAnswer['status'], text: string, setMouse: boolean): LessonAnswer {
  return new TextAnswer(status, text, setMouse);
}

/** A JSON error body `{"error": message}`, rendered like every other answer. */
export function errorBody(message: string): string {
  return renderFlaskJson({ error: message });
}

function errorAnswer(status: 404 | 500, message: string): LessonAnswer {
  return answer(status, errorBody(message), false);
}
