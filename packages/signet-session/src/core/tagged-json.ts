/**
 * Flask's TaggedJSONSerializer (flask/json/tag.py): JSON that keeps tuple, bytes,
 * Markup, UUID and datetime by writing them as one-key objects whose key is a tag.
 */
import { decodeBase64Lenient, encodeBase64 } from './base64.js';
import { dumpPythonJson, jsonKeyOrder, parsePythonJson, type Replacer } from './python-json.js';
import { parseEmailDate, pythonUuidHex } from './python-text.js';
import { Markup, Tuple, Uuid, isPyDict, isPythonTruthy, setOwn, type PyDict, type PyValue } from './python-types.js';

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
      if (!isText(value)) throw new TagError('Markup tag holds no string');
      return new Markup(String(value));
    case ' u': {
      const hex = isText(value) ? pythonUuidHex(String(value)) : undefined;
      if (hex === undefined) throw new TagError('UUID tag holds no UUID');
      return new Uuid(hex);
    }
    case ' d':
      // werkzeug.http.parse_date: None for a falsy value, for bytes (bytes.split()
      // works, then comparing bytes with ',' raises TypeError, which it catches) and
      // for text it cannot read; any other value fails inside email.utils (`data.split()`).
      if (!isPythonTruthy(value) || value instanceof Uint8Array) return null;
      if (!isText(value)) throw new TagError('datetime tag holds no string');
      return parseEmailDate(String(value)) ?? null;
    default:
      return toTaggedDict(value);
  }
}

/** A Python str: a string, or Markup (a str subclass). */
const isText = (value: PyValue): value is string | Markup => typeof value === 'string' || value instanceof Markup;

// TagTuple.to_python is `tuple(value)`, which takes any iterable: a list or tuple,
// the characters of a string, the ints of bytes, the keys of a dict in their order.
function toTuple(value: PyValue): Tuple {
  if (Array.isArray(value)) return new Tuple(value as readonly PyValue[]);
  if (value instanceof Tuple) return value;
  if (isText(value)) return new Tuple(Array.from(String(value)));
  if (value instanceof Uint8Array) return new Tuple(Array.from(value));
  if (isPyDict(value)) return new Tuple(jsonKeyOrder(value));
  throw new TagError('tuple tag holds nothing iterable');
}

// TagBytes.to_python is `b64decode(value)`: ASCII text or bytes, standard alphabet, lenient.
function toBytes(value: PyValue): Uint8Array {
  let input: string | undefined;
  // eslint-disable-next-line no-control-regex
  if (isText(value) && /^[\x00-\x7f]*$/.test(String(value))) input = String(value);
  else if (value instanceof Uint8Array) input = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  const bytes = input === undefined ? undefined : decodeBase64Lenient(input, 'standard', false);
  if (bytes === undefined) throw new TagError('bytes tag holds no base64');
  return bytes;
}

// TagDict.to_python is `{key[:-2]: value[key]}` for the first key.
function toTaggedDict(value: PyValue): PyDict {
  if (!isPyDict(value)) throw new TagError('dict tag holds no dict');
  const first = jsonKeyOrder(value)[0];
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
