/**
 * The few Python text readers Flask's tags rely on, reproduced so that a tagged value
 * reads here as it reads in Flask: `int(text, base)`, `str.split()`, `uuid.UUID(text)`
 * and `email.utils.parsedate_to_datetime` (through `werkzeug.http.parse_date`).
 */

// What Python's str.isspace() accepts: the separators of str.split() and str.strip().
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPLIT = new RegExp(`[${PY_SPACE}]+`, 'u');
const SPACE = new RegExp(`^[${PY_SPACE}]$`);
const DECIMAL_DIGIT = /\p{Nd}/u;

/** `text.split()`: split on runs of whitespace, no empty pieces. */
export function pythonSplit(text: string): string[] {
  return text.split(SPLIT).filter((piece) => piece !== '');
}

/** `text.strip()`, without a regex: `\\s+$` takes quadratic time over spaces in the middle. */
export function pythonStrip(text: string): string {
  return stripEnds(text, (char) => SPACE.test(char));
}

/** `text` without the characters `strip` matches at either end (all of them BMP characters). */
function stripEnds(text: string, strip: (char: string) => boolean): string {
  let from = 0;
  let to = text.length;
  while (from < to && strip(text.charAt(from))) from++;
  while (to > from && strip(text.charAt(to - 1))) to--;
  return text.slice(from, to);
}

/** Python 3.11's `sys.get_int_max_str_digits()`: `int()` of a longer decimal string raises ValueError. */
const MAX_INT_DIGITS = 4300;

/**
 * Unicode decimal digits come in contiguous runs of ten, 0 to 9 (a Unicode stability
 * guarantee), so a digit's value is its distance from the start of its run, mod 10.
 */
function decimalValue(char: string): number {
  let start = char.codePointAt(0) as number;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return ((char.codePointAt(0) as number) - start) % 10;
}

/**
 * `int(text, base)` for base 10 or 16, or `undefined` where Python raises ValueError:
 * surrounding whitespace, a sign, `0x` for base 16, single underscores between digits,
 * and any Unicode decimal digit.
 */
export function pythonInt(text: string, base: 10 | 16 = 10): bigint | undefined {
  let ascii = '';
  for (const char of pythonStrip(text)) {
    ascii += char.charCodeAt(0) < 0x80 || !DECIMAL_DIGIT.test(char) ? char : String(decimalValue(char));
  }
  const match = (base === 10 ? /^([+-]?)(\d(?:_?\d)*)$/ : /^([+-]?)(?:0[xX]_?)?([0-9a-fA-F](?:_?[0-9a-fA-F])*)$/).exec(ascii);
  if (match === null) return undefined;
  const digits = (match[2] as string).replaceAll('_', '');
  if (base === 10 && digits.length > MAX_INT_DIGITS) return undefined; // and BigInt() of it is not linear
  const value = BigInt((base === 16 ? '0x' : '') + digits);
  return match[1] === '-' ? -value : value;
}

/**
 * `uuid.UUID(text).hex`, or `undefined` where Python raises: every `urn:` and `uuid:`
 * removed, braces stripped from the ends, dashes removed, then exactly 32 characters
 * read by `int(hex, 16)` into 0 .. 2^128 - 1.
 */
export function pythonUuidHex(text: string): string | undefined {
  const unwrapped = text.replaceAll('urn:', '').replaceAll('uuid:', '');
  const hex = stripEnds(unwrapped, (char) => char === '{' || char === '}').replaceAll('-', '');
  if (Array.from(hex).length !== 32) return undefined;
  const value = pythonInt(hex, 16);
  if (value === undefined || value < 0n || value >= 1n << 128n) return undefined;
  return value.toString(16).padStart(32, '0');
}

const MONTH_NAMES = [
  'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec',
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
];
const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const TIME_ZONES: Readonly<Record<string, number>> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, AST: -400, ADT: -300, EST: -500, EDT: -400,
  CST: -600, CDT: -500, MST: -700, MDT: -600, PST: -800, PDT: -700,
};

