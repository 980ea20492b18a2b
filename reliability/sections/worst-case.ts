/**
 * Worst-case time: each parser on adversarial inputs of size n and 16n, in one run,
 * compared as a ratio. Linear work gives about 16, n log n about 20, n^1.5 64 and
 * quadratic 256. On this shared 2-core machine linear families measure 10 to 40 (GC,
 * caches, other processes), so the limit is 64: a quadratic path, even one only
 * starting to dominate at n, lands far above it. Noise is handled by warming up,
 * timing enough calls that a sample takes a few milliseconds, taking the fastest of
 * several samples (alternating sizes), measuring a family above half the limit once
 * more with longer samples, and sizes that keep arrays on one side of
 * V8's large-object threshold (crossing it costs about 2× per element, a step, not a
 * trend).
 */
import { decodeBase64Lenient, FlaskSessionCodec, loadTaggedJson, parseCookieHeader, pythonInt, readCookies, SealedCodec, inspectCookie } from 'signet-session';
import { canonicalUrl, decodeRequestPath } from 'signet-lesson/server/app';
import { markdownTable, type SectionResult } from '../lib/report.js';
import { LESSON_KEY } from '../lib/server.js';
import { payloadOf, sealedCookie, signPayload, SEALED_KEY_ID } from '../lib/tokens.js';

export interface Family {
  /** The function under test. */
  readonly parser: string;
  /** The input family. */
  readonly name: string;
  /** The base size n (the large input is built for 16n). */
  readonly n: number;
  readonly make: (n: number) => string;
  /** One call; `k` counts calls, for parsers with a memo that must not answer from it. */
  readonly run: (input: string, k: number) => void;
}

const swallow = (fn: () => unknown): void => {
  try {
    fn();
  } catch {
    // a refusal is an answer too: its time is what is measured
  }
};

const codec = new FlaskSessionCodec({ secret: LESSON_KEY });
const sealed = new SealedCodec({ secret: LESSON_KEY, cookieName: 'session' });
const r = (text: string, n: number): string => text.repeat(Math.max(1, Math.floor(n / text.length)));

const cookieFamilies: Array<[string, (n: number) => string]> = [
  ['a=b, n spaces, x (finding 1)', (n) => `a=b${' '.repeat(n)}x`],
  ['a=b, n tabs, x', (n) => `a=b${'\t'.repeat(n)}x`],
  ['a, n spaces, b (a name with a space run)', (n) => `a${' '.repeat(n)}b`],
  ['a, n spaces, b=c', (n) => `a${' '.repeat(n)}b=c`],
  ['a, n spaces, =b', (n) => `a${' '.repeat(n)}=b`],
  ['a=, n spaces, "x" (quoted after spaces)', (n) => `a=${' '.repeat(n)}"x"`],
  ['a, n times =', (n) => `a${'='.repeat(n)}`],
  ['" =" n/2 times, x', (n) => `${r(' =', n)}x`],
  ['a=, n quotes', (n) => `a=${'"'.repeat(n)}`],
  ['a=", n/2 escaped quotes (never closed)', (n) => `a="${r('\\"', n)}`],
  ['a=", n backslashes', (n) => `a="${'\\'.repeat(n)}`],
  ['a=", n/4 octal escapes, "', (n) => `a="${r('\\073', n)}"`],
  ['a=", n spaces, x (open quote)', (n) => `a="${' '.repeat(n)}x`],
  ['"a=b; " n/5 times', (n) => r('a=b; ', n)],
  ['n semicolons', (n) => ';'.repeat(n)],
  ['"=;" n/2 times', (n) => r('=;', n)],
  ['" ;" n/2 times', (n) => r(' ;', n)],
  ['a=b, n newlines, x', (n) => `a=b${'\n'.repeat(n)}x`],
  ['a=, n bytes 0xe9 (not UTF-8)', (n) => `a=${'\xe9'.repeat(n)}`],
  ['"a=\\"b\\"; " n/10 times', (n) => r('a="b\\"c"; ', n)],
];

