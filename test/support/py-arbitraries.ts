/**
 * fast-check arbitraries for the values a Flask session can hold, in signet's JS value
 * model (src/core/python-types.ts), each in its canonical form: the form Flask's
 * cookie reads back as (a whole-valued float is a Float, an int beyond 2^53 a bigint,
 * every other int a number).
 */
import fc from 'fast-check';
import { Float, Markup, Tuple, Uuid, type PyDict, type PyValue } from 'signet-session';
import { dictFrom } from './transport.js';

// ---------------------------------------------------------------------------
// Scalars

const SAFE = Number.MAX_SAFE_INTEGER;
const TWO_53 = 2n ** 53n;

/** Python ints: small, around the safe-integer edges, and bigints beyond 2^53 of both signs. */
export const pyInt: fc.Arbitrary<number | bigint> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -SAFE, max: SAFE }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, SAFE, -SAFE, SAFE - 1, -SAFE + 1, 10 ** 15, 10 ** 16 - 1),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.bigInt({ min: TWO_53, max: 2n ** 70n }),
      fc.bigInt({ min: -(2n ** 70n), max: -TWO_53 }),
      fc.bigInt({ min: 2n ** 70n, max: 10n ** 200n }),
      fc.bigInt({ min: -(10n ** 200n), max: -(2n ** 70n) }),
      fc.constantFrom(TWO_53, -TWO_53, TWO_53 + 1n, -TWO_53 - 1n, 2n ** 63n, 2n ** 64n, -(2n ** 63n), 10n ** 299n),
    ),
  },
);

/** A float in the model: a Float when its value is a safe integer (-0.0 included), else a number. */
export function asPyFloat(x: number): Float | number {
  return Number.isSafeInteger(x) ? new Float(x) : x;
}

/** Python floats: every double (NaN, ±Infinity, -0, subnormals, huge, tiny), whole values, repr edges. */
export const pyFloat: fc.Arbitrary<Float | number> = fc
  .oneof(
    { weight: 4, arbitrary: fc.double() },
    { weight: 2, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
    { weight: 1, arbitrary: fc.double({ min: -1e-3, max: 1e-3 }) },
    { weight: 1, arbitrary: fc.double({ min: 1e15, max: 1e17 }) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        0,
        -0,
        NaN,
        Infinity,
        -Infinity,
        0.1,
        -1.5,
        1 / 3,
        1e16,
        -1e16,
        9999999999999998,
        1e-4,
        9.999999999999999e-5,
        1e-5,
        1e-7,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
        2 ** 53,
        -(2 ** 53),
        2 ** 53 + 2,
        SAFE,
        123456789012345680000,
        1e21,
        1e22,
        1.7976931348623157e308,
      ),
    },
  )
  .map(asPyFloat);

/** Characters that stress the JSON writer and reader. */
const SPECIAL_CHARS = [
  '"',
  '\\',
  '/',
  "'",
  '\x7f',
  '\x00',
  '\x1f',
  '\b',
  '\f',
  '\n',
  '\r',
  '\t',
  '\u0080',
  '\u00ff',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\uffff',
  '\uff01',
  'é',
  '😀',
  '𐀀',
  '\u{10ffff}',
  '<',
  '&',
  ' ',
];

/** One UTF-16 unit or code point of any kind, lone surrogates included. */
const anyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
);

/** Python str: full Unicode (astral, control chars, DEL, quotes, backslashes, lone surrogates). */
export const pyStr: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: anyChar, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'World', 'Moon', 'null', 'true', '1', '1.0', 'NaN', ' t', ' d', '\\u0000', '\ud83d', '\ude00\ud83d') },
);

export const pyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0xff, 0xfe)));

export const pyMarkup: fc.Arbitrary<Markup> = pyStr.map((s) => new Markup(s));

export const pyUuid: fc.Arbitrary<Uuid> = fc.oneof(
  fc.uuid().map((text) => new Uuid(text)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => new Uuid(Buffer.from(bytes).toString('hex'))),
  fc.constantFrom(new Uuid('0'.repeat(32)), new Uuid('f'.repeat(32))),
);

/** Python's datetime range with 4-digit years Flask reads back as written (years 100..9999). */
export const FIRST_SECOND = Date.UTC(100, 0, 1) / 1000;
export const LAST_SECOND = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

