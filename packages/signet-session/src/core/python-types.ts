/**
 * JavaScript stand-ins for the Python values that a Flask session can hold.
 *
 * Flask's tagged JSON (flask/json/tag.py) keeps tuple, bytes, Markup, UUID and
 * datetime apart from plain JSON values, and Python's json module keeps int apart
 * from float. A session read from Flask and written back must give Flask the same
 * types, so each of these gets a JavaScript shape:
 *
 * | Python                 | JavaScript                                             |
 * |------------------------|--------------------------------------------------------|
 * | None, bool, str        | null, boolean, string                                  |
 * | int                    | number when a safe integer, bigint beyond 2^53         |
 * | float                  | number when not a safe integer (1.5, NaN, 1e300)       |
 * | float with whole value | {@link Float} (1.0 stays a float, -0.0 keeps its sign) |
 * | list / tuple           | Array / {@link Tuple}                                  |
 * | dict                   | plain object                                           |
 * | bytes                  | Uint8Array (a Buffer is one too)                       |
 * | markupsafe.Markup      | {@link Markup}                                         |
 * | uuid.UUID              | {@link Uuid}                                           |
 * | datetime (aware, UTC)  | Date (Flask keeps whole seconds)                       |
 */
import { pythonUuidHex } from './python-text.js';

/** A Python tuple: serialized by Flask as `{" t": [...]}`. */
export class Tuple {
  readonly items: readonly PyValue[];
  constructor(items: Iterable<PyValue>) {
    this.items = Object.freeze([...items]);
  }
  get length(): number {
    return this.items.length;
  }
  /** Python renders a tuple as a JSON list in responses; so do we. */
  toJSON(): readonly PyValue[] {
    return this.items;
  }
}

/** markupsafe.Markup: a string already escaped for HTML, serialized as `{" m": "..."}`. */
export class Markup {
  readonly value: string;
  constructor(value: string) {
    if (typeof value !== 'string') throw new TypeError(`Markup value is invalid: ${String(value)}`);
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
}

/** uuid.UUID, serialized by Flask as `{" u": "<32 lowercase hex digits>"}`. */
export class Uuid {
  /** 32 lowercase hex digits, Python's `UUID.hex`. */
  readonly hex: string;
  constructor(text: string) {
    const hex = Uuid.normalize(text);
    if (hex === undefined) throw new TypeError(`UUID is invalid: ${JSON.stringify(text)}`);
    this.hex = hex;
  }
  /** Any form Python's `UUID(str)` accepts, reduced to 32 lowercase hex digits. */
  static normalize(text: string): string | undefined {
    return pythonUuidHex(text);
  }
  /** The dashed form, as `str(uuid)` gives it. */
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/**
 * A Python float whose value is a whole number (1.0, -0.0, 100.0). A plain JavaScript
 * number with an integer value is written as a Python int, so this wrapper is how a
 * float like `1.0` survives a round trip. Any number may be wrapped to force a float.
 */
export class Float {
  readonly value: number;
  constructor(value: number) {
    if (typeof value !== 'number') throw new TypeError(`Float value is invalid: ${String(value)}`);
    this.value = value;
  }
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** Any value a Flask session can hold. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Float
  | Tuple
  | Markup
  | Uuid
  | Date
  | Uint8Array
  | readonly PyValue[]
  | PyDict;

/** A Python dict with string keys. */
export interface PyDict {
  [key: string]: PyValue;
}

/** Whether `value` is a plain dict (and not one of the wrapper classes, an array, or bytes). */
export function isPyDict(value: unknown): value is PyDict {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets `key` on a dict as an own property, also when the key is `__proto__`. */
export function setOwn(dict: PyDict, key: string, value: PyValue): void {
  if (key === '__proto__') {
    Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    dict[key] = value;
  }
}

/**
 * Python truthiness (`bool(value)`), used where the lesson route writes
 * `session.get(key) or default`.
 */
export function isPythonTruthy(value: PyValue | undefined): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof Float) return value.value !== 0;
  if (value instanceof Markup) return value.value.length > 0;
  if (value instanceof Tuple) return value.items.length > 0;
  if (value instanceof Uint8Array) return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPyDict(value)) return Object.keys(value).length > 0;
  return true; // Uuid, Date: always true in Python
}
