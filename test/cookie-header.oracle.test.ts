/**
 * Cookie and Set-Cookie headers against Werkzeug 2.2 itself (Debian's python3-werkzeug,
 * run by /usr/bin/python3): random Cookie headers built from the pieces that trip
 * parsers must read as `werkzeug.http.parse_cookie` reads them, and `serializeSetCookie`
 * must write what `werkzeug.http.dump_cookie` writes.
 *
 * Python runs as one long-lived process answering JSON lines, so fast-check can shrink
 * a failure against the oracle.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { firstCookieValues, parseCookieHeader, readCookies, serializeSetCookie } from 'signet-session/core/cookie-header';

const PYTHON = '/usr/bin/python3';
const ORACLE = String.raw`
import json, sys
from flask import Flask
from flask.sessions import SecureCookieSession
from werkzeug.http import dump_cookie, parse_cookie

app = Flask('oracle')
app.secret_key = b'?w\x85Z\x08Q\xbdO\xb8\xa9\xb65Kj\xa9_'

def flask_delete_cookie():
    # Flask's own save_session for a session the app emptied.
    with app.test_request_context('/'):
        session = SecureCookieSession({'hello': 'World'})
        session.clear()
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        return response.headers.getlist('Set-Cookie')

for line in sys.stdin:
    request = json.loads(line)
    op = request['op']
    if op == 'parse':
        # As a WSGI server hands it over: the header's bytes as a latin1 str.
        cookies = parse_cookie(bytes.fromhex(request['hex']).decode('latin1'))
        answer = [[name, cookies[name]] for name in cookies]
    elif op == 'dump':
        answer = dump_cookie(request['name'], request['value'], path='/')
    elif op == 'delete':
        answer = flask_delete_cookie()
    else:
        raise ValueError(op)
    sys.stdout.write(json.dumps(answer) + '\n')
    sys.stdout.flush()
`;

const RUNS = 1500;
const DUMP_RUNS = 1000;

let python: ChildProcessWithoutNullStreams | undefined;
let exited: Promise<unknown> = Promise.resolve();
let pending: Array<(line: string) => void> = [];
let stderr = '';
let cases = 0;

function ask(request: Record<string, string>): Promise<unknown> {
  const child = python;
  assert.ok(child !== undefined, 'the Python oracle is running');
  return new Promise((resolve) => {
    pending.push((line) => {
      resolve(JSON.parse(line));
    });
    child.stdin.write(JSON.stringify(request) + '\n');
  });
}

/** One char per byte (latin1), as Node hands a request header to the server. */
const hexOf = (header: string): string => Buffer.from(header, 'latin1').toString('hex');

before(() => {
  const child = spawn(PYTHON, ['-c', ORACLE], { stdio: ['pipe', 'pipe', 'pipe'] });
  python = child;
  exited = new Promise((resolve) => child.once('exit', resolve));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.once('exit', (code) => {
    const waiting = pending;
    pending = [];
    for (const resolve of waiting) resolve(JSON.stringify({ oracleExited: code, stderr }));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const next = pending.shift();
    if (next !== undefined) next(line);
  });
});

after(async () => {
  if (python !== undefined && python.exitCode === null) {
    python.stdin.end();
    await exited;
  }
  console.log(`cookie-header.oracle: ${String(cases)} property cases checked against Werkzeug`);
});

// ---------------------------------------------------------------------------
// Cookie headers, from pieces (each char one byte)

const byteChar = (byte: number): string => String.fromCharCode(byte);

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'mouse', 'session', 'flag', 'x y', 'A1', 'Z') },
  { weight: 5, arbitrary: fc.constantFrom('=', ';', '; ', '==') },
  { weight: 3, arbitrary: fc.constantFrom(' ', '  ', '\t', ' \t ') },
  { weight: 4, arbitrary: fc.constantFrom('"', '\\', '\\"', '\\\\', '""', '"a"') },
  { weight: 3, arbitrary: fc.constantFrom('\\073', '\\054', '\\000', '\\377', '\\351', '\\400', '\\12', '\\7', '\\8', '\\0739') },
  { weight: 3, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map(byteChar) },
  {
    weight: 2,
    // UTF-8, valid and not: é, €, 😀, a cut-off €, an encoded surrogate, an overlong '/', beyond U+10FFFF.
    arbitrary: fc.constantFrom('\xc3\xa9', '\xe2\x82\xac', '\xf0\x9f\x98\x80', '\xe2\x82', '\xed\xa0\x80', '\xc0\xaf', '\xf4\x90\x80\x80', '\xef\xbb\xbf'),
  },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\v', '\f', '\x00', '\x7f', ',', '%41', '+') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 4 }) },
);

const fromPieces = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));

// Well-formed-looking pairs too, so that long headers of many cookies are covered.
const pairName = fc.oneof(fc.constantFrom('a', 'mouse', 'session', 'flag', ''), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }));
const pairValue = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 10 }),
  fc.array(piece, { maxLength: 6 }).map((pieces) => `"${pieces.join('')}"`),
  fc.string({ unit: 'binary', maxLength: 6 }).map((text) => Buffer.from(text, 'utf8').toString('latin1')),
);
const pairs = fc
  .array(fc.tuple(pairName, fc.option(pairValue, { nil: undefined }), fc.constantFrom('; ', ';', ' ; ', ';\t')), { maxLength: 8 })
  .map((list) => list.map(([name, value, separator]) => (value === undefined ? name : `${name}=${value}`) + separator).join(''));