/** Aware UTC datetimes, whole seconds, years 100..9999. */
export const pyDatetime: fc.Arbitrary<Date> = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: FIRST_SECOND, max: LAST_SECOND }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 ** 32 }) },
    { weight: 1, arbitrary: fc.constantFrom(FIRST_SECOND, LAST_SECOND, 0, -1, 951782400, 1445412480, Date.UTC(999, 11, 31, 23, 59, 59) / 1000, Date.UTC(1000, 0, 1) / 1000) },
  )
  .map((seconds) => new Date(seconds * 1000));

export const pyScalar: fc.Arbitrary<PyValue> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 3, arbitrary: pyInt },
  { weight: 3, arbitrary: pyFloat },
  { weight: 4, arbitrary: pyStr },
  { weight: 1, arbitrary: pyBytes },
  { weight: 1, arbitrary: pyMarkup },
  { weight: 1, arbitrary: pyUuid },
  { weight: 1, arbitrary: pyDatetime },
);

// ---------------------------------------------------------------------------
// Keys

/** Flask's tags, and keys that only look like one. */
export const TAG_KEYS = [' t', ' di', ' b', ' m', ' u', ' d'] as const;
const TAG_LOOKALIKES = [' t__', ' di__', ' d__', ' b_', 't', 'di', '  t', ' T', ' x', ' ', ' t ', '\u00a0t', ' di__ t'];

/** Keys whose code point order differs from their UTF-16 order, and lone surrogates. */
const KEY_UNITS = ['a', 'b', '\uff01', '\uffff', '\ue000', '😀', '𐀀', '\u{10ffff}', '\ud83d', '\ude00', '\ud800', '\udfff', '\u00e9', '0', '1'];

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', '0', '1', '10', '2', '-1', '01', '1.5', '4294967295', '4294967296', '_permanent', '_flashes', 'csrf_token'];

export const pyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...KEY_UNITS), maxLength: 4 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...TAG_KEYS, ...TAG_LOOKALIKES) },
  { weight: 1, arbitrary: pyStr },
);

/** A dict from unique-keyed entries (every key an own property, `__proto__` included). */
export function pyDictOf(value: fc.Arbitrary<PyValue>, constraints: { minKeys?: number; maxKeys?: number; key?: fc.Arbitrary<string> } = {}): fc.Arbitrary<PyDict> {
  return fc
    .uniqueArray(fc.tuple(constraints.key ?? pyKey, value), {
      selector: (entry) => entry[0],
      minLength: constraints.minKeys ?? 0,
      maxLength: constraints.maxKeys ?? 5,
    })
    .map(dictFrom);
}

/** A one-key dict whose key is a tag or looks like one (Flask's TagDict case). */
export function tagKeyDictOf(value: fc.Arbitrary<PyValue>): fc.Arbitrary<PyDict> {
  return fc.tuple(fc.constantFrom(...TAG_KEYS, ...TAG_KEYS, ...TAG_LOOKALIKES), value).map(([key, v]) => dictFrom([[key, v]]));
}

// ---------------------------------------------------------------------------
// Nested values

// A type alias, not an interface: letrec wants a Record.
type Tree = {
  value: PyValue;
  list: PyValue[];
  tuple: Tuple;
  dict: PyDict;
  tagDict: PyDict;
};

const tree = fc.letrec<Tree>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    { weight: 6, arbitrary: pyScalar },
    { weight: 1, arbitrary: tie('list') },
    { weight: 1, arbitrary: tie('tuple') },
    { weight: 1, arbitrary: tie('dict') },
    { weight: 1, arbitrary: tie('tagDict') },
  ),
  list: fc.array(tie('value'), { maxLength: 4 }),
  tuple: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Tuple(items)),
  dict: pyDictOf(tie('value'), { maxKeys: 4 }),
  tagDict: tagKeyDictOf(tie('value')),
}));

/** Any value of the model, nested up to a few levels. */
export const pyValue: fc.Arbitrary<PyValue> = tree.value;

// ---------------------------------------------------------------------------
// Sessions (the top level is always a dict)

/** Strings that compress well, from tiny to a few kilobytes. */
const repetitiveString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('a', 'ab', 'xyz', 'hello ', '\u00e9', '😀', '\x00', '"\\', 'World Moon '), fc.integer({ min: 1, max: 600 }))
  .map(([piece, times]) => piece.repeat(times));

