/**
 * The `signet` command line as a user runs it: `node dist/src/cli.js` in its own
 * process. Every cookie it is given or expected to print comes from the real Flask
 * (test/support/flask-tools.ts), and every Python rendering it should show is Python's
 * own repr of what Flask reads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServerSessions } from 'signet-session';
import { LessonDatabase } from 'signet-lesson/server/database';
import { RedisStore } from 'signet-session/redis';
import { flaskLoad, flaskRepr, flaskSign, type FlaskSecret } from './support/flask-tools.js';
import { useRedisClient } from './support/redis-server.js';

const CLI = fileURLToPath(import.meta.resolve('signet-lesson/cli'));
const KEY_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const KEY: FlaskSecret = { hex: KEY_HEX };
const OTHER_KEY_HEX = '00112233445566778899aabbccddeeff';
const TS = 1700000000;
/** 1700000000 as an ISO date, worked out by hand: 19675 days and 80000 seconds after the epoch. */
const TS_ISO = '2023-11-14T22:13:20';

interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'signet-cli-')),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const now = (): number => Math.floor(Date.now() / 1000);

/** One base64url character of `text` at `at` replaced by another. */
function changeChar(text: string, at: number): string {
  const old = text[at];
  return text.slice(0, at) + (old === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

/** Base64url without padding, as itsdangerous writes it (written here without signet). */
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

const TYPED_SESSION = '{"hello": "World", "goodnight": "Moon", "t": {" t": [1, "a"]}, "u": {" u": "12345678123456781234567812345678"}, "m": {" m": "<b>x</b>"}, "b": {" b": "aGk="}, "q": "it\'s", "n": null, "ok": true, "l": [1, 2.5]}';

describe('signet decode', () => {
  it('says a server-side session id is a reference to data in the store, exiting 0', async () => {
    const value = `${Buffer.alloc(6, 1).toString('base64url')}.${Buffer.alloc(32, 2).toString('base64url')}`;
    const ran = await cli(['decode', `session=${value}.${'A'.repeat(27)}`]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^format: {4}reference\n {11}a server-side session id: the data is in the session store, not in the cookie\n/);
  });

  it('prints a Flask-signed cookie\'s payload as Python shows it, its signing time, and that it is unverified, exiting 0', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: TYPED_SESSION, ts: TS }]);
    const expectedRepr = flaskRepr(KEY, cookie);
    const ran = await cli(['decode', cookie]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stderr, '');
    const payloadLine = ran.stdout.split('\n').find((line) => line.startsWith('payload:'));
    assert.equal(payloadLine?.replace(/^payload:\s+/, ''), expectedRepr);
    assert.ok(ran.stdout.includes(TS_ISO), `the signing time ${TS_ISO} is shown:\n${ran.stdout}`);
    assert.ok(ran.stdout.includes(String(TS)), 'the Unix second is shown');
    assert.match(ran.stdout, /\bunverified\b|verified:\s*no\b/i, 'the output says nothing was verified');
    assert.ok(ran.stdout.includes(cookie.split('.').at(-1) ?? '-'), 'the signature is shown');
  });

  it('shows a datetime at midnight as Python\'s repr does (hour and minute kept)', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"d": {" d": "Wed, 21 Oct 2015 00:00:00 GMT"}, "d2": {" d": "Wed, 21 Oct 2015 07:28:00 GMT"}}', ts: TS }]);
    const expectedRepr = flaskRepr(KEY, cookie);
    assert.equal(expectedRepr, "{'d': datetime.datetime(2015, 10, 21, 0, 0, tzinfo=datetime.timezone.utc), 'd2': datetime.datetime(2015, 10, 21, 7, 28, tzinfo=datetime.timezone.utc)}");
    const ran = await cli(['decode', cookie]);
    assert.equal(ran.code, 0, ran.stderr);
    const payloadLine = ran.stdout.split('\n').find((line) => line.startsWith('payload:'));
    assert.equal(payloadLine?.replace(/^payload:\s+/, ''), expectedRepr);
  });

  it('reads the cookie from standard input when given -, with or without the "session=" prefix', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World", "goodnight": "Moon"}', ts: TS }]);
    const direct = await cli(['decode', cookie]);
    assert.equal(direct.code, 0);
    const piped = await cli(['decode', '-'], { input: `${cookie}\n` });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, direct.stdout);
    assert.ok(piped.stdout.includes(flaskRepr(KEY, cookie)));
    const prefixed = await cli(['decode', '-'], { input: `session=${cookie}\n` });
    assert.equal(prefixed.code, 0, prefixed.stderr);
    assert.equal(prefixed.stdout, direct.stdout);
  });

  it('prints valid JSON with --json: the payload, JSON-native values as they are and Python types as {"$type": ...}', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: TYPED_SESSION, ts: TS }]);
    const ran = await cli(['decode', '--json', cookie]);
    assert.equal(ran.code, 0, ran.stderr);
    const out = JSON.parse(ran.stdout) as { payload?: Record<string, unknown>; signedAt?: unknown; python?: unknown };
    assert.equal(out.signedAt, TS);
    assert.equal(out.python, flaskRepr(KEY, cookie));
    const payload = out.payload;
    assert.ok(payload !== undefined, 'the payload is there');
    assert.equal(payload['hello'], 'World');
    assert.equal(payload['goodnight'], 'Moon');
    assert.equal(payload['q'], "it's");
    assert.equal(payload['n'], null);
    assert.equal(payload['ok'], true);
    assert.deepEqual(payload['l'], [1, 2.5]);
    // The tagged values as the README documents them, written by hand: a tuple's items,
    // the UUID's dashed form, Markup's text, bytes in standard base64 (b'hi' is aGk=).
    const typed: Record<string, [RegExp, unknown]> = {
      t: [/tuple/i, [1, 'a']],
      u: [/uuid/i, '12345678-1234-5678-1234-567812345678'],
      m: [/markup/i, '<b>x</b>'],
      b: [/bytes/i, 'aGk='],
    };
    for (const [key, [type, expected]] of Object.entries(typed)) {
      const value = payload[key] as { $type?: unknown; value?: unknown } | undefined;
      assert.equal(typeof value, 'object', `${key} is tagged`);
      assert.match(String(value?.$type), type, `${key}'s $type`);
      assert.deepEqual(value?.value, expected, `${key}'s value`);
    }
  });

  it('keeps with --json the exact digits of an int beyond 2^53 (not a rounded JSON number)', async () => {
    const digits = '123456789012345678901234567890';
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: `{"big": ${digits}}`, ts: TS }]);
    const ran = await cli(['decode', '--json', cookie]);
    assert.equal(ran.code, 0, ran.stderr);
    const payload = (JSON.parse(ran.stdout) as { payload: Record<string, unknown> }).payload;
    const big = payload['big'];
    // Either an exact {"$type": ...} value or, if a number, one that JSON.parse reads back exactly (it cannot here).
    assert.equal(typeof big, 'object', `the int comes out as ${JSON.stringify(big)}, which is ${String(big)} and not ${digits}`);
    assert.ok(JSON.stringify(big).includes(digits), JSON.stringify(big));
  });

  it('keeps with --json a whole float apart from an int (1.0 and -0.0 are not 1 and 0)', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"f": 1.0, "z": -0.0, "i": 1}', ts: TS }]);
    assert.equal(flaskRepr(KEY, cookie), "{'f': 1.0, 'i': 1, 'z': -0.0}");
    const ran = await cli(['decode', '--json', cookie]);
    assert.equal(ran.code, 0, ran.stderr);
    const payload = (JSON.parse(ran.stdout) as { payload: Record<string, unknown> }).payload;
    assert.equal(payload['i'], 1);
    assert.notDeepEqual(payload['f'], payload['i'], `the float 1.0 comes out as ${JSON.stringify(payload['f'])}, the same as the int 1`);
    assert.notDeepEqual(payload['z'], 0, `the float -0.0 comes out as ${JSON.stringify(payload['z'])}`);
  });

  it('prints valid JSON with --json for a session holding NaN and infinities (Flask signs them)', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World", "n": NaN, "inf": Infinity, "ninf": -Infinity}', ts: TS }]);
    assert.equal(flaskRepr(KEY, cookie), "{'hello': 'World', 'inf': inf, 'n': nan, 'ninf': -inf}");
    const ran = await cli(['decode', '--json', cookie]);
    assert.equal(ran.stderr, '');
    assert.equal(ran.code, 0);
    const payload = (JSON.parse(ran.stdout) as { payload: Record<string, unknown> }).payload;
    assert.equal(payload['hello'], 'World');
    for (const key of ['n', 'inf', 'ninf']) assert.ok(key in payload, `${key} is kept`);
  });

  it('says why it cannot read something that is not a cookie, on stderr, exiting non-zero', async () => {
    const ran = await cli(['decode', 'no-dots-here']);
    assert.notEqual(ran.code, 0);
    assert.match(ran.stderr, /format/);
  });
});

