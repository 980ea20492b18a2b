/**
 * JSON as Python's `json` module writes and reads it, byte for byte.
 *
 * Writing follows `json.dumps(obj, sort_keys=True, ensure_ascii=True, allow_nan=True)`,
 * compact (`separators=(",", ":")`, as Flask's session serializer) or indented (as
 * Flask's debug-mode `jsonify`). Reading follows `json.loads`, keeping what
 * `JSON.parse` loses: an int token stays apart from a float token, and integers beyond
 * 2^53 stay exact.
 */
import { Float, isPyDict, setOwn, type PyDict, type PyValue } from './python-types.js';

/** Thrown by {@link parsePythonJson} where Python raises `json.JSONDecodeError` or `ValueError`. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

// ---------------------------------------------------------------------------
// Writing

/**
 * Turns a value JSON cannot hold (a Tuple, a Date, a one-key dict that needs a tag...)
 * into one it can, the way Python's `default=` hook and Flask's tagger do; `undefined`
 * keeps the value as it is. Called for every object and array before it is written;
 * the replacement itself is written without being offered again, but its children are.
 */
export type Replacer = (value: object) => PyValue | undefined;

export interface DumpOptions {
  /** Spaces per level, as `json.dumps(indent=...)`; compact when absent. */
  readonly indent?: number;
  readonly replacer?: Replacer;
}

/**
 * `json.dumps(value, sort_keys=True, ensure_ascii=True)`: compact separators
 * (`","` and `":"`), or with `indent` the separators `","` and `": "`.
 *
 * @throws TypeError for a value JSON cannot hold and the replacer does not replace
 *   (a programmer error, as Python's "Object of type X is not JSON serializable").
 */
export function dumpPythonJson(value: PyValue, options: DumpOptions = {}): string {
  const writer = new Writer(options.replacer, options.indent === undefined ? undefined : ' '.repeat(options.indent));
  return writer.write(value, '\n', true);
}

class Writer {
  constructor(
    private readonly replacer: Replacer | undefined,
    private readonly step: string | undefined,
  ) {}

  write(value: PyValue, newline: string, offer: boolean): string {
    if (typeof value === 'string') return quoteString(value);
    if (typeof value !== 'object' || value === null || value instanceof Float) return dumpScalar(value);
    if (offer && this.replacer !== undefined) {
      const replaced = this.replacer(value);
      if (replaced !== undefined) return this.write(replaced, newline, false);
    }
    const step = this.step;
    const inner = step === undefined ? '' : newline + step;
    const comma = step === undefined ? ',' : ',' + inner;
    if (Array.isArray(value)) {
      const items = value as readonly PyValue[];
      if (items.length === 0) return '[]';
      let out = '[' + inner;
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out += comma;
        out += this.write(items[i] as PyValue, inner, true);
      }
      return out + (step === undefined ? ']' : newline + ']');
    }
    if (!isPyDict(value)) {
      throw new TypeError(`JSON value is invalid: ${Object.prototype.toString.call(value)} is not JSON serializable`);
    }
    const keys = sortedKeys(value);
    if (keys.length === 0) return '{}';
    const colon = step === undefined ? ':' : ': ';
    let out = '{' + inner;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (i > 0) out += comma;
      out += quoteString(key) + colon + this.write(value[key] as PyValue, inner, true);
    }
    return out + (step === undefined ? '}' : newline + '}');
  }
}

function dumpScalar(value: unknown): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : floatRepr(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Float) return floatRepr(value.value);
  throw new TypeError(`JSON value is invalid: ${typeof value} is not JSON serializable`);
}

/**
 * Python's `float.__repr__`: the shortest digits that round-trip (the same digits as
 * ECMAScript's Number::toString), in exponent form iff the decimal point position is
 * <= -4 or > 16 (CPython `format_float_short`, mode 'r'), otherwise always with a fraction.
 */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  let text = String(x);
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-4 && magnitude < 1e16 && !Number.isInteger(x) && !text.includes('e')) return text;

  let sign = '';
  if (text.startsWith('-')) {
    sign = '-';
    text = text.slice(1);
  }
  let exponent = 0;
  const e = text.indexOf('e');
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf('.');
  let digits = dot >= 0 ? text.slice(0, dot) + text.slice(dot + 1) : text;
  let point = dot >= 0 ? dot : text.length;
  const leadingZeros = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  point -= leadingZeros;
  // value = 0.<digits> x 10^decimalPoint
  const decimalPoint = point + exponent;
  if (decimalPoint > -4 && decimalPoint <= 16) {
    if (decimalPoint <= 0) return `${sign}0.${'0'.repeat(-decimalPoint)}${digits}`;
    if (decimalPoint >= digits.length) return `${sign}${digits}${'0'.repeat(decimalPoint - digits.length)}.0`;
    return `${sign}${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
  }
  const shown = decimalPoint - 1;
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${mantissa}e${shown < 0 ? '-' : '+'}${String(Math.abs(shown)).padStart(2, '0')}`;
}

