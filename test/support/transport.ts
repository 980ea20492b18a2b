/**
 * The transport form that carries values between the tests and the Flask oracle
 * (see test/oracle/flask_oracle.py), written here without the code under test:
 * every Python type gets its own tag, so nothing depends on how signet itself
 * maps Python values to JavaScript.
 *
 * The value classes (Float, Tuple, Markup, Uuid) are the public value model, so they
 * come from the package; only their fields are read here.
 */
import { Float, Markup, Tuple, Uuid, type PyDict, type PyValue } from 'signet-session';

export type Transport =
  | { readonly none: null }
  | { readonly bool: boolean }
  | { readonly int: string }
  | { readonly float: string }
  | { readonly str: string }
  | { readonly markup: string }
  | { readonly bytes: string }
  | { readonly uuid: string }
  | { readonly datetime: number }
  | { readonly list: readonly Transport[] }
  | { readonly tuple: readonly Transport[] }
  | { readonly dict: readonly (readonly [string, Transport])[] };

/** A float as Python's `float()` reads it back exactly: shortest round-trip digits, or nan/inf. */
function floatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0.0';
  return String(x);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A value of the JS value model in transport form. Throws for anything outside the
 * model, and for a plain `-0` (neither an int nor, by the model, a float: `Float(-0)` is).
 */
export function toTransport(value: PyValue): Transport {
  if (value === null) return { none: null };
  switch (typeof value) {
    case 'boolean':
      return { bool: value };
    case 'string':
      return { str: value };
    case 'bigint':
      return { int: value.toString() };
    case 'number':
      if (Object.is(value, -0)) throw new TypeError('a plain -0 is ambiguous in the value model; use Float(-0)');
      return Number.isSafeInteger(value) ? { int: String(value) } : { float: floatText(value) };
    default:
      break;
  }
  if (value instanceof Float) return { float: floatText(value.value) };
  if (value instanceof Tuple) return { tuple: value.items.map(toTransport) };
  if (value instanceof Markup) return { markup: value.value };
  if (value instanceof Uuid) return { uuid: value.hex };
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isInteger(ms) || ms % 1000 !== 0) throw new TypeError(`Date is not a whole second: ${String(ms)}`);
    return { datetime: ms / 1000 };
  }
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return { list: (value as readonly PyValue[]).map(toTransport) };
  if (!isPlainObject(value)) throw new TypeError(`not a value of the model: ${Object.prototype.toString.call(value)}`);
  const dict = value as PyDict;
  return { dict: Object.keys(dict).map((key) => [key, toTransport(dict[key] as PyValue)] as const) };
}

/** Sets an own enumerable property, also for `__proto__`. */
export function defineKey(dict: PyDict, key: string, value: PyValue): void {
  Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A dict (plain object) from entries, every key an own property. */
export function dictFrom(entries: Iterable<readonly [string, PyValue]>): PyDict {
  const dict: PyDict = {};
  for (const [key, value] of entries) defineKey(dict, key, value);
  return dict;
}

function floatFromText(text: string): Float | number {
  let x: number;
  if (text === 'nan') x = NaN;
  else if (text === 'inf') x = Infinity;
  else if (text === '-inf') x = -Infinity;
  else x = Number(text);
  if (Number.isNaN(x) && text !== 'nan') throw new TypeError(`float text is invalid: ${text}`);
  // The value model: a whole-valued float that is a safe integer (and -0.0) is a Float.
  return Number.isSafeInteger(x) ? new Float(x) : x;
}

/** The JS value of the model for a transport value (as the model says Flask's value should read). */
export function fromTransport(t: Transport): PyValue {
  if ('none' in t) return null;
  if ('bool' in t) return t.bool;
  if ('int' in t) {
    const n = BigInt(t.int);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ('float' in t) return floatFromText(t.float);
  if ('str' in t) return t.str;
  if ('markup' in t) return new Markup(t.markup);
  if ('bytes' in t) return Uint8Array.from(Buffer.from(t.bytes, 'base64'));
  if ('uuid' in t) return new Uuid(t.uuid);
  if ('datetime' in t) return new Date(t.datetime * 1000);
  if ('list' in t) return t.list.map(fromTransport);
  if ('tuple' in t) return new Tuple(t.tuple.map(fromTransport));
  return dictFrom(t.dict.map(([key, value]) => [key, fromTransport(value)] as const));
}