const t0 = Math.floor(Date.now() / 1000);
/**
 * The decoders remember results for inputs up to 4096 characters (and decode a payload
 * twice when it is not remembered): inputs longer than that at both sizes, so that both
 * take the same path, and session data that is not flat, which is never remembered.
 */
const MEMO_FREE = 4200;

export const FAMILIES: readonly Family[] = [
  ...cookieFamilies.map(([name, make]): Family => ({ parser: 'parseCookieHeader', name, n: 1000, make, run: (input) => parseCookieHeader(input) })),
  // readCookies remembers recent headers: a different one each call, or it answers from memory.
  ...cookieFamilies.slice(0, 4).map(([name, make]): Family => ({ parser: 'readCookies', name, n: 1000, make, run: (input, k) => readCookies(`k${k}=1; ${input}`) })),

  ...([
    ['n/4 valid quads (the fast path)', (n: number) => 'A'.repeat(n)],
    ['n characters it skips (!)', (n: number) => '!'.repeat(n)],
    ['"A=" n/2 times', (n: number) => r('A=', n)],
    ['"AA==" n/4 times', (n: number) => r('AA==', n)],
    ['"A!" n/2 times', (n: number) => r('A!', n)],
    ['"A\\n" n/2 times', (n: number) => r('A\n', n)],
    ['n bytes 0xff', (n: number) => '\xff'.repeat(n)],
  ] as const).flatMap(([name, make]): Family[] => [
    { parser: 'decodeBase64Lenient (url-safe)', name, n: 4000, make, run: (input) => decodeBase64Lenient(input, 'url-safe', true) },
    { parser: 'decodeBase64Lenient (standard)', name, n: 4000, make, run: (input) => decodeBase64Lenient(input, 'standard', false) },
  ]),

  ...([
    ['n dots', (n: number) => '.'.repeat(n)],
    ['"a." n/2 times', (n: number) => r('a.', n)],
    ['a payload of n characters, bad signature', (n: number) => `${'A'.repeat(n)}.AAAAAA.c2lnbmF0dXJl`],
    ['a compressed payload of n characters, bad signature', (n: number) => `.${'A'.repeat(n)}.AAAAAA.c2lnbmF0dXJl`],
    ['a signature of n characters', (n: number) => `eyJhIjoxfQ.aw-8gA.${'A'.repeat(n)}`],
    ['a timestamp of n characters', (n: number) => `eyJhIjoxfQ.${'A'.repeat(n)}.c2ln`],
    ['validly signed: a list of n/16 strings', (n: number) => signPayload(payloadOf(`{"a":[${r('"xxxxxxxxxxxxx",', n)}"x"]}`, false), t0)],
    ['validly signed: a string of n/2 escapes', (n: number) => signPayload(payloadOf(`{"a":["${r('\\n', n)}"]}`, false), t0)],
    ['validly signed: compressed, a run of 4n x', (n: number) => signPayload(payloadOf(`{"a":["${'x'.repeat(n * 4)}"]}`, true), t0)],
    ['validly signed: n/128 nested lists', (n: number) => signPayload(payloadOf(`{"a":${'['.repeat(n >> 7)}${']'.repeat(n >> 7)}}`, false), t0)],
  ] as const).map(([name, make]): Family => ({ parser: 'FlaskSessionCodec.decode', name, n: MEMO_FREE, make, run: (input) => codec.decode(input) })),

  ...([
    // split('.') makes n strings: both sizes above V8's large-object size (and the memo's 4096).
    ['S2, then 4n dots', (n: number) => `S2${'.'.repeat(n * 4)}`],
    ['a body of n characters that does not authenticate', (n: number) => `S2.${SEALED_KEY_ID}.${'A'.repeat(n)}`],
    ['valid: a string of n characters', (n: number) => sealedCookie(`{"a":"${'x'.repeat(n)}"}`, Buffer.alloc(24, 5))],
    ['valid: a list of n/16 strings', (n: number) => sealedCookie(`{"a":[${r('"xxxxxxxxxxxxx",', n)}"x"]}`, Buffer.alloc(24, 6))],
  ] as const).map(([name, make]): Family => ({ parser: 'SealedCodec.open', name, n: MEMO_FREE, make, run: (input) => sealed.open(input) })),

  ...([
    ['a string of n characters', (n: number) => `"${'x'.repeat(n)}"`],
    ['a string of n/2 \\n escapes', (n: number) => `"${r('\\n', n)}"`],
    ['a string of n/6 \\u escapes', (n: number) => `"${r('\\u00e9', n)}"`],
    ['an object of n/8 keys', (n: number) => `{${Array.from({ length: n >> 3 }, (_, i) => `"k${i}":0`).join(',')}}`],
    ['one key n/6 times', (n: number) => `{${r('"k":0,', n)}"k":0}`],
    ['n/8 integer-like keys after a name', (n: number) => `{"a":0,${Array.from({ length: n >> 3 }, (_, i) => `"${i + 1}":0`).join(',')}}`],
    ['a list of n/8 zeros', (n: number) => `[${r('0,', n >> 2)}0]`],
    ['a list of n/8 floats', (n: number) => `[${r('1.5e300,', n)}1]`],
    ['an int of n/16 digits (at most 4300)', (n: number) => '7'.repeat(Math.min(4300, n >> 4))],
    ['n/64 nested lists', (n: number) => `${'['.repeat(n >> 6)}${']'.repeat(n >> 6)}`],
    ['n spaces, then 1', (n: number) => `${' '.repeat(n)}1`],
    // Array.from makes one string per character: sizes that stay under V8's large-object size.
    ['a tuple tag of an n/4-character string', (n: number) => `{" t":"${'x'.repeat(n >> 2)}"}`],
    ['a bytes tag of n/4 quads', (n: number) => `{" b":"${r('QUFB', n)}"}`],
    ['a bytes tag of n/2 "A=" (lenient base64)', (n: number) => `{" b":"${r('A=', n)}"}`],
    ['a date tag: 1, n spaces, x', (n: number) => `{" d":"1 ${' '.repeat(n)}x"}`],
    ['a date tag of n/4 words', (n: number) => `{" d":"${r('a ', n >> 1)}"}`],
    ['a date tag of n/2 commas', (n: number) => `{" d":"${r(',,', n)}"}`],
    ['a UUID tag: n braces, x', (n: number) => `{" u":"${'{'.repeat(n)}x"}`],
    ['a UUID tag: n/4 "urn:"', (n: number) => `{" u":"${r('urn:', n)}"}`],
    ['a UUID tag: n dashes', (n: number) => `{" u":"${'-'.repeat(n)}"}`],
    ['a Markup tag of n characters', (n: number) => `{" m":"${'x'.repeat(n)}"}`],
    ['a dict tag whose key has n/4 characters', (n: number) => `{" di":{"${'x'.repeat(n >> 2)}":1}}`],
    ['n/64 nested tuple tags', (n: number) => `${'{" t":['.repeat(n >> 6)}1${']}'.repeat(n >> 6)}`],
  ] as const).map(([name, make]): Family => ({ parser: 'loadTaggedJson', name, n: 2000, make, run: (input) => { swallow(() => loadTaggedJson(input)); } })),

  ...([
    ['n percent signs', (n: number) => `/${'%'.repeat(n)}`],
    ['n/3 "%41"', (n: number) => `/${r('%41', n)}`],
    ['n/3 "%ZZ"', (n: number) => `/${r('%ZZ', n)}`],
    ['n/3 "%C3" (not UTF-8)', (n: number) => `/${r('%C3', n)}`],
    ['n/9 "%E2%80%AE"', (n: number) => `/${r('%E2%80%AE', n)}`],
    ['n bytes 0xe9', (n: number) => `/${'\xe9'.repeat(n)}`],
    ['a query of n characters', (n: number) => `/sessions/hello?${'%'.repeat(n)}`],
    ['n question marks', (n: number) => `/${'?'.repeat(n)}`],
  ] as const).flatMap(([name, make]): Family[] => [
    { parser: 'decodeRequestPath', name, n: 2000, make, run: (input) => decodeRequestPath(input) },
    { parser: 'canonicalUrl', name, n: 2000, make, run: (input) => canonicalUrl(input) },
  ]),

  ...([
    ['n dots', (n: number) => '.'.repeat(n)],
    ['"a." n/2 times', (n: number) => r('a.', n)],
    ['a payload of n characters', (n: number) => `${'A'.repeat(n)}.AAAAAA.c2ln`],
    ['validly signed: a list of n/16 strings', (n: number) => signPayload(payloadOf(`{"a":[${r('"xxxxxxxxxxxxx",', n)}"x"]}`, false), t0)],
    ['validly signed: a string of n/2 quotes and backslashes', (n: number) => signPayload(payloadOf(`{"a":"${r('\\"\\\\', n)}"}`, false), t0)],
    ['validly signed: n/128 nested lists', (n: number) => signPayload(payloadOf(`{"a":${'['.repeat(n >> 7)}${']'.repeat(n >> 7)}}`, false), t0)],
    ['validly signed: compressed, a run of 4n x', (n: number) => signPayload(payloadOf(`{"a":["${'x'.repeat(n * 4)}"]}`, true), t0)],
  ] as const).flatMap(([name, make]): Family[] => [
    { parser: 'inspectCookie (no key)', name, n: MEMO_FREE, make, run: (input) => { swallow(() => inspectCookie(input)); } },
    { parser: 'inspectCookie (the key)', name, n: MEMO_FREE, make, run: (input) => { swallow(() => inspectCookie(input, { secret: LESSON_KEY })); } },
  ]),

  // Python's int() as the tag readers use it (exported; its strip was quadratic before issue 9).
  { parser: 'pythonInt', name: '1, n spaces, 1', n: 1000, make: (n) => `1${' '.repeat(n)}1`, run: (input) => pythonInt(input) },
];

