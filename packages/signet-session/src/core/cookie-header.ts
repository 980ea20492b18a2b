/**
 * Cookie and Set-Cookie headers as Werkzeug 2.2 reads and writes them
 * (werkzeug/_internal.py `_cookie_parse_impl`, `_cookie_quote`; werkzeug/http.py
 * `dump_cookie`), so the lesson echoes the same cookies Flask does.
 */
import { StringMemo } from './memo.js';
import { httpDate } from './tagged-json.js';

// errors="replace" as Werkzeug's charset decoding; a BOM is a character to Python, so keep it.
const UTF8_REPLACE = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Every name/value pair of a Cookie header in order, repeated names included, as
 * Werkzeug's `_cookie_parse_impl`: names stripped, empty names skipped, a bare
 * `flag` is `flag=""`, `"quoted"` values unquoted (with `\073`-style octal escapes),
 * no percent-decoding, UTF-8 decoded with replacement characters.
 *
 * `header` is the header as Node gives it: one char per byte (latin1). Time is linear
 * in its length for every input (see {@link matchPair}).
 */
export function parseCookieHeader(header: string): Array<[string, string]> {
  if (SIMPLE_HEADER.test(header)) return parseSimpleHeader(header);
  const pairs: Array<[string, string]> = [];
  const text = header + ';';
  let start = 0;
  while (start < header.length) {
    const pair = matchPair(text, start);
    if (pair === undefined) break; // Werkzeug stops at the first place its regex does not match
    start = pair.end;
    const name = stripSpace(text.slice(pair.nameStart, pair.nameEnd));
    if (name === '') continue;
    pairs.push([bytesToText(name), bytesToText(unquoteCookieValue(text.slice(pair.valueStart, pair.valueEnd)))]);
  }
  return pairs;
}

interface PairMatch {
  readonly nameStart: number;
  readonly nameEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  /** Just past the `;` that ends the pair. */
  readonly end: number;
}

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
// Python's bytes `\s`: space, \t \n \v \f \r.
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * One match of Werkzeug 2.2's `_cookie_re` at `start` (`re.match`, anchored), with
 * the outcome its backtracking reaches but worked out directly, so that no input can
 * make it quadratic (the regex itself, run by any backtracking engine, is: a value of
 * many spaces costs their number squared):
 *
 *     (?P<key>[^=;]*) (?:\s*=\s* (?P<val> "(?:[^\\"]|\\.)*" | (?:.*?) ))? \s*;
 *
 * The key takes everything up to the first `=` or `;` (giving characters back never
 * helps: the next one would have to be `=` or `;`). At a `;` the pair has no value. At
 * `=`, after the spaces, a quoted value counts if only spaces follow it up to a `;`;
 * otherwise the value is the shortest run to the spaces before the next `;`, which
 * fails when that run holds a newline (`.` does not match one). Then the whole match
 * fails: no other split of the key or the spaces can succeed. `text` ends with `;`.
 * Every scan stays within the match, or (a quoted value that does not count) ends at a
 * quote no later scan can start before, so the total work is linear.
 */
function matchPair(text: string, start: number): PairMatch | undefined {
  let nameEnd = start;
  for (let c = text.charCodeAt(nameEnd); c !== EQUALS && c !== SEMICOLON; c = text.charCodeAt(++nameEnd));
  if (text.charCodeAt(nameEnd) === SEMICOLON) return { nameStart: start, nameEnd, valueStart: nameEnd, valueEnd: nameEnd, end: nameEnd + 1 };
  let valueStart = nameEnd + 1;
  while (isSpace(text.charCodeAt(valueStart))) valueStart++;
  if (text.charCodeAt(valueStart) === QUOTE) {
    const close = closingQuote(text, valueStart + 1);
    if (close >= 0) {
      let after = close + 1;
      while (isSpace(text.charCodeAt(after))) after++;
      if (text.charCodeAt(after) === SEMICOLON) return { nameStart: start, nameEnd, valueStart, valueEnd: close + 1, end: after + 1 };
    }
  }
  const semicolon = text.indexOf(';', valueStart);
  let valueEnd = semicolon;
  while (valueEnd > valueStart && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  for (let i = valueStart; i < valueEnd; i++) if (text.charCodeAt(i) === NEWLINE) return undefined;
  return { nameStart: start, nameEnd, valueStart, valueEnd, end: semicolon + 1 };
}

/** Where `"(?:[^\\"]|\\.)*"` closes, scanning from just after its opening quote; -1 if it cannot. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      if (i + 1 >= text.length || text.charCodeAt(i + 1) === NEWLINE) return -1;
      i++;
    }
  }
  return -1;
}

/** Python's `bytes.strip()`, without a regex (`\s+$` is quadratic on spaces in the middle). */
function stripSpace(text: string): string {
  let from = 0;
  let to = text.length;
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  return from === 0 && to === text.length ? text : text.slice(from, to);
}

// Printable ASCII without quotes or backslashes, pairs split by "; ": what browsers send.
// On such a header Werkzeug's regex comes down to splitting on ";" and the first "=".
const SIMPLE_HEADER = /^(?:[\x21\x23-\x3a\x3c\x3e-\x5b\x5d-\x7e][\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*(?:; |$))*$/;

function parseSimpleHeader(header: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf('; ', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq < 0 || eq > end) pairs.push([header.slice(start, end), '']);
    else pairs.push([header.slice(start, eq), header.slice(eq + 1, end)]);
    start = end + 2;
  }
  return pairs;
}

/**
 * The cookies as Werkzeug's MultiDict shows them to `for name in request.cookies`:
 * each name once, in first-seen order, with its first value.
 */
export function firstCookieValues(pairs: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const [name, value] of pairs) if (!cookies.has(name)) cookies.set(name, value);
  return cookies;
}