// What browsers send: printable ASCII pairs joined by "; " (the parser's fast path).
const printable = (exclude: string): fc.Arbitrary<string> =>
  fc.constantFrom(...Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => !exclude.includes(c)));
const browserLike = fc
  .array(
    fc.tuple(fc.string({ unit: printable(';="\\'), minLength: 1, maxLength: 8 }), fc.option(fc.string({ unit: printable(';"\\'), maxLength: 12 }), { nil: undefined })),
    { maxLength: 6 },
  )
  .map((list) => list.map(([name, value]) => (value === undefined ? name : `${name}=${value}`)).join('; '));

const cookieHeader = fc.oneof(fromPieces, pairs, browserLike);

describe('parseCookieHeader reads Cookie headers as Werkzeug 2.2 does', () => {
  it('gives the names and first values, in order, that werkzeug.http.parse_cookie gives, for random headers', async () => {
    await fc.assert(
      fc.asyncProperty(cookieHeader, async (header) => {
        const expected = await ask({ op: 'parse', hex: hexOf(header) });
        const actual = [...firstCookieValues(parseCookieHeader(header))];
        cases++;
        assert.deepEqual(actual, expected, `Cookie header bytes ${hexOf(header)}`);
        // readCookies remembers readings: asked twice (the second time from a copy of
        // the header, as the next request brings it), it gives the same answer.
        assert.deepEqual([...readCookies(header)], expected);
        assert.deepEqual([...readCookies(Buffer.from(header, 'latin1').toString('latin1'))], expected);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });

  it('agrees with Werkzeug on hand-picked headers', async () => {
    const headers = [
      '',
      'a=1',
      'mouse=a; mouse=b',
      'a="x\\073y"',
      'a="with space"',
      'flag',
      ' ; =; a ;b = 2 ;',
      'a="\\"; b=2',
      'a="unterminated; b=2',
      'a=b=c',
      `x=${Buffer.from('café', 'utf8').toString('latin1')}`,
      'x=\xff\xfe',
      'a="\\\\073"',
      'a="\\0739"',
      'a="\\\n"',
      'a=1\nb=2; c=3',
      'a="x\ny"; b=2',
      // A UTF-8 byte order mark leading a value or a name: Python keeps it as U+FEFF.
      'a=\xef\xbb\xbf',
      'a=\xef\xbb\xbfx; b=\xef\xbb\xbf\xef\xbb\xbf',
      '\xef\xbb\xbfa=1',
      'a="\\357\\273\\277"',
      // Long runs that a backtracking regex takes quadratic time over.
      `a=b${' '.repeat(3000)}x`,
      `a=b${' '.repeat(3000)}x; c=d`,
      `${' '.repeat(3000)}a ${' '.repeat(3000)}=1`,
      `a="${'\\"'.repeat(1000)}" ; b=2`,
      `${'="'.repeat(1500)}\nz=1`,
      `${'a=b;'.repeat(1000)}c=\nd`,
    ];
    const expected: unknown[] = [];
    const actual: unknown[] = [];
    for (const header of headers) {
      expected.push({ header, cookies: await ask({ op: 'parse', hex: hexOf(header) }) });
      actual.push({ header, cookies: [...firstCookieValues(parseCookieHeader(header))] });
      cases++;
    }
    assert.deepEqual(actual, expected);
  });
});

// ---------------------------------------------------------------------------
// Set-Cookie

const tokenName = fc.oneof(
  fc.constantFrom('session', 'mouse', 'a', 'A-b_c.d', "x!#$%&'*+^`|~"),
  fc.string({ unit: fc.constantFrom(...'abcxyzABC019-_.!#$%&\'*+^`|~'.split('')), minLength: 1, maxLength: 8 }),
);
const valueUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'aZ09/=!#$%&\'*+-.^_`|~:'.split('')) },
  { weight: 4, arbitrary: fc.constantFrom(' ', '"', '\\', ',', ';', '(', ')', '<', '>', '?', '@', '[', ']', '{', '}', '\t', '\x7f', '\x00', '\n') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('é', '😀', '\u2028', '\uffff', 'ÿ') },
);
const cookieValue = fc.string({ unit: valueUnit, maxLength: 24 });

describe('serializeSetCookie writes Set-Cookie headers as Werkzeug 2.2 does', () => {
  it('equals dump_cookie(name, value, path="/") for random names and values', async () => {
    await fc.assert(
      fc.asyncProperty(tokenName, cookieValue, async (name, value) => {
        const expected = await ask({ op: 'dump', name, value });
        cases++;
        assert.equal(serializeSetCookie(name, value, { path: '/' }), expected);
      }),
      { numRuns: DUMP_RUNS, includeErrorInReport: true },
    );
  });

  it("equals Flask's header for deleting an emptied session", async () => {
    const expected = await ask({ op: 'delete' });
    cases++;
    assert.deepEqual(expected, ['session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/']);
    assert.deepEqual([serializeSetCookie('session', '', { expires: 0, maxAge: 0, httpOnly: true, path: '/' })], expected);
  });
});
