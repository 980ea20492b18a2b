/**
 * Deep equality that keeps the Python types of the value model apart: an int (number,
 * or bigint beyond 2^53) is not a float (a non-safe-integer number, or a Float); a
 * Tuple is not an Array; Markup is not a string; -0.0 is not 0.0; NaN equals NaN.
 * Bytes are any Uint8Array (a Buffer is one), compared by content.
 */
import assert from 'node:assert/strict';
import { Float, Markup, Tuple, Uuid } from 'signet-session';

function kindOf(value: unknown): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'str';
    case 'bigint':
      return 'int(bigint)';
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'int(number)' : 'float(number)';
    case 'object':
      break;
    default:
      return `unexpected ${typeof value}`;
  }
  if (value instanceof Float) return 'float(Float)';
  if (value instanceof Tuple) return 'tuple';
  if (value instanceof Markup) return 'Markup';
  if (value instanceof Uuid) return 'UUID';
  if (value instanceof Date) return 'datetime';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return 'dict';
  return `unexpected ${Object.prototype.toString.call(value)}`;
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value.toString()}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Float) return `Float(${show(value.value)})`;
  if (value instanceof Date) return `Date(${String(value.getTime())})`;
  if (value instanceof Uint8Array) return `bytes(${Buffer.from(value).toString('hex')})`;
  if (value instanceof Markup) return `Markup(${JSON.stringify(value.value)})`;
  if (value instanceof Uuid) return `Uuid(${value.hex})`;
  return kindOf(value);
}

/** The first difference between `actual` and `expected` (a path and why), or undefined when strictly equal. */
export function strictDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  const kind = kindOf(actual);
  const expectedKind = kindOf(expected);
  if (kind !== expectedKind) return `${path}: ${kind} ${show(actual)} is not ${expectedKind} ${show(expected)}`;
  if (kind.startsWith('unexpected')) return `${path}: ${kind}`;
  const differs = (why = ''): string => `${path}: ${show(actual)} differs from ${show(expected)}${why}`;
  switch (kind) {
    case 'None':
      return undefined;
    case 'bool':
    case 'str':
    case 'int(bigint)':
      return actual === expected ? undefined : differs();
    case 'int(number)':
    case 'float(number)':
      return Object.is(actual, expected) ? undefined : differs();
    case 'float(Float)':
      return Object.is((actual as Float).value, (expected as Float).value) ? undefined : differs();
    case 'Markup':
      return (actual as Markup).value === (expected as Markup).value ? undefined : differs();
    case 'UUID':
      return (actual as Uuid).hex === (expected as Uuid).hex ? undefined : differs();
    case 'datetime':
      return Object.is((actual as Date).getTime(), (expected as Date).getTime()) ? undefined : differs();
    case 'bytes':
      return Buffer.from(actual as Uint8Array).equals(Buffer.from(expected as Uint8Array)) ? undefined : differs();
    case 'tuple':
    case 'list': {
      const a = kind === 'tuple' ? (actual as Tuple).items : (actual as readonly unknown[]);
      const b = kind === 'tuple' ? (expected as Tuple).items : (expected as readonly unknown[]);
      if (a.length !== b.length) return differs(` (length ${String(a.length)} vs ${String(b.length)})`);
      for (let i = 0; i < a.length; i++) {
        const difference = strictDifference(a[i], b[i], `${path}[${String(i)}]`);
        if (difference !== undefined) return difference;
      }
      return undefined;
    }
    default: {
      // dict: the same own enumerable keys (in any order), equal values.
      const a = actual as Record<string, unknown>;
      const b = expected as Record<string, unknown>;
      const keysA = Object.keys(a);
      const keysB = new Set(Object.keys(b));
      if (Object.getOwnPropertySymbols(a).length > 0) return `${path}: dict has symbol keys`;
      for (const key of keysA) {
        if (!keysB.has(key)) return `${path}: unexpected key ${JSON.stringify(key)}`;
      }
      if (keysA.length !== keysB.size) {
        const missing = [...keysB].filter((key) => !Object.prototype.hasOwnProperty.call(a, key));
        return `${path}: missing keys ${JSON.stringify(missing)}`;
      }
      for (const key of keysA) {
        const difference = strictDifference(a[key], b[key], `${path}[${JSON.stringify(key)}]`);
        if (difference !== undefined) return difference;
      }
      return undefined;
    }
  }
}

/** Asserts strict, type-aware deep equality (see {@link strictDifference}). */
export function assertStrictEqual(actual: unknown, expected: unknown, message = ''): void {
  const difference = strictDifference(actual, expected);
  if (difference !== undefined) assert.fail(`${message}${message === '' ? '' : ': '}${difference}`);
}