/** Large, repetitive sessions: the compressed payload (a leading ".") is the usual case here. */
export const largeSession: fc.Arbitrary<PyDict> = pyDictOf(
  fc.oneof(
    { weight: 3, arbitrary: repetitiveString },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }) },
    { weight: 1, arbitrary: fc.array(pyScalar, { maxLength: 30 }) },
    { weight: 1, arbitrary: pyValue },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<PyValue>(new Tuple(['message', 'Hello']), new Markup('<b>x</b>'), null, true), { maxLength: 50 }) },
  ),
  { minKeys: 1, maxKeys: 12, key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('k', 'key', 'user_id', 'cart', '_flashes')) },
);

/** Short sessions of few distinct characters: the compress-or-not decision sits right here. */
export const thresholdSession: fc.Arbitrary<PyDict> = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => dictFrom([['k', 'a'.repeat(n)]])),
  pyDictOf(fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 40 }), { minKeys: 1, maxKeys: 3, key: fc.string({ unit: fc.constantFrom('a', 'k'), maxLength: 3 }) }),
  pyDictOf(fc.array(fc.constantFrom<PyValue>(0, 1, 'a', null), { maxLength: 20 }), { minKeys: 1, maxKeys: 2, key: fc.constantFrom('k', 'l') }),
);

/** What Flask itself writes: `_permanent`, `_flashes` as (category, message) tuples, a user's values. */
export const flaskLikeSession: fc.Arbitrary<PyDict> = fc
  .record({
    permanent: fc.boolean(),
    flashes: fc.array(fc.tuple(fc.constantFrom('message', 'error', 'info'), pyStr), { maxLength: 3 }),
    extra: pyDictOf(pyValue, { maxKeys: 3 }),
  })
  .map(({ permanent, flashes, extra }) => {
    const entries: [string, PyValue][] = Object.keys(extra).map((key) => [key, extra[key] as PyValue]);
    if (permanent) entries.push(['_permanent', true]);
    if (flashes.length > 0) entries.push(['_flashes', flashes.map((flash) => new Tuple(flash))]);
    return dictFrom(new Map(entries));
  });

/** Any session dict: random nested ones, tag-keyed ones, Flask-like, large and near the compression threshold. */
export const pySession: fc.Arbitrary<PyDict> = fc.oneof(
  { weight: 5, arbitrary: pyDictOf(pyValue, { maxKeys: 6 }) },
  { weight: 1, arbitrary: tagKeyDictOf(pyValue) },
  { weight: 1, arbitrary: flaskLikeSession },
  { weight: 2, arbitrary: largeSession },
  { weight: 2, arbitrary: thresholdSession },
);

// ---------------------------------------------------------------------------
// Secrets and times

/** The lesson's SECRET_KEY: b'?w\x85Z\x08Q\xbdO\xb8\xa9\xb65Kj\xa9_'. */
export const LESSON_KEY = Uint8Array.from(Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex'));

/** Text secrets (non-ASCII included, never a lone surrogate: Python could not encode it) and binary ones. */
export const pySecret: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constant(LESSON_KEY),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  fc.constantFrom('dev', 'clé secrète', '秘密', '🔑🔑', 'x'.repeat(65), 'x'.repeat(200)),
  fc.uint8Array({ minLength: 1, maxLength: 100 }),
);

/** Seconds the signer may stamp: 0, small, around 2^32, now-ish, up to the last second of year 9999. */
export const pyTimestamp: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 16 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: LAST_SECOND }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 255, 256, 65535, 65536, 2 ** 24, 2 ** 32 - 1, 2 ** 32, 1700000000, LAST_SECOND) },
);

// ---------------------------------------------------------------------------
// Crafted tagged JSON: payload texts Flask never writes itself but reads when they are
// validly signed. Used to compare what Flask and signet make of odd tagged values.

const jsonWs = fc.constantFrom('', '', '', ' ', '\n', '\t ', '\r\n');

/** Every UTF-16 unit of a string as a \uXXXX escape, in either case. */
function escapeAll(text: string, upper: boolean): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const hex = text.charCodeAt(i).toString(16).padStart(4, '0');
    out += `\\u${upper ? hex.toUpperCase() : hex}`;
  }
  return out + '"';
}

const NUMBER_TOKENS = ['0', '-0', '1', '-1', '1.0', '-0.0', '0.5', '1e5', '1E5', '1e-5', '1E+2', '1.5e+300', '1e400', '-1e400', '1e-400', '2.5E-3', 'NaN', 'Infinity', '-Infinity', '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '123456789012345678901234567890', '1e16', '1.0e16', '100000000000000000000.0', '4.9e-324', '0.1', '1.7976931348623157e308'];

export const jsonNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NUMBER_TOKENS),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? '-0.0' : String(x))),
  pyInt.map(String),
);

