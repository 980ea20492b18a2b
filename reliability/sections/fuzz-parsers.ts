/**
 * Parser fuzz, in process, with fast-check: the cookie header parser, the token
 * decoders, the inspector, tagged JSON, base64 and the request path. For any string
 * they return a well-formed result and never throw (tagged JSON throws only its two
 * documented errors, for text Python's json would refuse too).
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { decodeBase64Lenient, decodeTimestamp, FlaskSessionCodec, JsonSyntaxError, loadTaggedJson, parseCookieHeader, readCookies, SealedCodec, TagError, inspectCookie, type PyDict } from 'signet-session';
import { canonicalUrl, decodeRequestPath } from 'signet-lesson/server/app';
import { fmt, shown, type SectionResult } from '../lib/report.js';
import { LESSON_KEY } from '../lib/server.js';
import { payloadOf, sealPlaintext, sealedCookie, signPayload, signedCookie } from '../lib/tokens.js';

export interface ParserFuzzBudget {
  /** Inputs per property. */
  readonly runs: number;
  /** Each property stops after this long, whatever the count. */
  readonly msPerProperty: number;
  readonly seed: number;
}

// ---------------------------------------------------------------------------
// Inputs

/** Any UTF-16 string, lone surrogates included. */
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 });
/** Any code points. */
const anyText = fc.string({ unit: 'binary', maxLength: 300 });
/** A header as Node hands it over: one char per byte. */
const latin1 = fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1'));

const piecesOf = (pieces: readonly string[], maxLength = 60): fc.Arbitrary<string> => fc.array(fc.constantFrom(...pieces), { maxLength }).map((parts) => parts.join(''));

const COOKIE_PIECES = ['=', ';', '; ', ' ', '\t', '\n', '\r', '\v', '\f', '"', '\\', '\\"', '\\\\', '\\073', '\\377', '\\0', ',', 'a', 'session', 'mouse', 'é', '\xff', '\x80', '\xc3\xa9', '\0', '=""', '"a"', '  ', '==', 'x y'];
const cookieLike = fc.oneof(piecesOf(COOKIE_PIECES), latin1, anyUnits);

const JSON_PIECES = ['{', '}', '[', ']', '"', ':', ',', '0', '1', '-', 'e', 'E', '.', '+', ' ', '\n', 'null', 'true', 'false', 'NaN', 'Infinity', '-Infinity', '"a"', '" t"', '" b"', '" m"', '" u"', '" d"', '" di"', '" t__"', '\\', '\\u', '\\ud800', '\\udc00', '\\n', '\\x', 'é', '\u2028', '"1"', '99999999999999999999', '1e999', '1.0'];
const jsonLike = fc.oneof(piecesOf(JSON_PIECES, 80), anyText, fc.json({ maxDepth: 4 }), taggedJson());

/** Valid JSON with Flask's tag keys in it, well-formed or not. */
function taggedJson(): fc.Arbitrary<string> {
  const tagged = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 1 }),
      fc.record({ ' t': tie('value') }),
      fc.record({ ' b': fc.oneof(fc.base64String(), fc.string(), tie('value')) }),
      fc.record({ ' m': fc.oneof(fc.string(), tie('value')) }),
      fc.record({ ' u': fc.oneof(fc.uuid(), fc.string(), fc.string({ unit: fc.constantFrom(...Array.from('0123456789abcdefABCDEF-{}')), minLength: 30, maxLength: 40 })) }),
      fc.record({ ' d': fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()), fc.string(), tie('value')) }),
      fc.record({ ' di': fc.oneof(fc.dictionary(fc.constantFrom(' t__', ' b__', 'x', ''), tie('value'), { maxKeys: 2 }), tie('value')) }),
      fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3 }),
      fc.array(tie('value'), { maxLength: 3 }),
    ),
  })).value;
  return tagged.map((value) => JSON.stringify(value));
}