export interface TimingBudget {
  /** A sample runs the small input this long at least (the large one then ~16× longer). */
  readonly minSampleMs: number;
  /** Samples per size; the fastest is used. */
  readonly rounds: number;
  readonly threshold: number;
}

export interface Timing {
  readonly family: Family;
  readonly ratio: number;
  readonly smallMs: number;
  readonly largeMs: number;
  readonly reps: number;
}

let calls = 0;
function time(family: Family, input: string, reps: number): number {
  const started = performance.now();
  for (let i = 0; i < reps; i++) family.run(input, calls++);
  return performance.now() - started;
}

/**
 * The ratio of the times of `reps` calls on the 16n input and on the n input: the
 * fastest of `rounds` samples each (other processes and timer noise only ever add
 * time). `careful`: samples three times longer, and at least nine of them.
 */
export function measure(family: Family, budget: TimingBudget, careful = false): Timing {
  const small = family.make(family.n);
  const large = family.make(family.n * 16);
  const minSampleMs = careful ? budget.minSampleMs * 3 : budget.minSampleMs;
  const rounds = careful ? Math.max(9, budget.rounds) : budget.rounds;
  // Warm up: let the JIT settle on both sizes.
  time(family, small, 3);
  time(family, large, 1);
  // Enough calls that the fastest of two samples of the small input takes minSampleMs.
  let reps = 1;
  while (reps < 1 << 20 && Math.min(time(family, small, reps), time(family, small, reps)) < minSampleMs) reps *= 2;
  const smalls: number[] = [];
  const larges: number[] = [];
  const estimate = (values: readonly number[]): number => Math.min(...values);
  for (let round = 0; round < rounds; round++) {
    smalls.push(time(family, small, reps));
    larges.push(time(family, large, reps));
    // Clearly superlinear already: no need to spend seconds proving it again.
    if (round >= 1 && estimate(larges) / estimate(smalls) > budget.threshold * 2) break;
  }
  const smallMs = estimate(smalls);
  const largeMs = estimate(larges);
  return { family, ratio: largeMs / smallMs, smallMs, largeMs, reps };
}