export const jsonStringText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: pyStr.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.tuple(pyStr, fc.boolean()).map(([s, upper]) => escapeAll(s, upper)) },
  { weight: 1, arbitrary: fc.constantFrom('"\\/"', '"\\u00e9"', '"\\u00E9"', '"\\uD83D\\uDE00"', '"\\ud800"', '"\\udc00\\ud800"', '"é"', '"😀"', '"\\u0000"', '"\\b\\f\\n\\r\\t\\"\\\\"') },
);

function objectText(entries: readonly (readonly [string, string])[], space: string): string {
  return `{${space}${entries.map(([k, v]) => `${k}${space}:${space}${v}`).join(`,${space}`)}${space}}`;
}

/** Keys for the inner dict of a " di" tag; the integer-like ones come first in a JS object. */
const DI_KEYS = ['a__', 'b__', '2__', 'x', '\u00e9__', '😀__', ' t__', '__', '_', '', 'a', '__proto____', ' d__'];
const DI_INDEX_KEYS = ['1', '10', '0__'];

/** A base64 text as Flask's bytes tag might hold it: standard, unpadded, URL-safe, with junk. */
const bytesTagText: fc.Arbitrary<string> = fc
  .tuple(fc.uint8Array({ maxLength: 12 }), fc.constantFrom('padded', 'unpadded', 'url-safe', 'junk', 'space', 'mid-pad', 'non-ascii'))
  .map(([bytes, form]) => {
    const padded = Buffer.from(bytes).toString('base64');
    switch (form) {
      case 'unpadded':
        return padded.replace(/=+$/, '');
      case 'url-safe':
        return Buffer.from(bytes).toString('base64url');
      case 'junk':
        return `!${padded.slice(0, 2)}*${padded.slice(2)}`;
      case 'space':
        return ` ${padded}\n`;
      case 'mid-pad':
        return `${padded.slice(0, 2)}=${padded.slice(2)}`;
      case 'non-ascii':
        return `${padded}\u00e9`;
      default:
        return padded;
    }
  })
  .map((text) => JSON.stringify(text));

const UUID_FORMS = ['hex', 'upper', 'dashed', 'braces', 'urn', 'uuid-prefix', 'short', 'long', 'dash-anywhere', 'braces-many'] as const;
/** Forms Python's UUID() reads through int(hex, 16), which signet does not (yet). */
const UUID_LENIENT_FORMS = ['underscore', 'space', 'plus', '0x', 'double-urn'] as const;

function uuidTagText(forms: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('hex')), fc.constantFrom(...forms))
    .map(([hex, form]) => {
      const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      switch (form) {
        case 'upper':
          return hex.toUpperCase();
        case 'dashed':
          return dashed;
        case 'braces':
          return `{${dashed}}`;
        case 'braces-many':
          return `{{${hex}}`;
        case 'urn':
          return `urn:uuid:${dashed}`;
        case 'double-urn':
          return `urn:urn:uuid:${hex}`;
        case 'uuid-prefix':
          return `uuid:${hex}`;
        case 'short':
          return hex.slice(1);
        case 'long':
          return hex + '0';
        case 'underscore':
          return `${hex.slice(0, 15)}_${hex.slice(16)}`;
        case 'space':
          return ` ${hex.slice(1)}`;
        case 'plus':
          return `+${hex.slice(1)}`;
        case '0x':
          return `0x${hex.slice(2)}`;
        case 'dash-anywhere':
          return `${hex.slice(0, 3)}-${hex.slice(3)}--`;
        default:
          return hex;
      }
    })
    .map((text) => JSON.stringify(text));
}