/** Tokens near valid ones: valid Flask and sealed tokens, then a few edits. */
function tokenLike(): fc.Arbitrary<string> {
  const t = Math.floor(Date.now() / 1000);
  const valid = [
    signedCookie({ hello: 'World', goodnight: 'Moon' }),
    signedCookie({ hello: 'x'.repeat(200), list: [1, 2, 3] }),
    signPayload(payloadOf('{"a":"' + 'y'.repeat(300) + '"}', true)),
    signPayload(payloadOf('[1,2]', false)),
    sealedCookie('{"hello":"World"}', Buffer.alloc(24, 1)),
    sealPlaintext(`[${t},${t},${t + 60},[]]`, Buffer.alloc(24, 2)),
    '.eJyrVspIzcnJV7JSCs8vyklRqgUAKV0FMA.ZxYZ.sig',
    'S2.abcdefgh.AAAA',
  ];
  const chars = ['.', '=', '-', '_', '+', '/', 'A', 'z', '0', ' ', '%', '\xff', 'é', '\0', 'S1', 'S2', '.eJ'];
  const edit = fc.record({ at: fc.nat(), char: fc.constantFrom(...chars), kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate') });
  const edited = fc.tuple(fc.constantFrom(...valid), fc.array(edit, { maxLength: 4 })).map(([token, edits]) => {
    let text = token;
    for (const { at, char, kind } of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      if (kind === 'replace') text = text.slice(0, i) + char + text.slice(i + 1);
      else if (kind === 'insert') text = text.slice(0, i) + char + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1);
      else text = text.slice(0, i);
    }
    return text;
  });
  // Validly signed, with any payload: the decoder's later stages get any bytes.
  const signedAny = fc.oneof(
    fc.tuple(jsonLike, fc.boolean()).map(([json, compress]) => signPayload(payloadOf(json, compress))),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => signPayload(Buffer.from(bytes).toString('base64url'))),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => signPayload('.' + Buffer.from(bytes).toString('base64url'))),
    fc.tuple(jsonLike, fc.integer({ min: -10, max: 10 })).map(([json, shift]) => sealPlaintext(`[${t},${t + shift},${t + 60 + shift},${json}]`, Buffer.alloc(24, 3))),
    fc.tuple(jsonLike).map(([json]) => sealPlaintext(json, Buffer.alloc(24, 4))),
  );
  return fc.oneof(edited, signedAny, piecesOf(chars, 40), anyText, latin1);
}

const pathLike = fc.oneof(
  piecesOf(['/', '%', '%2', '%ZZ', '%41', '%C3', '%A9', '%ff', '%00', '?', '#', 'a', 'é', '\u{1f36a}', '\ud800', '%E2%80%AE', '..', ';', ' ', '\x7f', '\x80']),
  anyUnits.map((s) => '/' + s),
  latin1.map((s) => '/' + s),
);

// ---------------------------------------------------------------------------
// Properties

const codec = new FlaskSessionCodec({ secret: LESSON_KEY });
const codecWithFallbacks = new FlaskSessionCodec({ secret: 'new key', secretFallbacks: ["older", LESSON_KEY] });
const sealed = new SealedCodec({ secret: LESSON_KEY, cookieName: 'session' });

/** A result that breaks a property (as opposed to an exception the parser itself threw). */
class Violation extends Error {
  override readonly name = 'Violation';
}

const isDict = (value: unknown): value is PyDict => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkResult(result: unknown): void {
  if (typeof result !== 'object' || result === null || typeof (result as { ok?: unknown }).ok !== 'boolean') throw new Violation(`not a Result: ${String(result)}`);
  const r = result as { ok: boolean; value?: { data?: unknown }; error?: unknown };
  if (r.ok && !isDict(r.value?.data)) throw new Violation('an ok Result without a dict');
  if (!r.ok && !(r.error instanceof Error)) throw new Violation('a failed Result without an error');
}

function checkInspection(inspection: { format: string; checks: readonly unknown[] }): void {
  if (!['flask', 'sealed', 'unknown'].includes(inspection.format)) throw new Violation(`format ${inspection.format}`);
  if (inspection.checks.length === 0) throw new Violation('no checks');
  JSON.stringify({ ...inspection, payload: undefined }); // what the inspector sends must serialize
}

// itsdangerous's signature as Flask makes it, with node:crypto only: the key is
// HMAC-SHA1(secret, salt) ("hmac" key derivation), the signature HMAC-SHA1(key, value).
const FLASK_SIGNING_KEY = createHmac('sha1', LESSON_KEY).update('cookie-session').digest();
function reallySigned(cookie: string): boolean {
  const cut = cookie.lastIndexOf('.');
  return cut >= 0 && createHmac('sha1', FLASK_SIGNING_KEY).update(cookie.slice(0, cut), 'latin1').digest('base64url') === cookie.slice(cut + 1);
}

interface Property {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<string>;
  readonly check: (input: string) => void;
}