describe('signet verify', () => {
  it('exits 0 for a cookie Flask signed with the key just now', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World", "goodnight": "Moon"}', ts: now() }]);
    const ran = await cli(['verify', cookie, '--secret', `hex:${KEY_HEX}`]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stderr, '');
    assert.match(ran.stdout, /verified:\s*yes/);
    assert.ok(ran.stdout.includes("{'goodnight': 'Moon', 'hello': 'World'}"));
  });

  it('exits 1 naming the signature check for a tampered cookie, a forged payload with the old signature, and a wrong key', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World", "goodnight": "Moon"}', ts: now() }]);
    const [payload = '', ts = '', signature = ''] = cookie.split('.');
    const forged = `${b64url('{"goodnight":"Moon","hello":"Hacker"}')}.${ts}.${signature}`;
    const cases: [string, string, string][] = [
      ['a character of the payload changed', `${changeChar(payload, 5)}.${ts}.${signature}`, `hex:${KEY_HEX}`],
      ['a character of the signature changed', `${payload}.${ts}.${changeChar(signature, 3)}`, `hex:${KEY_HEX}`],
      ['a forged payload', forged, `hex:${KEY_HEX}`],
      ['the wrong key', cookie, `hex:${OTHER_KEY_HEX}`],
    ];
    // Flask refuses each of them too.
    const verdicts = flaskLoad(cases.map(([, value, secret]) => ({ secret: { hex: secret.slice(4) }, cookie: value })));
    for (const [i, [what, value, secret]] of cases.entries()) {
      assert.equal(verdicts[i]?.ok, false, `Flask refuses ${what}`);
      const ran = await cli(['verify', value, '--secret', secret]);
      assert.equal(ran.code, 1, `${what}: exit code`);
      assert.match(ran.stderr, /signature/, `${what}: stderr names the signature: ${ran.stderr}`);
      assert.match(ran.stdout, /verified:\s*no/, what);
    }
  });

  it('exits 1 naming the age for a cookie older than --max-age, and 0 for one within it', async () => {
    const signedAt = now() - 100;
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World"}', ts: signedAt }]);
    const expired = await cli(['verify', cookie, '--secret', `hex:${KEY_HEX}`, '--max-age', '10']);
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /expired|age/);
    const fresh = await cli(['verify', cookie, '--secret', `hex:${KEY_HEX}`, '--max-age', '100000']);
    assert.equal(fresh.code, 0, fresh.stderr);
    // Flask's own verdicts at the same second, as a cross-check of the cookie itself.
    const [flaskOld, flaskFresh] = flaskLoad([
      { secret: KEY, cookie, now: signedAt + 100, maxAge: 10 },
      { secret: KEY, cookie, now: signedAt + 100, maxAge: 100000 },
    ]);
    assert.deepEqual([flaskOld?.ok, flaskFresh?.ok], [false, true]);
  });

  it('exits 1 for a cookie past Flask\'s default 31 days when no --max-age is given', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World"}', ts: now() - 31 * 24 * 3600 - 60 }]);
    const ran = await cli(['verify', cookie, '--secret', `hex:${KEY_HEX}`]);
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /expired|age/);
  });

  it('reads the cookie from standard input with -', async () => {
    const [cookie = ''] = flaskSign([{ secret: KEY, tagged: '{"hello": "World"}', ts: now() }]);
    const ran = await cli(['verify', '-', '--secret', `hex:${KEY_HEX}`], { input: `${cookie}\n` });
    assert.equal(ran.code, 0, ran.stderr);
  });
});