/** Date texts in Flask's own form, and RFC 2822 variants that signet reads as email.utils does. */
const dateTagStringCommon: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: pyDatetime.map((date) => date.toUTCString()) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        weekday: fc.constantFrom('Wed, ', 'Mon, ', ''),
        day: fc.oneof(fc.integer({ min: 1, max: 28 }).map(String), fc.constantFrom('01', '0', '29', '30', '31', '32')),
        month: fc.constantFrom('Oct', 'Feb', 'Xyz'),
        year: fc.oneof(
          fc.integer({ min: 0, max: 99 }).map((y) => String(y).padStart(2, '0')),
          fc.constantFrom('68', '69', '00', '99'), // where Python's two-digit years turn from 20xx to 19xx
          fc.integer({ min: 1000, max: 9999 }).map(String),
          fc.constantFrom('0000', '0068', '0069', '0099', '0100', '10000'),
        ),
        time: fc.constantFrom('07:28:00', '07:28', '23:59:59', '00:00:00', '24:00:00', '23:60:00', '23:59:60'),
        zone: fc.constantFrom('GMT', 'UTC', 'UT', 'Z', '+0000', '-0000', '+0100', '-0130', '+2359', '-2359', ''),
      })
      .map(({ weekday, day, month, year, time, zone }) => `${weekday}${day} ${month} ${year} ${time}${zone === '' ? '' : ' ' + zone}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'garbage', '2015-10-21T07:28:00Z') },
);

/** Date variants email.utils.parsedate_to_datetime reads and signet's parseHttpDate does not (yet). */
const dateTagStringLenient: fc.Arbitrary<string> = fc
  .record({
    weekday: fc.constantFrom('Wed, ', 'Wed,', 'wed, ', 'Wednesday, ', ''),
    day: fc.constantFrom('21', '1', '31'),
    month: fc.constantFrom('Oct', 'oct', 'OCT', 'October', 'Sept'),
    year: fc.constantFrom('2015', '15', '915', '1'),
    time: fc.constantFrom('07:28:00', '7:28:0', '07.28.00', '07:28:00.5'),
    zone: fc.constantFrom('GMT', 'gmt', 'EST', 'PDT', 'XYZ', '+2400', '+0060', '-0000'),
  })
  .map(({ weekday, day, month, year, time, zone }) => `${weekday}${day} ${month} ${year} ${time} ${zone}`);

export const dateTagString: fc.Arbitrary<string> = fc.oneof(dateTagStringCommon, dateTagStringLenient);

type CraftedTree = {
  value: string;
  array: string;
  object: string;
  tagged: string;
};

// Not " m": Flask reads {" m": x} as Markup(str(x)) for any x; signet refuses a
// non-string there on purpose (README, design notes), so plain objects do not get it.
const craftedKey: fc.Arbitrary<string> = fc.oneof(
  pyKey.filter((key) => key !== ' m').map((key) => JSON.stringify(key)),
  fc.constantFrom(...TAG_KEYS.filter((key) => key !== ' m'), ...TAG_LOOKALIKES).map((key) => JSON.stringify(key)),
);
/**
 * The JSON text of a session dict holding crafted values: odd numbers and escapes,
 * duplicate keys, tags holding values of every shape (over objects whose first key is
 * an array index, over other tagged values, lenient UUID and date texts, bytes in
 * " b"), and plain objects that happen to have one tag key. Left out: " m" over a
 * non-string, which signet refuses on purpose where Flask makes Markup(str(x)).
 */
export function craftedSessionJson(): fc.Arbitrary<string> {
  const key = craftedKey;
  const crafted = fc.letrec<CraftedTree>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
      { weight: 2, arbitrary: fc.constantFrom('null', 'true', 'false') },
      { weight: 3, arbitrary: jsonNumberText },
      { weight: 3, arbitrary: jsonStringText },
      { weight: 1, arbitrary: tie('array') },
      { weight: 1, arbitrary: tie('object') },
      { weight: 4, arbitrary: tie('tagged') },
    ),
    array: fc.tuple(fc.array(tie('value'), { maxLength: 4 }), jsonWs).map(([items, space]) => `[${space}${items.join(`,${space}`)}${space}]`),
    object: fc.tuple(fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }), jsonWs).map(([entries, space]) => objectText(entries, space)),
    tagged: fc.oneof(
      fc.oneof(tie('array'), jsonStringText, tie('object'), jsonNumberText, fc.constant('null'), tie('tagged')).map((v) => `{" t":${v}}`),
      fc
        .array(fc.tuple(fc.constantFrom(...DI_KEYS, ...DI_INDEX_KEYS).map((key) => JSON.stringify(key)), tie('value')), { minLength: 1, maxLength: 3 })
        .map((entries) => `{" di":${objectText(entries, '')}}`),
      fc.oneof(bytesTagText, bytesTagText.map((v) => `{" b":${v}}`)).map((v) => `{" b":${v}}`),
      jsonStringText.map((v) => `{" m":${v}}`),
      uuidTagText([...UUID_FORMS, ...UUID_LENIENT_FORMS]).map((v) => `{" u":${v}}`),
      dateTagString.map((v) => `{" d":${JSON.stringify(v)}}`),
    ),
  }));
  return fc.tuple(fc.array(fc.tuple(key, crafted.value), { minLength: 1, maxLength: 4 }), jsonWs).map(([entries, space]) => objectText(entries, space));
}
