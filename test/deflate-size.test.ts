// The length of zlib's output, worked out without making it (core/deflate-size.ts),
// against the bytes pako makes and the bytes Python's zlib makes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_SIZED_INPUT, zlibCompressedLength } from 'signet-session/core/deflate-size';
import { zlibCompress } from 'signet-session/core/flask-session';

const RUNS = Number(process.env.FC_RUNS ?? 3000);

/** Bytes of every kind deflate meets: random, text from a few letters, runs, repeated phrases. */
const inputs = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.uint8Array({ minLength: 600, maxLength: 6000 }),
  fc.array(fc.constantFrom(...'{}[]":,abcdefghij0123456789 \\'.split('')), { maxLength: 3000 }).map((chars) => Buffer.from(chars.join(''), 'latin1')),
  fc.array(fc.tuple(fc.constantFrom('"user_id":', '"cart":["a","b"]', ',', 'Moon', 'World', 'x', '\u00ff', '\0'), fc.integer({ min: 1, max: 40 })), { maxLength: 200 }).map((parts) => Buffer.from(parts.map(([text, times]) => text.repeat(times)).join(''), 'latin1')),
  // Skewed frequencies over many letters: deep trees, where zlib limits the code lengths.
  fc.array(fc.integer({ min: 0, max: 255 }).map((n) => Math.floor((n * n * n) / 65025) % 256), { maxLength: 8000 }).map((bytes) => Uint8Array.from(bytes)),
);

/** 200 three-byte words, noise, then the same words again each `distance` bytes after its first. */
function farTriples(distance: number): Uint8Array {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
  const words = Array.from({ length: 200 }, (_, i) => [65 + (i % 26), 97 + Math.floor(i / 26), 48 + (i % 10)]);
  const first = words.flatMap((word) => [...word, 0x80 + (random() % 64)]);
  const noise = Array.from({ length: distance - first.length }, () => 0xc0 + (random() % 64));
  const second = words.flatMap((word) => [...word, 0x80 + (random() % 64)]);
  return Uint8Array.from([...first, ...noise, ...second]);
}

describe('zlibCompressedLength', () => {
  it('is the length of the bytes pako makes, for every kind of input', () => {
    fc.assert(
      fc.property(inputs, (bytes) => {
        assert.equal(zlibCompressedLength(bytes), zlibCompress(bytes).length);
      }),
      { numRuns: RUNS },
    );
  });

  it('is right at the edges: empty, shorter than a match, the longest match, the largest input it sizes', () => {
    const cases = [
      new Uint8Array(0),
      Buffer.from('a'),
      Buffer.from('ab'),
      Buffer.from('abc'),
      Buffer.from('a'.repeat(258)),
      Buffer.from('a'.repeat(259)),
      Buffer.from('a'.repeat(MAX_SIZED_INPUT)),
      Buffer.from('ab'.repeat(MAX_SIZED_INPUT / 2)),
      Uint8Array.from({ length: MAX_SIZED_INPUT }, (_, i) => (i * 7919) % 251),
      // Matches of three bytes 4,096 and 4,097 bytes back: zlib's TOO_FAR rule drops the second.
      farTriples(4096),
      farTriples(4097),
    ];
    for (const bytes of cases) assert.equal(zlibCompressedLength(bytes), zlibCompress(bytes).length, `length ${bytes.length}`);
  });

  it('gives no answer for more than MAX_SIZED_INPUT bytes, where zlib may use several blocks', () => {
    assert.equal(zlibCompressedLength(new Uint8Array(MAX_SIZED_INPUT + 1)), undefined);
  });

  it('is the length of Python\'s zlib.compress, on inputs of every kind', () => {
    const samples = fc.sample(inputs, { numRuns: 1500, seed: 42 });
    const script = 'import sys, zlib\nfor line in sys.stdin:\n    print(len(zlib.compress(bytes.fromhex(line.strip()))))\n';
    const out = execFileSync('/usr/bin/python3', ['-c', script], { input: samples.map((b) => Buffer.from(b).toString('hex')).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 26 });
    const theirs = out.trim().split('\n').map(Number);
    assert.equal(theirs.length, samples.length);
    samples.forEach((bytes, i) => {
      assert.equal(zlibCompressedLength(bytes), theirs[i], `sample ${i}, ${bytes.length} bytes`);
    });
  });
});