// Printable ASCII except '"' and '\': what ensure_ascii leaves as it is.
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
};

/**
 * `json.dumps(s, ensure_ascii=True)` for one string: everything outside 0x20-0x7E
 * (DEL included) as lowercase `\uXXXX`; a JavaScript string is already UTF-16, so
 * astral characters come out as surrogate pairs and lone surrogates as themselves.
 */
export function quoteString(text: string): string {
  if (PLAIN_STRING.test(text)) return `"${text}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c) continue;
    out += text.slice(start, i) + (SHORT_ESCAPES[code] ?? `\\u${code.toString(16).padStart(4, '0')}`);
    start = i + 1;
  }
  return out + text.slice(start) + '"';
}

/** `sort_keys=True`: Python orders str by code point, not by UTF-16 unit as `Array.sort` does. */
export function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  if (keys.length > SHORT_SORT) return keys.sort(compareCodePoints);
  // A session's or an answer's few keys: an insertion sort in place. `Array.sort` copies
  // the array into a work area first, a few hundred bytes of garbage for every dict.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && compareCodePoints(keys[j] as string, key) > 0; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

/** Up to this many keys, {@link sortedKeys} sorts by insertion (its n² stays below a sort's set-up). */
const SHORT_SORT = 16;

export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return compareCodePointsFrom(a, b, i);
  }
  return a.length - b.length;
}

// Slow path once a surrogate is involved: step back to the start of the code point.
function compareCodePointsFrom(a: string, b: string, unitIndex: number): number {
  let i = unitIndex;
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1)) && (isLowSurrogate(a.charCodeAt(i)) || isLowSurrogate(b.charCodeAt(i)))) i -= 1;
  const x = a.codePointAt(i) ?? 0;
  const y = b.codePointAt(i) ?? 0;
  return x - y;
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

// ---------------------------------------------------------------------------
// Reading

/**
 * The key order of a parsed object, where JavaScript would list it differently:
 * an object lists integer-like keys first, Python's dict keeps the text's order.
 * Recorded only for objects with such keys.
 */
const keyOrders = new WeakMap<object, readonly string[]>();

/** An object's keys in the order the JSON text gave them (first occurrence of each). */
export function jsonKeyOrder(object: object): readonly string[] {
  return keyOrders.get(object) ?? Object.keys(object);
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** Python's recursion limit is 1000 frames: nothing Flask writes is nested deeper. */
const MAX_DEPTH = 1000;

/** Python 3.11 refuses int literals of more than 4300 digits (`sys.int_info.default_max_str_digits`). */
const MAX_INT_DIGITS = 4300;

/**
 * `json.loads(text, object_hook=hook)`: the hook runs on every object once its members
 * are read, innermost first, and its result takes the object's place.
 *
 * @throws JsonSyntaxError where Python raises; an error thrown by the hook propagates.
 */
export function parsePythonJson(text: string, objectHook?: (object: PyDict) => PyValue): PyValue {
  const parser = new Parser(text, objectHook);
  parser.skipWhitespace();
  const value = parser.parseValue();
  parser.skipWhitespace();
  if (parser.index !== text.length) throw new JsonSyntaxError('Extra data', parser.index);
  return value;
}

class Parser {
  index = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly objectHook: ((object: PyDict) => PyValue) | undefined,
  ) {}

  skipWhitespace(): void {
    const text = this.text;
    let i = this.index;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.index = i;
  }

  parseValue(): PyValue {
    const text = this.text;
    const c = text.charCodeAt(this.index);
    switch (c) {
      case 0x22: // "
        return this.parseString();
      case 0x7b: // {
        return this.parseObject();
      case 0x5b: // [
        return this.parseArray();
      case 0x6e: // n
        return this.literal('null', null);
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x4e: // N
        return this.literal('NaN', NaN);
      case 0x49: // I
        return this.literal('Infinity', Infinity);
      default:
        if (c === 0x2d && text.startsWith('-Infinity', this.index)) return this.literal('-Infinity', -Infinity);
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        throw new JsonSyntaxError('Expecting value', this.index);
    }
  }

  private literal(word: string, value: PyValue): PyValue {
    if (!this.text.startsWith(word, this.index)) throw new JsonSyntaxError('Expecting value', this.index);
    this.index += word.length;
    return value;
  }

  // Python's NUMBER_RE: (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
  private parseNumber(): PyValue {
    const text = this.text;
    const start = this.index;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    if (text.charCodeAt(i) === 0x30) i++;
    else {
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (i === intStart) throw new JsonSyntaxError('Expecting value', start);
    let isFloat = false;
    if (text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
      isFloat = true;
      i += 2;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (isDigit(text.charCodeAt(j))) {
        isFloat = true;
        i = j + 1;
        while (isDigit(text.charCodeAt(i))) i++;
      }
    }
    this.index = i;
    const token = text.slice(start, i);
    if (isFloat) {
      const value = Number(token);
      // A whole float must stay a float: wrap it, or it would be written back as an int.
      return Number.isSafeInteger(value) ? new Float(value) : value;
    }
    if (i - intStart <= 15) return Number(token) || 0; // `|| 0`: the int "-0" is 0
    if (i - intStart > MAX_INT_DIGITS) throw new JsonSyntaxError('Exceeds the limit (4300 digits) for integer string conversion', start);
    const big = BigInt(token);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  private parseString(): string {
    const text = this.text;
    let i = this.index + 1;
    let out = '';
    let chunkStart = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(chunkStart, i);
        this.index = i + 1;
        return out;
      }
      if (Number.isNaN(c)) throw new JsonSyntaxError('Unterminated string starting', this.index);
      if (c < 0x20) throw new JsonSyntaxError('Invalid control character', i);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(chunkStart, i);
      const escape = text.charAt(i + 1);
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
          i += 2;
          break;
        case 'b':
          out += '\b';
          i += 2;
          break;
        case 'f':
          out += '\f';
          i += 2;
          break;
        case 'n':
          out += '\n';
          i += 2;
          break;
        case 'r':
          out += '\r';
          i += 2;
          break;
        case 't':
          out += '\t';
          i += 2;
          break;
        case 'u': {
          // Python joins a \uD8xx\uDCxx pair and keeps lone surrogates; a JS string
          // holds UTF-16 units, so appending each unit gives the same string.
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonSyntaxError('Invalid \\uXXXX escape', i + 1);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          break;
        }
        default:
          throw new JsonSyntaxError('Invalid \\escape', i);
      }
      chunkStart = i;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new JsonSyntaxError('Maximum nesting depth exceeded', this.index);
  }

  private parseArray(): PyValue {
    const items: PyValue[] = [];
    this.enter();
    this.index++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.index) === 0x5d) {
      this.index++;
      this.depth--;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.index++);
      if (c === 0x5d) {
        this.depth--;
        return items;
      }
      if (c !== 0x2c) throw new JsonSyntaxError("Expecting ',' delimiter", this.index - 1);
    }
  }

  private parseObject(): PyValue {
    const object: PyDict = {};
    const text = this.text;
    let order: string[] | undefined;
    let reordered = false;
    this.enter();
    this.index++;
    this.skipWhitespace();
    if (text.charCodeAt(this.index) === 0x7d) {
      this.index++;
      return this.finishObject(object, undefined);
    }
    for (;;) {
      this.skipWhitespace();
      if (text.charCodeAt(this.index) !== 0x22) {
        throw new JsonSyntaxError('Expecting property name enclosed in double quotes', this.index);
      }
      const key = this.parseString();
      if (!Object.hasOwn(object, key)) {
        // Once an integer-like key follows another key, JavaScript's order differs.
        if (order !== undefined && ARRAY_INDEX.test(key)) reordered = true;
        (order ??= []).push(key);
      }
      this.skipWhitespace();
      if (text.charCodeAt(this.index) !== 0x3a) throw new JsonSyntaxError("Expecting ':' delimiter", this.index);
      this.index++;
      this.skipWhitespace();
      setOwn(object, key, this.parseValue());
      this.skipWhitespace();
      const c = text.charCodeAt(this.index++);
      if (c === 0x7d) return this.finishObject(object, reordered ? order : undefined);
      if (c !== 0x2c) throw new JsonSyntaxError("Expecting ',' delimiter", this.index - 1);
    }
  }

  private finishObject(object: PyDict, order: readonly string[] | undefined): PyValue {
    this.depth--;
    if (order !== undefined) keyOrders.set(object, order);
    return this.objectHook ? this.objectHook(object) : object;
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