describe('signet sign', () => {
  it('prints exactly the cookie the real Flask signs for the same data, key and second', async () => {
    const session = '{"hello": "World", "goodnight": "Moon"}';
    const [expected] = flaskSign([{ secret: KEY, tagged: session, ts: TS }]);
    const ran = await cli(['sign', '--secret', `hex:${KEY_HEX}`, '--json', session, '--timestamp', String(TS)]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, `${expected ?? '-'}\n`);
  });

  it('reads Flask\'s tags in --json as Python types, giving Flask\'s bytes, and Flask reads a tuple back', async () => {
    const session = '{"v": {" t": [1, 2]}, "u": {" u": "12345678123456781234567812345678"}, "f": 1.0, "big": 123456789012345678901234567890, "d": {" d": "Wed, 21 Oct 2015 07:28:00 GMT"}}';
    const [expected = ''] = flaskSign([{ secret: KEY, tagged: session, ts: TS }]);
    const ran = await cli(['sign', '--secret', `hex:${KEY_HEX}`, '--json', session, '--timestamp', String(TS)]);
    assert.equal(ran.code, 0, ran.stderr);
    const cookie = ran.stdout.trim();
    assert.equal(cookie, expected);
    assert.equal(
      flaskRepr(KEY, cookie),
      "{'big': 123456789012345678901234567890, 'd': datetime.datetime(2015, 10, 21, 7, 28, tzinfo=datetime.timezone.utc), 'f': 1.0, 'u': UUID('12345678-1234-5678-1234-567812345678'), 'v': (1, 2)}",
    );
  });

  it('takes text and base64: secrets as Flask takes the same key', async () => {
    const session = '{"hello": "World"}';
    const [byText, byBytes] = flaskSign([
      { secret: { text: 'a text secret, café' }, tagged: session, ts: TS },
      { secret: KEY, tagged: session, ts: TS },
    ]);
    const text = await cli(['sign', '--secret', 'a text secret, café', '--json', session, '--timestamp', String(TS)]);
    assert.equal(text.stdout.trim(), byText);
    const standard = await cli(['sign', '--secret', `base64:${Buffer.from(KEY_HEX, 'hex').toString('base64')}`, '--json', session, '--timestamp', String(TS)]);
    assert.equal(standard.stdout.trim(), byBytes);
    const urlSafe = await cli(['sign', '--secret', `base64:${Buffer.from(KEY_HEX, 'hex').toString('base64url')}`, '--json', session, '--timestamp', String(TS)]);
    assert.equal(urlSafe.stdout.trim(), byBytes);
  });

  it('signs at the current second without --timestamp, and that cookie verifies', async () => {
    const before = now();
    const ran = await cli(['sign', '--secret', `hex:${KEY_HEX}`, '--json', '{"hello": "World"}']);
    const after = now();
    assert.equal(ran.code, 0, ran.stderr);
    const cookie = ran.stdout.trim();
    const [verdict] = flaskLoad([{ secret: KEY, cookie, now: after, maxAge: after - before + 1 }]);
    assert.deepEqual(verdict, { ok: true, repr: "{'hello': 'World'}" });
  });
});