/**
 * `werkzeug.http.parse_date(text)` for a string: Python's `email.utils._parsedate_tz`
 * ported line by line, then `datetime(...)` with its range checks, a numeric zone as an
 * offset under 24 hours, and no zone (or `-0000`) read as UTC. `undefined` is Werkzeug's
 * None.
 */
export function parseEmailDate(text: string): Date | undefined {
  let data = pythonSplit(text);
  if (data.length === 0) return undefined;
  const first = data[0] as string;
  if (first.endsWith(',') || DAY_NAMES.includes(first.toLowerCase())) {
    data.shift();
  } else {
    const comma = first.lastIndexOf(',');
    if (comma >= 0) data[0] = first.slice(comma + 1);
  }
  if (data.length === 3) {
    const stuff = (data[0] as string).split('-');
    if (stuff.length === 3) data = [...stuff, ...data.slice(1)];
  }
  if (data.length === 4) {
    const s = data[3] as string;
    let i = s.indexOf('+');
    if (i === -1) i = s.indexOf('-');
    if (i > 0) data.splice(3, 1, s.slice(0, i), s.slice(i));
    else data.push('');
  }
  if (data.length < 5) return undefined;
  let [dd, mm, yy, tm, tz] = data as [string, string, string, string, string];
  if (dd === '' || mm === '' || yy === '') return undefined;
  mm = mm.toLowerCase();
  if (!MONTH_NAMES.includes(mm)) {
    [dd, mm] = [mm, dd.toLowerCase()];
    if (!MONTH_NAMES.includes(mm)) return undefined;
  }
  let month = MONTH_NAMES.indexOf(mm) + 1;
  if (month > 12) month -= 12;
  if (dd.endsWith(',')) dd = dd.slice(0, -1);
  if (yy.indexOf(':') > 0) [yy, tm] = [tm, yy];
  if (yy.endsWith(',')) {
    yy = yy.slice(0, -1);
    if (yy === '') return undefined;
  }
  if (!DECIMAL_DIGIT.test(Array.from(yy)[0] ?? '')) [yy, tz] = [tz, yy];
  if (tm.endsWith(',')) tm = tm.slice(0, -1);
  let parts = tm.split(':');
  let hourText: string;
  let minuteText: string;
  let secondText: string;
  if (parts.length === 2 || parts.length === 3) {
    [hourText, minuteText, secondText = '0'] = parts as [string, string, string?];
  } else if (parts.length === 1 && tm.includes('.')) {
    parts = tm.split('.');
    if (parts.length !== 2 && parts.length !== 3) return undefined;
    [hourText, minuteText, secondText = '0'] = parts as [string, string, string?];
  } else {
    return undefined;
  }
  const numbers = [yy, dd, hourText, minuteText, secondText].map((piece) => pythonInt(piece));
  if (numbers.some((n) => n === undefined)) return undefined;
  const [yearNumber, day, hour, minute, second] = numbers.map(Number) as [number, number, number, number, number];
  const year = yearNumber < 100 ? yearNumber + (yearNumber > 68 ? 1900 : 2000) : yearNumber;

  tz = tz.toUpperCase();
  let offset: number | undefined = TIME_ZONES[tz];
  if (offset === undefined) {
    const parsed = pythonInt(tz);
    offset = parsed === undefined ? undefined : Number(parsed);
    if (offset === 0 && tz.startsWith('-')) offset = undefined;
  }
  let offsetSeconds = 0;
  if (offset !== undefined && offset !== 0) {
    const sign = offset < 0 ? -1 : 1;
    const magnitude = Math.abs(offset);
    offsetSeconds = sign * (Math.floor(magnitude / 100) * 3600 + (magnitude % 100) * 60);
    if (Math.abs(offsetSeconds) >= 86400) return undefined; // datetime.timezone refuses 24h or more
  }
  // datetime(...) range checks
  if (year < 1 || year > 9999 || month < 1 || day < 1 || day > daysInMonth(year, month - 1)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second - offsetSeconds, 0);
  return date;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month + 1, 0);
  return date.getUTCDate();
}