/**
 * `request.cookies` for a Cookie header: {@link firstCookieValues} of
 * {@link parseCookieHeader}. A browser sends the same header many times, so the last
 * few readings are kept and shared: treat the map as read-only.
 */
export function readCookies(header: string): ReadonlyMap<string, string> {
  return cookiesMemo.get(header, readCookiesOnce);
}

const readCookiesOnce = (header: string): ReadonlyMap<string, string> => firstCookieValues(parseCookieHeader(header));
const cookiesMemo = new StringMemo<ReadonlyMap<string, string>>('cookieHeaders');

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

function bytesToText(bytes: string): string {
  return ASCII.test(bytes) ? bytes : UTF8_REPLACE.decode(Buffer.from(bytes, 'latin1'));
}

// Werkzeug's `_octal_re` and `_quote_re` (`[\\].`: Python's `.` stops at \n).
const OCTAL_OR_ESCAPE = /\\([0-3][0-7][0-7])|\\([^\n])/g;

/** Werkzeug's `_cookie_unquote`: only a value wrapped in double quotes is changed. */
function unquoteCookieValue(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(OCTAL_OR_ESCAPE, (_, octal: string | undefined, char: string | undefined) =>
    octal === undefined ? (char ?? '') : String.fromCharCode(parseInt(octal, 8)),
  );
}

export type SameSite = 'Strict' | 'Lax' | 'None';

export interface CookieAttributes {
  readonly domain?: string;
  /** When the browser should drop it; a Date, or Unix seconds. */
  readonly expires?: Date | number;
  /** Seconds. */
  readonly maxAge?: number;
  readonly secure?: boolean;
  readonly httpOnly?: boolean;
  readonly path?: string;
  readonly sameSite?: SameSite;
  /** CHIPS (Werkzeug 3.1 `partitioned`); browsers require Secure with it. */
  readonly partitioned?: boolean;
}

// Werkzeug's `_legal_cookie_chars`: letters, digits and /=!#$%&'*+-.^_`|~:
const LEGAL_COOKIE_VALUE = /^[A-Za-z0-9/=!#$%&'*+\-.^_`|~:]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 token: what a cookie name may be

/**
 * A Set-Cookie header value in Werkzeug's `dump_cookie` order:
 * `name=value; Domain; Expires; Max-Age; Secure; HttpOnly; Path; SameSite; Partitioned`.
 *
 * @throws TypeError for a name that is not an RFC 9110 token, or an attribute value
 *   that would break the header (programmer errors).
 */
export function serializeSetCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  if (!TOKEN.test(name)) throw new TypeError(`cookie name is invalid: ${JSON.stringify(name)}`);
  let header = name + '=' + quoteCookieValue(value);
  if (attributes.domain !== undefined) header += '; Domain=' + checkAttribute('domain', attributes.domain);
  if (attributes.expires !== undefined) {
    const expires = typeof attributes.expires === 'number' ? new Date(attributes.expires * 1000) : attributes.expires;
    header += '; Expires=' + httpDate(expires);
  }
  if (attributes.maxAge !== undefined) {
    if (!Number.isInteger(attributes.maxAge)) throw new TypeError(`cookie maxAge is invalid: ${attributes.maxAge}`);
    header += '; Max-Age=' + String(attributes.maxAge);
  }
  if (attributes.secure === true) header += '; Secure';
  if (attributes.httpOnly === true) header += '; HttpOnly';
  if (attributes.path !== undefined) header += '; Path=' + checkAttribute('path', attributes.path);
  if (attributes.sameSite !== undefined) header += '; SameSite=' + attributes.sameSite;
  if (attributes.partitioned === true) header += '; Partitioned';
  return header;
}

// eslint-disable-next-line no-control-regex
const ATTRIBUTE_VALUE = /^[^\x00-\x1f\x7f;]*$/;

function checkAttribute(what: string, value: string): string {
  if (!ATTRIBUTE_VALUE.test(value)) throw new TypeError(`cookie ${what} is invalid: ${JSON.stringify(value)}`);
  return value;
}

/** Werkzeug's `_cookie_quote`: legal values as they are, others in quotes with octal escapes. */
export function quoteCookieValue(value: string): string {
  if (LEGAL_COOKIE_VALUE.test(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '"';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (LEGAL_COOKIE_VALUE.test(char)) out += char;
    else if (char === '"' || char === '\\') out += '\\' + char;
    else if (byte < 0x20 || byte >= 0x7f || char === ',' || char === ';') out += '\\' + byte.toString(8).padStart(3, '0');
    else out += char; // space, ( ) < > ? @ [ ] { }: kept, though the value is quoted
  }
  return out + '"';
}
