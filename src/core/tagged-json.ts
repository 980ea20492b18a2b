/**
 * Flask's TaggedJSONSerializer (flask/json/tag.py): JSON that keeps tuple, bytes,
 * Markup, UUID and datetime by writing them as one-key objects whose key is a tag.
 */
import { decodeBase64Lenient, encodeBase64 } from './base64.js';
import { dumpPythonJson, parsePythonJson, type Replacer } from './python-json.js';
import { Markup, Tuple, Uuid, isPyDict, setOwn, type PyDict, type PyValue } from './python-types.js';

/** The default tags, in Flask's registration order (`TaggedJSONSerializer.default_tags`). */
export const TAGS: ReadonlySet<string> = new Set([' di', ' t', ' b', ' m', ' u', ' d']);

/** Thrown where Flask's `to_python` of a tag raises (a tagged value of the wrong shape). */
export class TagError extends Error {
  override readonly name = 'TagError';
}

/**
 * Flask's `tag()` in its check order: TagDict, PassDict, TagTuple, PassList, TagBytes,
 * TagMarkup, TagUUID, TagDateTime. Plain dicts and lists are passed on unreplaced and
 * their members offered again by the writer, as PassDict and PassList do.
 */
const tagReplacer: Replacer = (value) => {
  if (Array.isArray(value)) return undefined;
  if (isPyDict(value)) {
    // TagDict: a one-key dict whose key is itself a tag gets `__` appended, under " di".
    let onlyKey: string | undefined;
    for (const key in value) {
      if (onlyKey !== undefined) return undefined;
      onlyKey = key;
    }
    if (onlyKey === undefined || !TAGS.has(onlyKey)) return undefined;
    const inner: PyDict = {};
    setOwn(inner, `${onlyKey}__`, value[onlyKey] as PyValue);
    return { ' di': inner };
  }
  if (value instanceof Tuple) return { ' t': value.items };
  if (value instanceof Uint8Array) return { ' b': encodeBase64(value) };
  if (value instanceof Markup) return { ' m': value.value };
  if (value instanceof Uuid) return { ' u': value.hex };
  if (value instanceof Date) return { ' d': httpDate(value) };
  return undefined;
};

/** `TaggedJSONSerializer.dumps`: compact, sorted, ASCII-only tagged JSON. */
export function dumpTaggedJson(value: PyValue): string {
  return dumpPythonJson(value, { replacer: tagReplacer });
}

/**
 * `TaggedJSONSerializer.loads`: Python's `json.loads` with `untag` as object hook,
 * innermost objects first.
 *
 * @throws JsonSyntaxError for bad JSON, TagError for a tagged value Flask cannot convert.
 */
export function loadTaggedJson(text: string): PyValue {
  return parsePythonJson(text, untag);
}

function untag(object: PyDict): PyValue {
  let key: string | undefined;
  for (const k in object) {
    if (key !== undefined) return object;
    key = k;
  }
  if (key === undefined || !TAGS.has(key)) return object;
  const value = object[key] as PyValue;
  switch (key) {
    case ' t':
      return toTuple(value);
    case ' b':
      return toBytes(value);
    case ' m':
      // Python's Markup(x) would also take str(x) of a non-string; Flask never writes one.
      if (typeof value !== 'string') throw new TagError('Markup tag holds no string');
      return new Markup(value);
    case ' u': {
      const hex = typeof value === 'string' ? Uuid.normalize(value) : undefined;
      if (hex === undefined) throw new TagError('UUID tag holds no UUID');
      return new Uuid(hex);
    }
    case ' d':
      // werkzeug.http.parse_date gives None for what it cannot parse.
      return typeof value === 'string' ? (parseHttpDate(value) ?? null) : null;
    default:
      return toTaggedDict(value);
  }
}

// TagTuple.to_python is `tuple(value)`: a list, a string's characters, or a dict's keys.
function toTuple(value: PyValue): Tuple {
  if (Array.isArray(value)) return new Tuple(value as readonly PyValue[]);
  if (typeof value === 'string') return new Tuple(Array.from(value));
  if (isPyDict(value)) return new Tuple(Object.keys(value));
  throw new TagError('tuple tag holds no sequence');
}

// TagBytes.to_python is `b64decode(value)`: ASCII text, standard alphabet, lenient.
function toBytes(value: PyValue): Uint8Array {
  // eslint-disable-next-line no-control-regex
  const bytes = typeof value === 'string' && /^[\x00-\x7f]*$/.test(value) ? decodeBase64Lenient(value, 'standard', false) : undefined;
  if (bytes === undefined) throw new TagError('bytes tag holds no base64');
  return bytes;
}

// TagDict.to_python is `{key[:-2]: value[key]}` for the first key.
function toTaggedDict(value: PyValue): PyDict {
  if (!isPyDict(value)) throw new TagError('dict tag holds no dict');
  const first = Object.keys(value)[0];
  if (first === undefined) throw new TagError('dict tag holds an empty dict');
  const codePoints = Array.from(first);
  const result: PyDict = {};
  setOwn(result, codePoints.slice(0, Math.max(0, codePoints.length - 2)).join(''), value[first] as PyValue);
  return result;
}

// ---------------------------------------------------------------------------
// HTTP dates, as Werkzeug's http_date and parse_date

/**
 * `werkzeug.http.http_date`: `Wed, 21 Oct 2015 07:28:00 GMT`, whole seconds, UTC.
 *
 * @throws TypeError for an invalid Date (a programmer error).
 */
export function httpDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('Date is invalid: Invalid Date');
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new TypeError(`Date is invalid: year ${year} is outside Python's 1..9999`);
  return date.toUTCString(); // ECMA-262 DateString: "Www, DD Mmm YYYY HH:MM:SS GMT", year padded to 4
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const HTTP_DATE = /^\s*(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?\s*$/;

/**
 * The RFC 2822 dates that `email.utils.parsedate_to_datetime` reads in the forms HTTP
 * uses, or `undefined`. As Python does, a year under 100 is 19xx above 68, else 20xx.
 */
export function parseHttpDate(text: string): Date | undefined {
  const match = HTTP_DATE.exec(text);
  if (match === null) return undefined;
  const [, dayText, monthText, yearText, hourText, minuteText, secondText, zone] = match;
  const month = MONTHS.indexOf((monthText ?? '').toLowerCase());
  let year = Number(yearText);
  if (year < 100) year += year > 68 ? 1900 : 2000;
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? 0);
  if (month < 0 || year < 1 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && (zone.startsWith('+') || zone.startsWith('-'))) {
    offsetMinutes = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * (zone.startsWith('-') ? -1 : 1);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  return date;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month + 1, 0);
  return date.getUTCDate();
}
