/**
 * Python's json.loads, as core/python-json.ts reads it: an int of up to 15 digits as a
 * number, a longer one as a number when safe and a bigint when not, the int -0 as 0, a whole
 * float as a Float. These tests hold it to BigInt's reading of the same text, for any int
 * signed or not, and at the lengths around 15 digits where the reading changes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Float, parsePythonJson } from 'signet-session';
import { sortedKeys } from 'signet-session/core/python-json';
import { pyKey } from './support/py-arbitraries.js';

const RUNS = Number(process.env['SIGNET_PROPERTY_RUNS'] ?? 300);

/** Python's int of a JSON integer literal, as signet-session gives it: a number when safe, else a bigint. */
function pythonInt(literal: string): number | bigint {
  const big = BigInt(literal);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

describe('parsePythonJson reads ints as Python does', () => {
  it('for any int of 1 to 20 digits, alone, in a list and as a dict value', () => {
    const digits = fc.stringMatching(/^(?:0|[1-9][0-9]{0,19})$/);
    fc.assert(
      fc.property(fc.boolean(), digits, (negative, text) => {
        const literal = (negative ? '-' : '') + text;
        const expected = pythonInt(literal);
        assert.ok(Object.is(parsePythonJson(literal), expected), literal);
        assert.deepEqual(parsePythonJson(`[${literal}, 1]`), [expected, 1]);
        assert.deepEqual(parsePythonJson(`{"n":${literal}}`), { n: expected });
      }),
      { numRuns: RUNS },
    );
  });

  it('at 14, 15 and 16 digits of nines, and the int -0 is 0', () => {
    for (const literal of ['99999999999999', '999999999999999', '9999999999999999', '-999999999999999', '-9999999999999999']) {
      assert.ok(Object.is(parsePythonJson(literal), pythonInt(literal)), literal);
    }
    assert.ok(Object.is(parsePythonJson('-0'), 0));
    assert.ok(Object.is(parsePythonJson('0'), 0));
  });

  it('still reads a float as a float and refuses a leading zero', () => {
    const one = parsePythonJson('1.0');
    assert.ok(one instanceof Float && one.value === 1);
    const whole = parsePythonJson('-2.5e3'); // a whole float stays a float
    assert.ok(whole instanceof Float && whole.value === -2500);
    assert.equal(parsePythonJson('-2.5'), -2.5);
    assert.throws(() => parsePythonJson('01'), /Extra data/);
    assert.throws(() => parsePythonJson('1e'), /Extra data/);
  });
});

/** Python's order of str keys, computed apart: code point by code point (a lone surrogate is one). */
function pythonOrder(keys: readonly string[]): string[] {
  const points = (key: string): number[] => Array.from(key, (char) => char.codePointAt(0) as number);
  return [...keys].sort((a, b) => {
    const x = points(a);
    const y = points(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return x.length - y.length;
  });
}

describe('sortedKeys orders keys as sort_keys=True does', () => {
  it('for dicts of 0 to 40 keys, the few-key insertion sort and the long sort alike', () => {
    fc.assert(
      fc.property(fc.uniqueArray(pyKey, { maxLength: 40 }), (keys) => {
        const dict: Record<string, number> = {};
        for (const key of keys) Object.defineProperty(dict, key, { value: 0, enumerable: true });
        assert.deepEqual(sortedKeys(dict), pythonOrder(Object.keys(dict)));
      }),
      { numRuns: RUNS },
    );
  });
});