/**
 * A call on the 16n input that takes less than this cannot block a server noticeably,
 * and the ratio of such small times is mostly the allocator's: no verdict on it. No
 * quadratic path is that fast at these sizes (16n is 16,000 characters or more: n² is
 * 2.56·10⁸ steps).
 */
export const FLOOR_MS_PER_CALL = 0.2;

/** Whether a timing shows a superlinear path: the ratio over the limit, at a cost that matters. */
export const superlinear = (timing: Timing, threshold: number): boolean => timing.ratio >= threshold && timing.largeMs / timing.reps >= FLOOR_MS_PER_CALL;

export function runWorstCase(budget: TimingBudget): SectionResult & { timings: Timing[] } {
  const started = performance.now();
  const timings: Timing[] = [];
  const failures: string[] = [];
  for (const family of FAMILIES) {
    let timing = measure(family, budget);
    if (timing.ratio >= budget.threshold / 2 && timing.ratio < budget.threshold * 2) {
      // Near the limit: once more, carefully, in case the machine was busy; the better counts.
      const again = measure(family, budget, true);
      if (again.ratio < timing.ratio) timing = again;
    }
    timings.push(timing);
    if (superlinear(timing, budget.threshold)) {
      failures.push(`Worst-case time: ${family.parser} on "${family.name}": ${timing.ratio.toFixed(1)}× the time for 16× the input (limit ${budget.threshold}×; ${timing.smallMs.toFixed(1)} ms → ${timing.largeMs.toFixed(1)} ms for ${timing.reps} calls at n=${family.n})`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const byParser = new Map<string, Timing[]>();
  for (const timing of timings) byParser.set(timing.family.parser, [...(byParser.get(timing.family.parser) ?? []), timing]);
  const rows = [...byParser].map(([parser, list]) => {
    const worst = list.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const bad = list.filter((t) => superlinear(t, budget.threshold));
    return {
      check: `Worst-case time: ${parser}`,
      server: '-',
      tried: `${list.length} input families at n and 16n`,
      outcome: bad.length === 0 ? `worst ratio ${worst.ratio.toFixed(1)} ("${worst.family.name}")` : `${bad.length} superlinear: ${bad.map((t) => `"${t.family.name}" ${t.ratio.toFixed(0)}×`).join(', ')}`,
      fiveXX: '-',
      crashes: '-' as const,
      hangs: '-' as const,
      seconds: list.reduce((sum, t) => sum + ((t.smallMs + t.largeMs) * budget.rounds) / 1000, 0),
      pass: bad.length === 0,
    };
  });
  const details = [
    `### Worst-case time: every family (ratio of 16n to n; limit ${budget.threshold}; ${seconds.toFixed(0)} s)`,
    '',
    markdownTable(
      ['parser', 'input family', 'n', 'ratio', 'ms at n', 'ms at 16n', 'calls'],
      timings.map((t) => [t.family.parser, t.family.name, t.family.n, superlinear(t, budget.threshold) ? `**${t.ratio.toFixed(1)}**` : t.ratio >= budget.threshold ? `${t.ratio.toFixed(1)} (under ${FLOOR_MS_PER_CALL} ms a call)` : t.ratio.toFixed(1), t.smallMs.toFixed(1), t.largeMs.toFixed(1), t.reps]),
    ),
    '',
  ].join('\n');
  return { rows, failures, details: [details], timings };
}
