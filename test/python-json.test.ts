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