describe('signet genkey', () => {
  it('prints hex: and 64 hex digits, a different key each run, that sign and verify (and Flask) accept', async () => {
    const first = await cli(['genkey']);
    const second = await cli(['genkey']);
    assert.equal(first.code, 0);
    assert.equal(second.code, 0);
    assert.match(first.stdout, /^hex:[0-9a-f]{64}\n$/);
    assert.match(second.stdout, /^hex:[0-9a-f]{64}\n$/);
    assert.notEqual(first.stdout, second.stdout);
    const key = first.stdout.trim();
    const signed = await cli(['sign', '--secret', key, '--json', '{"hello": "World"}']);
    assert.equal(signed.code, 0, signed.stderr);
    const cookie = signed.stdout.trim();
    const verified = await cli(['verify', cookie, '--secret', key]);
    assert.equal(verified.code, 0, verified.stderr);
    const otherKey = await cli(['verify', cookie, '--secret', second.stdout.trim()]);
    assert.equal(otherKey.code, 1);
    assert.equal(flaskRepr({ hex: key.slice(4) }, cookie), "{'hello': 'World'}");
  });
});

describe('signet sessions', () => {
  const redis = useRedisClient();
  const url = (): string => redis().options.url ?? '';

  /** A logged-in session saved through a Redis store, as the lesson server would: its cookie value and listed id. */
  async function login(user: string, userAgent: string): Promise<{ cookie: string; id: string }> {
    const sessions = new ServerSessions({ secret: 'the cli suite secret, 32 bytes or more', store: new RedisStore(redis()) });
    const { session, loaded } = await sessions.open(undefined);
    session.set('_user_id', user);
    const cookie = ((await sessions.save(session, loaded, { userAgent })).setCookie ?? '').split(';')[0]?.slice('session='.length) ?? '';
    return { cookie, id: (await sessions.open(cookie)).session.id ?? '' };
  }

  it("lists a user's sessions in Redis at REDIS_URL, with their ids, times and user agents", async () => {
    await redis().flushAll();
    const phone = await login('ada', 'Phone/1.0 (the CLI test)');
    const laptop = await login('ada', 'Laptop/2.0');
    await login('grace', 'Elsewhere/3.0');
    const ran = await cli(['sessions', 'list', '--user', 'ada'], { env: { REDIS_URL: url() } });
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^user "ada": 2 sessions\n/);
    assert.match(ran.stdout, new RegExp(`  ${phone.id}  created \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z?.*Phone/1\\.0 \\(the CLI test\\)`));
    assert.ok(ran.stdout.includes(laptop.id) && !ran.stdout.includes('Elsewhere'));
    const json = await cli(['sessions', 'list', '--user', 'ada', '--json'], { env: { REDIS_URL: url() } });
    const listed = JSON.parse(json.stdout) as Array<{ id: string; userAgent: string }>;
    assert.deepEqual(listed.map((entry) => entry.id).sort(), [phone.id, laptop.id].sort());
  });

  it('ends one session with --session, and every one of the user\'s without it', async () => {
    await redis().flushAll();
    const phone = await login('ada', 'Phone/1.0');
    const laptop = await login('ada', 'Laptop/2.0');
    const grace = await login('grace', 'Elsewhere/3.0');
    const store = new RedisStore(redis());
    const one = await cli(['sessions', 'revoke', '--user', 'ada', '--session', phone.id], { env: { REDIS_URL: url() } });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual((await store.sessionsOf('ada')).map((entry) => entry.id), [laptop.id]);
    const again = await cli(['sessions', 'revoke', '--user', 'ada', '--session', phone.id], { env: { REDIS_URL: url() } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has no session/);
    const other = await cli(['sessions', 'revoke', '--user', 'ada', '--session', grace.id], { env: { REDIS_URL: url() } });
    assert.equal(other.code, 1, "another user's session is not this user's to end");
    const all = await cli(['sessions', 'revoke', '--user', 'ada'], { env: { REDIS_URL: url() } });
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /generation 1\): 1 listed session deleted/);
    assert.deepEqual(await store.sessionsOf('ada'), []);
    assert.equal(await store.generation('ada'), 1);
    assert.equal((await store.sessionsOf('grace')).length, 1, "grace's session stays");
  });

  it('says which REDIS_URL it could not reach (exit 1), and what is missing from a command (exit 2)', async () => {
    const unreachable = await cli(['sessions', 'list', '--user', 'ada'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^signet: REDIS_URL is unreachable: redis:\/\/127\.0\.0\.1:1 \(/);
    const bad = await cli(['sessions', 'list', '--user', 'ada'], { env: { REDIS_URL: 'http://x' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /REDIS_URL is invalid: "http:\/\/x"/);
    const noUser = await cli(['sessions', 'list']);
    assert.equal(noUser.code, 2);
    assert.match(noUser.stderr, /sessions list needs --user ID/);
    const noAction = await cli(['sessions', 'show', '--user', 'a']);
    assert.match(noAction.stderr, /sessions takes list or revoke/);
  });
});

describe('signet users', () => {
  it("makes a lessons user an admin in DATABASE_PATH, and says when there is no such user", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-cli-db-'));
    const path = join(dir, 'lesson.sqlite3');
    const database = new LessonDatabase(path);
    database.createUser('ada', 'scrypt$not-a-real-hash', 0);
    database.close();
    const made = await cli(['users', 'admin', 'ada'], { env: { DATABASE_PATH: path } });
    assert.equal(made.code, 0, made.stderr);
    assert.equal(new LessonDatabase(path).userByName('ada')?.isAdmin, true);
    const undone = await cli(['users', 'admin', 'ada', '--revoke'], { env: { DATABASE_PATH: path } });
    assert.equal(undone.code, 0, undone.stderr);
    assert.equal(new LessonDatabase(path).userByName('ada')?.isAdmin, false);
    const nobody = await cli(['users', 'admin', 'nobody'], { env: { DATABASE_PATH: path } });
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /no user "nobody"/);
  });
});