export const PROPERTIES: readonly Property[] = [
  {
    name: 'parseCookieHeader returns name/value pairs of strings, names never empty',
    arbitrary: cookieLike,
    check: (input) => {
      const pairs = parseCookieHeader(input);
      if (!Array.isArray(pairs)) throw new Violation('not an array');
      for (const pair of pairs as unknown[][]) if (pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string' || pair[0] === '') throw new Violation(`bad pair ${JSON.stringify(pair)}`);
    },
  },
  {
    name: 'readCookies gives each name once, with its first value',
    arbitrary: cookieLike,
    check: (input) => {
      const cookies = readCookies(input);
      const pairs = parseCookieHeader(input);
      for (const [name, value] of cookies) {
        const first = pairs.find(([n]) => n === name);
        if (first?.[1] !== value) throw new Violation(`${JSON.stringify(name)}: ${JSON.stringify(value)} is not its first value`);
      }
      if (new Set(pairs.map(([n]) => n)).size !== cookies.size) throw new Violation('names lost or added');
    },
  },
  {
    name: 'FlaskSessionCodec.decode returns a Result',
    arbitrary: tokenLike(),
    check: (input) => {
      checkResult(codec.decode(input));
      checkResult(codecWithFallbacks.decode(input));
    },
  },
  {
    name: 'SealedCodec.open returns a Result',
    arbitrary: tokenLike(),
    check: (input) => {
      checkResult(sealed.open(input));
      checkResult(sealed.open(input, { idleTimeout: 60, absoluteTimeout: 3600 }));
    },
  },
  {
    name: 'inspectCookie returns an inspection, with and without the key',
    arbitrary: tokenLike(),
    check: (input) => {
      checkInspection(inspectCookie(input));
      checkInspection(inspectCookie(input, { secret: LESSON_KEY }));
      checkInspection(inspectCookie(input, { secret: "other", secretFallbacks: [LESSON_KEY] }));
    },
  },
  {
    name: 'inspectCookie shows a signature as matching only when it does',
    arbitrary: tokenLike().filter((token) => /^[\x20-\x7e]*$/.test(token) && !token.startsWith('S1.') && !token.startsWith('S2.')),
    check: (input) => {
      let inspection;
      try {
        inspection = inspectCookie(input, { secret: LESSON_KEY });
      } catch {
        return; // the property above reports throwing
      }
      const shown = inspection.checks.find((c) => c.name === 'signature');
      if (shown?.ok === true && !reallySigned(input)) throw new Violation(`the signature check passes: ${JSON.stringify(shown)}, but the signature does not match`);
      if (inspection.verified === true && !reallySigned(input)) throw new Violation('verified without a matching signature');
    },
  },
  {
    name: 'loadTaggedJson returns a value or throws JsonSyntaxError / TagError only',
    arbitrary: jsonLike,
    check: (input) => {
      try {
        loadTaggedJson(input);
      } catch (error) {
        if (!(error instanceof JsonSyntaxError) && !(error instanceof TagError)) throw error;
      }
    },
  },
  {
    name: 'decodeBase64Lenient returns bytes or undefined, in both alphabets',
    arbitrary: fc.oneof(piecesOf(['A', 'Q', '=', '==', '-', '_', '+', '/', '!', ' ', '\n', '\xff', 'é'], 60), latin1, anyUnits),
    check: (input) => {
      for (const alphabet of ['url-safe', 'standard'] as const) {
        for (const pad of [true, false]) {
          const bytes = decodeBase64Lenient(input, alphabet, pad);
          if (bytes !== undefined && !(bytes instanceof Uint8Array)) throw new Violation('not bytes');
        }
      }
      const ts = decodeTimestamp(input);
      if (ts !== undefined && !Number.isFinite(ts)) throw new Violation('timestamp not a number');
    },
  },
  {
    name: 'decodeRequestPath and canonicalUrl return text, and the canonical URL decodes to the same path',
    arbitrary: pathLike,
    check: (input) => {
      const path = decodeRequestPath(input);
      const canonical = canonicalUrl(input);
      if (typeof path !== 'string' || typeof canonical !== 'string') throw new Violation('not a string');
      if (decodeRequestPath(canonical) !== path) throw new Violation(`canonical ${JSON.stringify(canonical)} decodes to ${JSON.stringify(decodeRequestPath(canonical))}, not ${JSON.stringify(path)}`);
    },
  },
];

export function runParserFuzz(budget: ParserFuzzBudget): SectionResult {
  const result: SectionResult = { rows: [], failures: [], details: [] };
  for (const [k, property] of PROPERTIES.entries()) {
    const started = performance.now();
    let count = 0;
    let failure: string | undefined;
    let threw = false;
    try {
      fc.assert(
        fc.property(property.arbitrary, (input) => {
          count++;
          property.check(input);
        }),
        { numRuns: budget.runs, seed: budget.seed + k, interruptAfterTimeLimit: budget.msPerProperty, markInterruptAsFailure: false },
      );
    } catch (error) {
      // fast-check's message names the counterexample; its cause is what the parser threw.
      const text = error instanceof Error ? error.message : String(error);
      const counterexample = text.split('\n').find((line) => line.startsWith('Counterexample')) ?? text.split('\n')[0] ?? '';
      const cause = error instanceof Error && error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : '';
      threw = !(error instanceof Error && error.cause instanceof Violation);
      failure = shown(`${counterexample} -> ${cause}`, 600);
    }
    const seconds = (performance.now() - started) / 1000;
    result.rows.push({
      check: `Parser fuzz: ${property.name}`,
      server: '-',
      tried: `${fmt(count)} inputs`,
      outcome: failure === undefined ? 'never threw; every result well-formed' : `${threw ? 'threw' : 'a wrong result'}: ${failure}`,
      fiveXX: '-',
      // A parser that throws is this check's crash; a wrong result is a failure, not a crash.
      crashes: threw ? 1 : 0,
      hangs: '-',
      seconds,
      pass: failure === undefined,
    });
    if (failure !== undefined) result.failures.push(`Parser fuzz: ${property.name}: ${failure}`);
  }
  return result;
}