describe('signet errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate'], /frobnicate/],
    ['sign without --secret', ['sign', '--json', '{}'], /--secret/],
    ['verify without --secret', ['verify', 'a.b.c'], /--secret/],
    ['sign without --json', ['sign', '--secret', 'k'], /--json/],
    ['--json that is not JSON', ['sign', '--secret', 'k', '--json', '{hello'], /--json/],
    ['--json that is not an object', ['sign', '--secret', 'k', '--json', '[1, 2]'], /--json/],
    ['a hex: secret with a non-hex digit', ['sign', '--secret', 'hex:zz', '--json', '{}'], /--secret/],
    ['a hex: secret with an odd number of digits', ['verify', 'a.b.c', '--secret', 'hex:abc'], /--secret/],
    ['an empty secret', ['sign', '--secret', '', '--json', '{}'], /--secret/],
    ['a base64: secret that is not base64', ['sign', '--secret', 'base64:!!', '--json', '{}'], /--secret/],
    ['a --max-age that is not a number', ['verify', 'a.b.c', '--secret', 'k', '--max-age', 'soon'], /--max-age/],
    ['a fractional --max-age', ['verify', 'a.b.c', '--secret', 'k', '--max-age', '1.5'], /--max-age/],
    ['a negative --max-age', ['verify', 'a.b.c', '--secret', 'k', '--max-age=-5'], /--max-age/],
    ['a negative --max-age given apart', ['verify', 'a.b.c', '--secret', 'k', '--max-age', '-1'], /^signet: --max-age is invalid: "-1" \(give whole seconds\)\n/],
    ['a negative --timestamp given apart', ['sign', '--secret', 'k', '--json', '{}', '--timestamp', '-5'], /^signet: --timestamp is invalid: "-5" \(give Unix seconds\)\n/],
    ['an option where a value should be', ['verify', 'a.b.c', '--secret', '--json'], /--secret/],
    ['a secret with a space at its end', ['sign', '--secret', 'k ', '--json', '{}'], /^signet: --secret is invalid: a 2-character value \(remove the whitespace at its end/],
    ['a --timestamp that is not a number', ['sign', '--secret', 'k', '--json', '{}', '--timestamp', 'now'], /--timestamp/],
    ['decode without a cookie', ['decode'], /cookie/],
    ['an unknown option', ['decode', 'a.b.c', '--secret', 'k'], /--secret|secret/],
  ];
  for (const [what, args, names] of cases) {
    it(`reports ${what} on stderr with a non-zero exit and nothing on stdout`, async () => {
      const ran = await cli(args);
      assert.ok(ran.code !== null && ran.code !== 0, `exit code ${String(ran.code)}`);
      assert.equal(ran.stdout, '');
      assert.match(ran.stderr, /^signet: /);
      assert.match(ran.stderr, names);
    });
  }

  it('prints the usage on stderr and exits 2 when given nothing, as for any other mistake', async () => {
    const ran = await cli([]);
    assert.equal(ran.code, 2);
    assert.equal(ran.stdout, '');
    assert.match(ran.stderr, /^signet: Flask session cookies from the command line\n[^]*signet decode <cookie\|->/);
  });

  for (const help of ['help', '--help', '-h']) {
    it(`prints the usage on stdout and exits 0 for ${help}`, async () => {
      const ran = await cli([help]);
      assert.equal(ran.code, 0);
      assert.equal(ran.stderr, '');
      assert.match(ran.stdout, /^signet: Flask session cookies from the command line\n[^]*signet genkey/);
    });
  }

  it('takes a secret that starts with a dash, given apart from --secret', async () => {
    const ran = await cli(['sign', '--secret', '-dash-key', '--json', '{"a": 1}', '--timestamp', String(TS)]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(flaskRepr({ text: '-dash-key' }, ran.stdout.trim()), "{'a': 1}");
  });

  it('never echoes a bad secret back', async () => {
    const secret = 'hex:0123456789abcdefXYZ0123456789abcdef';
    const ran = await cli(['sign', '--secret', secret, '--json', '{}']);
    assert.notEqual(ran.code, 0);
    assert.ok(!ran.stderr.includes('0123456789abcdef'), ran.stderr);
  });
});

describe('signet serve', () => {
  it('runs the lesson server from the environment and stops with exit 0 on Ctrl-C', async () => {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: mkdtempSync(join(tmpdir(), 'signet-cli-serve-')),
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SECRET_KEY: `hex:${KEY_HEX}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
          if (match) resolve(Number(match[1]));
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then((code) => { reject(new Error(`exited ${String(code)} before listening:\n${output}`)); });
      });
      const answer = await get(port, '/sessions/hello');
      assert.equal(answer.status, 200);
      const session = answer.setCookie.find((c) => c.startsWith('session='));
      assert.ok(session !== undefined);
      assert.equal(flaskRepr(KEY, session.slice('session='.length, session.indexOf(';'))), "{'goodnight': 'Moon', 'hello': 'World'}");
      const page = await get(port, '/');
      assert.equal(page.status, 200);
      assert.match(page.contentType ?? '', /^text\/html/);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.match(output, /stopped/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

function get(port: number, path: string): Promise<{ status: number; setCookie: string[]; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], contentType: res.headers['content-type'] });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
