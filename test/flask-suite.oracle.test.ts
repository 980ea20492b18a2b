/**
 * Flask's own test suite, mirrored: every session, cookie and flash test in pallets/flask
 * `tests/test_basic.py`, and every test in `tests/test_json_tag.py`, asked of the real
 * Flask and of signet with the same requests at the same seconds. docs/flask-fidelity.md
 * lists each test of those files with where it is covered, or why signet differs.
 *
 * Flask runs as Debian's Flask 2.2.2 (/usr/bin/python3) and, where Flask 3.1 behaves
 * otherwise (SECRET_KEY_FALLBACKS, Partitioned, `session.accessed` kept by the request
 * context, the leading dot of a Domain), also as the Flask 3.1.3 / Werkzeug 3.1.8 of the
 * `python3` on PATH. Each request goes through a fresh Flask app and its test client
 * (test/oracle/flask_oracle.py `op_requests`) and through signet's engine
 * (test/support/signet-requests.ts); every expected header, value and flag comes from
 * Flask.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import {
  CookieSessions,
  FLASK_COOKIE,
  FlaskSessionCodec,
  Markup,
  Session,
  Tuple,
  dumpTaggedJson,
  loadTaggedJson,
  type CookieOptions,
  type SessionOptions,
} from 'signet-session';
import { TAGS } from 'signet-session/core/tagged-json';
import { signetSession } from 'signet-session/fastify';
import { FlaskOracle, findFlask31Python, oracleSecret, type FlaskAnswer, type FlaskAppSpec, type FlaskRequest, type RequestStep } from './support/flask-oracle.js';
import { SignetApp, keptCookie, type SignetAnswer } from './support/signet-requests.js';
import { fromTransport, toTransport, type Transport } from './support/transport.js';

const NOW = 1_700_000_000;
const SECRET = 'the flask-suite test secret, 32 bytes+';
const FLASK_APP: FlaskAppSpec = { secret: oracleSecret(SECRET) };
const QUIET = (): void => {};

const T = {
  none: { none: null } as Transport,
  str: (s: string): Transport => ({ str: s }),
  int: (n: number): Transport => ({ int: String(n) }),
  bool: (b: boolean): Transport => ({ bool: b }),
  markup: (s: string): Transport => ({ markup: s }),
  bytes: (b: Uint8Array): Transport => ({ bytes: Buffer.from(b).toString('base64') }),
  uuid: (hex: string): Transport => ({ uuid: hex }),
  datetime: (seconds: number): Transport => ({ datetime: seconds }),
  tuple: (...items: Transport[]): Transport => ({ tuple: items }),
  list: (...items: Transport[]): Transport => ({ list: items }),
  dict: (...entries: [string, Transport][]): Transport => ({ dict: entries }),
};

/** signet in Flask's configuration (Flask's cookie attributes, the signed format). */
function signetOptions(cookie: CookieOptions = {}, options: Partial<SessionOptions> = {}): Omit<SessionOptions, 'clock'> {
  return { secret: SECRET, format: 'flask', warn: QUIET, ...options, cookie: { ...FLASK_COOKIE, ...cookie } };
}

let flask22: FlaskOracle;
let flask31: FlaskOracle | undefined;
const found31 = findFlask31Python();
/** Options of the tests that need Flask 3.1: none. Every machine of this kind has it (the
 * first python3 on PATH), so where it is missing those tests fail, saying why: nothing is skipped. */
const needs31 = {};

before(async () => {
  flask22 = await FlaskOracle.start();
  assert.equal((await flask22.versions()).flask, '2.2.2', 'the Debian oracle is Flask 2.2.2');
  assert.ok(found31.python !== undefined, `Flask 3.1 is the second oracle: ${found31.python === undefined ? found31.reason : ''}`);
  {
    flask31 = await FlaskOracle.start({ python: found31.python });
    const versions = await flask31.versions();
    assert.match(versions.flask, /^3\.1\./);
    assert.match(versions.werkzeug, /^3\.1\./);
  }
});
after(async () => {
  await flask22.close();
  await flask31?.close();
});

/** The Flask 3.1 oracle, in a test that declared `needs31`. */
function oracle31(): FlaskOracle {
  assert.ok(flask31 !== undefined, 'Flask 3.1 is running');
  return flask31;
}

/** One request of a conversation; `signetSteps` replaces the view's steps on signet's side. */
type Visit = Omit<FlaskRequest, 'cookie' | 'now'> & { readonly now?: number; readonly signetSteps?: readonly RequestStep[] };

interface Conversation {
  readonly flask: FlaskAnswer[];
  readonly signet: SignetAnswer[];
}

/**
 * The same visits, in order, to a Flask app and to a signet app, each side keeping the
 * session cookie its own answers set (as a browser would). Visits are a second apart
 * unless they say when.
 */
async function converse(oracle: FlaskOracle, app: FlaskAppSpec, signet: SignetApp, visits: readonly Visit[], start?: { readonly flask?: string | undefined; readonly signet?: string | undefined }): Promise<Conversation> {
  let flaskCookie = start?.flask;
  let signetCookie = start?.signet;
  const out: Conversation = { flask: [], signet: [] };
  for (const [i, visit] of visits.entries()) {
    const { signetSteps, ...request } = visit;
    const now = visit.now ?? NOW + i;
    const [answer] = await oracle.requests(app, [{ ...request, now, ...(flaskCookie === undefined ? {} : { cookie: flaskCookie }) }]);
    assert.ok(answer !== undefined && answer.raised === undefined, `Flask raised: ${JSON.stringify(answer?.raised)}`);
    const ours = signet.answer({ ...request, now, ...(signetSteps === undefined ? {} : { steps: signetSteps }), ...(signetCookie === undefined ? {} : { cookie: signetCookie }) });
    out.flask.push(answer);
    out.signet.push(ours);
    flaskCookie = keptCookie(flaskCookie, answer.set_cookie);
    signetCookie = keptCookie(signetCookie, ours.set_cookie);
  }
  return out;
}

/** Every answer the same on both sides: results, Set-Cookie byte for byte, Vary, and (optionally) the flags save_session saw. */
function assertSameAnswers(conversation: Conversation, options: { readonly flags?: boolean; readonly what?: string } = {}): void {
  conversation.flask.forEach((flask, i) => {
    const ours = conversation.signet[i] as SignetAnswer;
    const where = `${options.what ?? 'visit'} ${i}`;
    assert.deepEqual(ours.results, flask.results, `${where}: the view's results`);
    assert.equal(ours.error === null, flask.error === null, `${where}: whether the view raised (Flask: ${JSON.stringify(flask.error)})`);
    assert.deepEqual(ours.after_results, flask.after_results, `${where}: the after-request results`);
    assert.deepEqual(ours.set_cookie, flask.set_cookie, `${where}: Set-Cookie`);
    assert.equal(ours.vary, flask.vary ?? null, `${where}: Vary`);
    if (options.flags === true) assert.deepEqual(ours.saved, flask.saved, `${where}: accessed and modified when saved`);
  });
}

/** Both oracles that a test runs against: Flask 2.2 always, Flask 3.1 when it is there. */
function oracles(): readonly (readonly [string, FlaskOracle])[] {
  return flask31 === undefined ? [['Flask 2.2', flask22]] : [['Flask 2.2', flask22], ['Flask 3.1', flask31]];
}

// ---------------------------------------------------------------------------

describe('Flask tests/test_basic.py: sessions and their cookies', () => {
  it('test_session_accessed: no Vary and no flags for a route that never uses the session, Vary: Cookie and Flask\'s flags for one that writes or reads it (Flask 2.2 and 3.1)', async () => {
    const visits: Visit[] = [{}, { steps: [['set', 'value', T.str('42')]] }, { steps: [['get', 'value']] }, {}];
    for (const [name, oracle] of oracles()) {
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), visits);
      // What the Flask test asserts, so that the mirror is the test it names.
      assert.deepEqual(
        conversation.flask.map((a) => [a.vary ?? null, a.saved]),
        [
          [null, { accessed: false, modified: false }],
          ['Cookie', { accessed: true, modified: true }],
          ['Cookie', { accessed: true, modified: false }],
          [null, { accessed: false, modified: false }],
        ],
        name,
      );
      assert.deepEqual(conversation.flask[2]?.results, [T.str('42')]);
      assertSameAnswers(conversation, { flags: true, what: name });
    }
  });

  it('test_session_accessed, Flask 3.1.3: any use of the session counts as an access (in, len, keys, a pop of a missing key), as in signet; Flask 2.2 counted only get, [], setdefault and writes', needs31, async () => {
    const existing = await converse(oracle31(), FLASK_APP, new SignetApp(signetOptions()), [{ steps: [['set', 'a', T.int(1)]] }]);
    const start = { flask: keptCookie(undefined, existing.flask[0]?.set_cookie), signet: keptCookie(undefined, existing.signet[0]?.set_cookie) };
    assert.equal(start.signet, start.flask);
    const reads: readonly RequestStep[] = [['contains', 'a'], ['len'], ['keys'], ['pop', 'missing']];
    for (const read of reads) {
      const visits: Visit[] = [{ now: NOW + 1, steps: [read] }];
      const current = await converse(oracle31(), FLASK_APP, new SignetApp(signetOptions()), visits, start);
      assert.equal(current.flask[0]?.vary, 'Cookie', `Flask 3.1: ${read[0]}`);
      assertSameAnswers(current, { flags: true, what: `Flask 3.1, ${read[0]}` });
      const [old] = await flask22.requests(FLASK_APP, [{ now: NOW + 1, cookie: start.flask ?? '', steps: [read] }]);
      assert.equal(old?.vary ?? null, null, `Flask 2.2 adds no Vary for ${read[0]}`);
      assert.deepEqual(old?.results, current.flask[0].results);
    }
  });

  it('test_session_path, test_session_using_application_root: the Path Flask takes from APPLICATION_ROOT is what signet writes for cookie.path, byte for byte', async () => {
    for (const root of ['/foo', '/bar']) {
      for (const [name, oracle] of oracles()) {
        const conversation = await converse(oracle, { ...FLASK_APP, config: { APPLICATION_ROOT: root } }, new SignetApp(signetOptions({ path: root })), [{ steps: [['set', 'testing', T.int(42)]] }]);
        assert.ok(conversation.flask[0]?.set_cookie?.[0]?.toLowerCase().includes(`path=${root}`), `${name}: ${JSON.stringify(conversation.flask[0]?.set_cookie)}`);
        assertSameAnswers(conversation, { what: `${name}, APPLICATION_ROOT=${root}` });
      }
    }
  });

  const settings = { SESSION_COOKIE_HTTPONLY: false, SESSION_COOKIE_SECURE: true, SESSION_COOKIE_SAMESITE: 'Lax', SESSION_COOKIE_PATH: '/', APPLICATION_ROOT: '/test' };
  const settingsVisits: Visit[] = [{ steps: [['set', 'testing', T.int(42)]] }, { steps: [['pop', 'testing']] }];

  it('test_session_using_session_settings: Domain, Path, Secure, no HttpOnly and SameSite on the cookie and on its deletion, as Flask 2.2 writes them', async () => {
    for (const domain of ['.example.com', 'example.com']) {
      const cookie: CookieOptions = { domain, httpOnly: false, secure: true, sameSite: 'Lax', path: '/' };
      const conversation = await converse(flask22, { ...FLASK_APP, config: { ...settings, SESSION_COOKIE_DOMAIN: domain } }, new SignetApp(signetOptions(cookie)), settingsVisits);
      const [set, cleared] = conversation.flask.map((a) => a.set_cookie?.[0]?.toLowerCase() ?? '');
      for (const header of [set, cleared]) {
        assert.ok(header !== undefined && header.includes(`domain=${domain}`) && header.includes('path=/') && header.includes('secure') && header.includes('samesite'), header);
      }
      assert.ok(!(set ?? '').includes('httponly') && (cleared ?? '').includes('session=;'));
      assertSameAnswers(conversation, { what: `Domain=${domain}` });
    }
  });

  it('test_session_using_session_settings: with SESSION_COOKIE_PARTITIONED, Partitioned on the cookie and on its deletion, as Flask 3.1 writes them', needs31, async () => {
    const cookie: CookieOptions = { domain: 'example.com', httpOnly: false, secure: true, sameSite: 'Lax', path: '/', partitioned: true };
    const config = { ...settings, SESSION_COOKIE_DOMAIN: 'example.com', SESSION_COOKIE_PARTITIONED: true };
    const conversation = await converse(oracle31(), { ...FLASK_APP, config }, new SignetApp(signetOptions(cookie)), settingsVisits);
    for (const answer of conversation.flask) assert.ok(answer.set_cookie?.[0]?.toLowerCase().includes('partitioned'), JSON.stringify(answer.set_cookie));
    assertSameAnswers(conversation);
    // Flask 2.2 knows no SESSION_COOKIE_PARTITIONED: it writes no Partitioned at all.
    const [old] = await flask22.requests({ ...FLASK_APP, config }, [{ now: NOW, steps: [['set', 'testing', T.int(42)]] }]);
    assert.ok(!(old?.set_cookie?.[0] ?? '').includes('Partitioned'), JSON.stringify(old?.set_cookie));
  });

  it('test_session_using_session_settings: a Domain given with a leading dot keeps it, as Werkzeug 2.2 writes it; Werkzeug 3.1 drops the dot, which browsers ignore anyway', needs31, async () => {
    const cookie: CookieOptions = { domain: '.example.com', secure: true, path: '/' };
    const visit: FlaskRequest = { now: NOW, steps: [['set', 'testing', T.int(42)]] };
    const ours = new SignetApp(signetOptions(cookie)).answer(visit).set_cookie;
    const [old] = await flask22.requests({ ...FLASK_APP, config: { SESSION_COOKIE_DOMAIN: '.example.com', SESSION_COOKIE_SECURE: true } }, [visit]);
    const [current] = await oracle31().requests({ ...FLASK_APP, config: { SESSION_COOKIE_DOMAIN: '.example.com', SESSION_COOKIE_SECURE: true } }, [visit]);
    assert.deepEqual(ours, old?.set_cookie);
    assert.deepEqual(
      ours.map((header) => header.replace('; Domain=.example.com;', '; Domain=example.com;')),
      current?.set_cookie,
      'the same header but for the dot',
    );
  });

  it('test_session_using_samesite_attribute: no SameSite, Strict and Lax as Flask writes them; an invalid value is refused (Flask when saving, signet at construction)', async () => {
    for (const [setting, option] of [[null, false], ['Strict', 'Strict'], ['Lax', 'Lax']] as const) {
      for (const [name, oracle] of oracles()) {
        const conversation = await converse(oracle, { ...FLASK_APP, config: { SESSION_COOKIE_SAMESITE: setting } }, new SignetApp(signetOptions({ sameSite: option })), [{ steps: [['set', 'testing', T.int(42)]] }]);
        const header = conversation.flask[0]?.set_cookie?.[0]?.toLowerCase() ?? '';
        assert.equal(header.includes('samesite'), setting !== null, header);
        assertSameAnswers(conversation, { what: `${name}, SESSION_COOKIE_SAMESITE=${String(setting)}` });
      }
    }
    for (const [name, oracle] of oracles()) {
      const [invalid] = await oracle.requests({ ...FLASK_APP, config: { SESSION_COOKIE_SAMESITE: 'invalid' } }, [{ now: NOW, steps: [['set', 'testing', T.int(42)]] }]);
      assert.equal(invalid?.raised?.error, 'ValueError', `${name} raises ValueError when it writes the cookie`);
    }
    assert.throws(() => new CookieSessions({ ...signetOptions(), cookie: { ...FLASK_COOKIE, sameSite: 'invalid' as never } }), /cookie.sameSite is invalid/);
  });

  it('test_session_using_samesite_attribute: Flask takes any capitalisation ("lax" is Lax), and so does signet', async () => {
    for (const [name, oracle] of oracles()) {
      const [answer] = await oracle.requests({ ...FLASK_APP, config: { SESSION_COOKIE_SAMESITE: 'lax' } }, [{ now: NOW, steps: [['set', 'testing', T.int(42)]] }]);
      assert.ok(answer?.set_cookie?.[0]?.endsWith('; SameSite=Lax'), `${name}: ${JSON.stringify(answer)}`);
    }
    const sessions = new CookieSessions({ ...signetOptions(), cookie: { ...FLASK_COOKIE, sameSite: 'lax' as never }, clock: () => NOW * 1000 });
    assert.ok(sessions.save(new Session().set('testing', 42)).setCookie?.endsWith('; SameSite=Lax'));
  });

  it('SESSION_COOKIE_* that browsers refuse: Flask writes SameSite=None or a __Host- name without Secure (and Flask 3.1 adds Secure itself for Partitioned); signet refuses such settings at construction, deliberately', async () => {
    const visit: FlaskRequest = { now: NOW, steps: [['set', 'a', T.int(1)]] };
    for (const [name, oracle] of oracles()) {
      const [sameSiteNone] = await oracle.requests({ ...FLASK_APP, config: { SESSION_COOKIE_SAMESITE: 'None' } }, [visit]);
      assert.ok(sameSiteNone?.set_cookie?.[0]?.endsWith('; SameSite=None') && !sameSiteNone.set_cookie[0].includes('Secure'), `${name}: ${JSON.stringify(sameSiteNone?.set_cookie)}`);
      const [host] = await oracle.requests({ ...FLASK_APP, config: { SESSION_COOKIE_NAME: '__Host-session' } }, [visit]);
      assert.ok(host?.set_cookie?.[0]?.startsWith('__Host-session=') && !host.set_cookie[0].includes('Secure'), `${name}: ${JSON.stringify(host?.set_cookie)}`);
    }
    if (flask31 !== undefined) {
      const [partitioned] = await flask31.requests({ ...FLASK_APP, config: { SESSION_COOKIE_PARTITIONED: true } }, [visit]);
      assert.ok(partitioned?.set_cookie?.[0]?.endsWith('; Secure; HttpOnly; Path=/; Partitioned'), JSON.stringify(partitioned?.set_cookie));
    }
    assert.throws(() => new SignetApp(signetOptions({ sameSite: 'None' })), /cookie.sameSite is invalid/);
    assert.throws(() => new SignetApp(signetOptions({ name: '__Host-session' })), /cookie.name is invalid/);
    assert.throws(() => new SignetApp(signetOptions({ partitioned: true })), /cookie.partitioned is invalid/);
    // With Secure, what Flask 3.1 writes for Partitioned.
    const ours = new SignetApp(signetOptions({ partitioned: true, secure: true })).answer(visit).set_cookie;
    assert.deepEqual(ours, ['session=' + (keptCookie(undefined, ours) ?? '') + '; Secure; HttpOnly; Path=/; Partitioned']);
  });

  it('test_missing_session: without a secret key Flask serves a session that reads as empty and raises on the first write; signet refuses to start, naming the option', async () => {
    for (const [name, oracle] of oracles()) {
      const answers = await oracle.requests({}, [
        { now: NOW, steps: [['get', 'missing_key'], ['set', 'foo', T.int(42)]] },
        { now: NOW, steps: [['pop', 'foo']] },
      ]);
      for (const answer of answers) {
        assert.equal(answer.error?.error, 'RuntimeError', name);
        assert.match(answer.error.message, /session is unavailable/);
        assert.equal(answer.saved, null, `${name} does not save a null session`);
      }
      assert.deepEqual(answers[0]?.results, [T.none], `${name}: reading works`);
    }
    for (const secret of [undefined, null, '']) {
      assert.throws(() => new SignetApp(signetOptions({}, { secret: secret as never })), (error: Error) => error instanceof TypeError && /^secret is invalid/.test(error.message), String(secret));
    }
  });

  it('test_session_secret_key_fallbacks: signs with SECRET_KEY, reads with any of SECRET_KEY_FALLBACKS, nothing with another key, as Flask 3.1 does; and re-issues under the new key', needs31, async () => {
    const keys = (secret: string, fallbacks: readonly string[]): { app: FlaskAppSpec; signet: SignetApp } => ({
      app: { secret: { secret_text: secret }, config: { SECRET_KEY_FALLBACKS: [...fallbacks] } },
      signet: new SignetApp(signetOptions({}, { secret, secretFallbacks: fallbacks })),
    });
    const oracle = oracle31();
    const first = keys('0 key', ['-1 key', '-2 key']);
    const posted = await converse(oracle, first.app, first.signet, [{ steps: [['set', 'a', T.int(1)]] }]);
    assertSameAnswers(posted);
    const flaskCookie = keptCookie(undefined, posted.flask[0]?.set_cookie);
    const signetCookie = keptCookie(undefined, posted.signet[0]?.set_cookie);
    assert.ok(flaskCookie !== undefined && flaskCookie === signetCookie, 'the same cookie, signed with SECRET_KEY');
    const read: Visit[] = [{ now: NOW + 1, steps: [['dict']] }];
    const cases = [
      { spec: first, expect: T.dict(['a', T.int(1)]) },
      { spec: keys('? key', ['-1 key', '-2 key']), expect: T.dict() },
      { spec: keys('+1 key', ['0 key', '-1 key']), expect: T.dict(['a', T.int(1)]) },
    ];
    for (const [i, { spec, expect }] of cases.entries()) {
      const conversation = await converse(oracle, spec.app, spec.signet, read, { flask: flaskCookie, signet: signetCookie });
      assert.deepEqual(conversation.flask[0]?.results, [expect], `case ${i}: Flask`);
      assert.deepEqual(conversation.signet[0]?.results, [expect], `case ${i}: signet`);
      assert.equal(conversation.signet[0].vary, conversation.flask[0].vary ?? null);
    }
    // The difference: Flask leaves an unmodified session signed with the fallback; signet
    // re-issues it under SECRET_KEY, so that the old key can be retired. Flask 3.1 reads it
    // with that key alone.
    const rotated = await converse(oracle, cases[2]?.spec.app ?? {}, cases[2]?.spec.signet as SignetApp, read, { flask: flaskCookie, signet: signetCookie });
    assert.deepEqual(rotated.flask[0]?.set_cookie, []);
    const reissued = keptCookie(undefined, rotated.signet[0]?.set_cookie);
    assert.ok(reissued !== undefined);
    const [check] = await oracle.requests({ secret: { secret_text: '+1 key' } }, [{ now: NOW + 2, cookie: reissued, steps: [['dict']] }]);
    assert.deepEqual(check?.results, [T.dict(['a', T.int(1)])]);
    // Flask 2.2 has no SECRET_KEY_FALLBACKS: the rotated app reads nothing there.
    const [old] = await flask22.requests(cases[2]?.spec.app ?? {}, [{ now: NOW + 1, cookie: flaskCookie, steps: [['dict']] }]);
    assert.deepEqual(old?.results, [T.dict()]);
  });

  it('test_session_expiration: a permanent session expires PERMANENT_SESSION_LIFETIME from now, reads as permanent next time, and has no Expires once made not permanent', async () => {
    const visits: Visit[] = [
      { steps: [['set', 'test', T.int(42)], ['permanent_set', true]] },
      { steps: [['permanent_get']] },
      { steps: [['set', 'test', T.int(42)], ['permanent_set', false]] },
    ];
    for (const [name, oracle] of oracles()) {
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), visits);
      const [permanent, , notPermanent] = conversation.flask.map((a) => a.set_cookie?.[0] ?? '');
      assert.ok(permanent?.includes(`; Expires=${new Date((NOW + 31 * 86400) * 1000).toUTCString()};`), `${name}: ${permanent}`);
      assert.deepEqual(conversation.flask[1]?.results, [T.bool(true)]);
      assert.ok(notPermanent !== undefined && notPermanent !== '' && !/expires=/i.test(notPermanent), notPermanent);
      assertSameAnswers(conversation, { what: name });
    }
  });

  it('test_session_stored_last: a write made after the view, in the Fastify hook an app adds after the plugin (Flask\'s after_request), is saved, as Flask saves it', async () => {
    const visits: Visit[] = [
      { steps: [['get', 'foo']], after: [['set', 'foo', T.int(42)]] },
      { steps: [['get', 'foo']], after: [['set', 'foo', T.int(42)]] },
    ];
    const conversation = await converse(flask22, FLASK_APP, new SignetApp(signetOptions()), visits);
    assert.deepEqual(conversation.flask.map((a) => a.results), [[T.none], [T.int(42)]]);
    let now = NOW;
    const app = Fastify({ logger: false });
    await app.register(signetSession, { ...signetOptions(), clock: () => now * 1000 });
    app.addHook('onSend', async (request, _reply, payload) => {
      request.session.set('foo', 42);
      return payload;
    });
    app.get('/', (request) => JSON.stringify(toTransport(request.session.get('foo') ?? null)));
    try {
      let cookie: string | undefined;
      for (const [i, flask] of conversation.flask.entries()) {
        now = NOW + i;
        const response = await app.inject({ method: 'GET', url: '/', headers: cookie === undefined ? {} : { cookie: `session=${cookie}` } });
        assert.deepEqual([JSON.parse(response.body)], flask.results, `visit ${i}: what the route read`);
        const setCookie = response.headers['set-cookie'];
        const headers = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
        assert.deepEqual(headers, flask.set_cookie, `visit ${i}: Set-Cookie`);
        assert.equal(response.headers['vary'], flask.vary);
        cookie = keptCookie(cookie, headers);
      }
    } finally {
      await app.close();
    }
  });

  it('test_session_special_types: tuple, bytes, Markup, UUID, datetime and look-alike tags come back with their types, in cookies Flask and signet write byte for byte alike', async () => {
    const data: [string, Transport][] = [
      ['t', T.tuple(T.int(1), T.int(2), T.int(3))],
      ['b', T.bytes(Uint8Array.of(0xff))],
      ['m', T.markup('<html>')],
      ['u', T.uuid('6f1c2b4e9d8a4f3b8e2d1c0b9a887766')],
      ['d', T.datetime(NOW - 3600)],
      ['t_tag', T.dict([' t', T.str('not-a-tuple')])],
      ['di_t_tag', T.dict([' t__', T.str('not-a-tuple')])],
      ['di_tag', T.dict([' di', T.str('not-a-dict')])],
    ];
    const visits: Visit[] = [{ steps: data.map(([key, value]) => ['set', key, value] as const) }, { steps: data.map(([key]) => ['getitem', key] as const) }];
    for (const [name, oracle] of oracles()) {
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), visits);
      assertSameAnswers(conversation, { what: name });
      assert.deepEqual(conversation.flask[1]?.results, data.map(([, value]) => value), `${name} reads every value back with its type`);
    }
  });

  it('test_session_cookie_setting: an unmodified session is re-sent only when permanent with SESSION_REFRESH_EACH_REQUEST, in all four combinations', async () => {
    for (const permanent of [true, false]) {
      for (const refresh of [true, false]) {
        const bump: Visit = { steps: [['incr', 'foo'], ['permanent_set', permanent]] };
        const visits: Visit[] = [bump, bump, bump, { steps: [['get', 'foo']] }];
        for (const [name, oracle] of oracles()) {
          const what = `${name}, permanent=${String(permanent)}, SESSION_REFRESH_EACH_REQUEST=${String(refresh)}`;
          const conversation = await converse(oracle, { ...FLASK_APP, config: { SESSION_REFRESH_EACH_REQUEST: refresh } }, new SignetApp(signetOptions({}, { refreshEachRequest: refresh })), visits);
          assert.deepEqual(conversation.flask.map((a) => a.results), [[T.int(1), T.none], [T.int(2), T.none], [T.int(3), T.none], [T.int(3)]], what);
          assert.equal((conversation.flask[3]?.set_cookie ?? []).length > 0, permanent && refresh, `${what}: the read re-sends the cookie`);
          assertSameAnswers(conversation, { what });
        }
      }
    }
  });

  it('test_session_vary_cookie: Vary: Cookie once, after set, get, getitem, setdefault and clear, merged with the response\'s own Vary; none where the session is not used', async () => {
    const visits: Visit[] = [
      { steps: [['set', 'test', T.str('test')]] },
      { steps: [['get', 'test']] },
      { steps: [['getitem', 'test']] },
      // signet's Session has no setdefault; on a key that is there, Flask's only reads it.
      { steps: [['setdefault', 'test', T.str('default')]], signetSteps: [['get', 'test']] },
      { steps: [['clear']] },
      { steps: [['set', 'test', T.str('test')]], vary: ['Cookie'] },
      { steps: [['set', 'test', T.str('test')]], vary: ['Accept-Encoding', 'Accept-Language'] },
      {},
    ];
    for (const [name, oracle] of oracles()) {
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), visits);
      assert.deepEqual(
        conversation.flask.map((a) => a.vary ?? null),
        ['Cookie', 'Cookie', 'Cookie', 'Cookie', 'Cookie', 'Cookie', 'Accept-Encoding, Accept-Language, Cookie', null],
        name,
      );
      assertSameAnswers(conversation, { what: name });
    }
  });

  it('test_session_refresh_vary: Flask re-sends a permanent session, with Vary: Cookie, even from a route that never uses it; signet deliberately leaves such a route alone and refreshes on the next use', async () => {
    const login: Visit = { steps: [['set', 'user_id', T.int(1)], ['permanent_set', true]] };
    for (const [name, oracle] of oracles()) {
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), [login, {}, { steps: [['get', 'user_id']] }]);
      const visit = (i: number): { flask: FlaskAnswer | undefined; signet: SignetAnswer | undefined } => ({ flask: conversation.flask[i], signet: conversation.signet[i] });
      const [loggedIn, ignored, used] = [visit(0), visit(1), visit(2)];
      assert.equal(loggedIn.flask?.vary, 'Cookie', name);
      assert.equal(ignored.flask?.vary, 'Cookie', `${name}: the refresh adds Vary`);
      assert.equal(ignored.flask.set_cookie?.length, 1, `${name}: the untouched route refreshes the cookie`);
      // signet: a route that never touches the session sets no cookie and no Vary (engine rule).
      assert.deepEqual([ignored.signet?.set_cookie, ignored.signet?.vary], [[], null]);
      assert.deepEqual(loggedIn.signet?.set_cookie, loggedIn.flask.set_cookie);
      // The next route that uses it is refreshed as Flask refreshes it at that second.
      assert.deepEqual(used.signet?.set_cookie, used.flask?.set_cookie);
      assert.equal(used.signet?.vary, used.flask?.vary);
    }
  });

  it('test_max_cookie_size: signet refuses to send exactly the session cookies Flask warns are too large for MAX_COOKIE_SIZE, and sends the others as Flask does', async () => {
    const LIMIT = 200;
    // Text zlib does not shrink, so the header grows with the value.
    let seed = 7;
    const text = Array.from({ length: 160 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 'abcdefghijklmnopqrstuvwxyz0123456789'[seed % 36];
    }).join('');
    const signet = new SignetApp(signetOptions({}, { maxCookieSize: LIMIT }));
    const verdicts = new Set<string>();
    for (let length = 60; length <= 160; length += 1) {
      const visit: FlaskRequest = { now: NOW, steps: [['set', 'v', T.str(text.slice(0, length))]] };
      const [flask] = await flask22.requests({ ...FLASK_APP, config: { MAX_COOKIE_SIZE: LIMIT } }, [visit]);
      const ours = signet.answer(visit);
      const warned = (flask?.warnings ?? []).some((w) => w.includes('cookie is too large'));
      assert.equal(ours.tooLarge !== undefined, warned, `a ${length}-character value: Flask ${warned ? 'warns' : 'does not warn'}`);
      if (!warned) assert.deepEqual(ours.set_cookie, flask?.set_cookie);
      verdicts.add(String(warned));
    }
    assert.deepEqual([...verdicts].sort(), ['false', 'true'], 'the range crosses the limit');
    // MAX_COOKIE_SIZE = 0 turns Flask's warning off; signet's budget cannot be turned off.
    const [unlimited] = await flask22.requests({ ...FLASK_APP, config: { MAX_COOKIE_SIZE: 0 } }, [{ now: NOW, steps: [['set', 'v', T.str('x'.repeat(5000))]] }]);
    assert.deepEqual(unlimited?.warnings, []);
    assert.throws(() => new SignetApp(signetOptions({}, { maxCookieSize: 0 })), /maxCookieSize is invalid/);
  });
});

// ---------------------------------------------------------------------------

describe('Flask tests/test_basic.py: flashes', () => {
  it('test_flashes: flash marks the session modified again after modified was reset, and get_flashed_messages gives both messages in order', async () => {
    const visits: Visit[] = [
      {
        steps: [
          ['modified'],
          ['flash', T.str('Zap'), 'message'],
          ['set_modified', false],
          ['flash', T.str('Zip'), 'message'],
          ['modified'],
          ['take', false, []],
        ],
      },
    ];
    for (const [name, oracle] of oracles()) {
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), visits);
      assert.deepEqual(conversation.flask[0]?.results, [T.bool(false), T.none, T.none, T.none, T.bool(true), T.list(T.str('Zap'), T.str('Zip'))], name);
      assertSameAnswers(conversation, { flags: true, what: name });
    }
  });

  const FLASHED: readonly RequestStep[] = [
    ['flash', T.str('Hello World'), 'message'],
    ['flash', T.str('Hello World'), 'error'],
    ['flash', T.markup('<em>Testing</em>'), 'warning'],
  ];

  /** A cookie the real Flask issued with test_extended_flashing's three flashes (one Markup), and signet's for the same. */
  async function flashedCookies(oracle: FlaskOracle): Promise<{ flask: string; signet: string }> {
    const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), [{ steps: FLASHED }]);
    assertSameAnswers(conversation);
    const flask = keptCookie(undefined, conversation.flask[0]?.set_cookie);
    const signet = keptCookie(undefined, conversation.signet[0]?.set_cookie);
    assert.ok(flask !== undefined && signet !== undefined);
    return { flask, signet };
  }

  it('test_extended_flashing: a Flask-issued cookie\'s flashes, Markup kept as Markup, with and without categories and category filters, as get_flashed_messages gives them', async () => {
    const takes: readonly (readonly [string, RequestStep])[] = [
      ['test', ['take', false, []]],
      ['test_with_categories', ['take', true, []]],
      ['test_filter', ['take', true, ['message']]],
      ['test_filters', ['take', true, ['message', 'warning']]],
      ['test_filters_without_returning_categories', ['take', false, ['message', 'warning']]],
    ];
    for (const [name, oracle] of oracles()) {
      const cookies = await flashedCookies(oracle);
      assert.equal(cookies.signet, cookies.flask, `${name}: signet flashes into the cookie Flask writes`);
      for (const [route, take] of takes) {
        // Both read the cookie Flask issued.
        const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), [{ steps: [take] }], { flask: cookies.flask, signet: cookies.flask });
        assertSameAnswers(conversation, { flags: true, what: `${name} /${route}/` });
      }
      const [withCategories] = (await oracle.requests(FLASK_APP, [{ now: NOW, cookie: cookies.flask, steps: [['take', true, []]] }])).map((a) => a.results[0]);
      assert.deepEqual(withCategories, T.list(T.tuple(T.str('message'), T.str('Hello World')), T.tuple(T.str('error'), T.str('Hello World')), T.tuple(T.str('warning'), T.markup('<em>Testing</em>'))));
    }
    // The Flash objects themselves keep the Markup class (what a template escapes or not).
    const { flask } = await flashedCookies(flask22);
    const { session } = new CookieSessions({ ...signetOptions(), clock: () => NOW * 1000 }).open(flask);
    const messages = session.takeFlashes().map((f) => f.message);
    assert.deepEqual(messages.map((m) => m instanceof Markup), [false, false, true]);
  });

  it('get_flashed_messages of a Flask cookie whose flash is not text (flash(42)): Flask returns it; signet, typed for text and Markup, leaves it out, deliberately', async () => {
    for (const [name, oracle] of oracles()) {
      const [flashed] = await oracle.requests(FLASK_APP, [{ now: NOW, steps: [['flash', T.int(42), 'message'], ['flash', T.str('x'), 'message']] }]);
      const cookie = keptCookie(undefined, flashed?.set_cookie);
      assert.ok(cookie !== undefined);
      const take: Visit[] = [{ steps: [['take', true, []]] }];
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), take, { flask: cookie, signet: cookie });
      assert.deepEqual(conversation.flask[0]?.results, [T.list(T.tuple(T.str('message'), T.int(42)), T.tuple(T.str('message'), T.str('x')))], name);
      assert.deepEqual(conversation.signet[0]?.results, [T.list(T.tuple(T.str('message'), T.str('x')))], name);
      // Both take every flash out of the session: the same cookie deletion.
      assert.deepEqual(conversation.signet[0].set_cookie, conversation.flask[0].set_cookie);
    }
  });

  it('get_flashed_messages: further calls in the same request give the same messages, whatever their filters, and a message flashed after the first call waits for the next request', async () => {
    const visits: Visit[] = [
      {
        steps: [
          ['take', true, ['error']],
          ['take', true, ['message', 'warning']],
          ['take', false, []],
          ['flash', T.str('later'), 'message'],
          ['take', true, []],
        ],
      },
      { steps: [['take', true, []]] },
    ];
    for (const [name, oracle] of oracles()) {
      const { flask } = await flashedCookies(oracle);
      const conversation = await converse(oracle, FLASK_APP, new SignetApp(signetOptions()), visits, { flask, signet: flask });
      assert.deepEqual(conversation.flask[1]?.results, [T.list(T.tuple(T.str('message'), T.str('later')))], name);
      assertSameAnswers(conversation, { flags: true, what: name });
    }
  });
});

// ---------------------------------------------------------------------------

describe('Flask tests/test_json_tag.py', () => {
  const VALUES: readonly (readonly [string, Transport])[] = [
    ['{" t": (1, 2, 3)}', T.dict([' t', T.tuple(T.int(1), T.int(2), T.int(3))])],
    ['{" t__": b"a"}', T.dict([' t__', T.bytes(Buffer.from('a'))])],
    ['{" di": " di"}', T.dict([' di', T.str(' di')])],
    ['{"x": (1, 2, 3), "y": 4}', T.dict(['x', T.tuple(T.int(1), T.int(2), T.int(3))], ['y', T.int(4)])],
    ['(1, 2, 3)', T.tuple(T.int(1), T.int(2), T.int(3))],
    ['[(1, 2, 3)]', T.list(T.tuple(T.int(1), T.int(2), T.int(3)))],
    ['b"\\xff"', T.bytes(Uint8Array.of(0xff))],
    ['Markup("<html>")', T.markup('<html>')],
    ['uuid4()', T.uuid('0b9e3a1c7d2f4e6a8b5c9d0e1f2a3b4c')],
    ['datetime.now(tz=timezone.utc).replace(microsecond=0)', T.datetime(NOW)],
  ];

  for (const [label, value] of VALUES) {
    it(`test_dump_load_unchanged[${label}]: signet writes Flask's tagged JSON for it byte for byte, and each side loads the other's text to the same value and types`, async () => {
      for (const [name, oracle] of oracles()) {
        const flaskText = await oracle.dumps(value);
        const ours = dumpTaggedJson(fromTransport(value));
        assert.equal(ours, flaskText, name);
        assert.deepEqual(toTransport(loadTaggedJson(flaskText)), value, `signet loads ${name}'s text`);
        const loaded = await oracle.taggedLoads(ours, value);
        assert.ok(loaded.ok && loaded.equal === true, `${name} loads signet's text: ${JSON.stringify(loaded)}`);
      }
    });
  }

  it('test_duplicate_tag, test_custom_tag, test_tag_interface, test_tag_order: signet has no tag registry; its tags are exactly Flask\'s default ones, in Flask\'s order, and an unknown tag is a plain dict to both', async () => {
    for (const [name, oracle] of oracles()) {
      const keys = (await oracle.tagKeys()).filter((key): key is string => key !== null);
      assert.deepEqual([...TAGS], keys, name);
      // What a custom tag (test_custom_tag's " f") writes reads as a one-key dict without the tag.
      const text = '{" f":"bar"}';
      const loaded = await oracle.taggedLoads(text);
      assert.deepEqual(toTransport(loadTaggedJson(text)), loaded.value, name);
    }
  });
});

// ---------------------------------------------------------------------------

describe('Flask-issued session cookies with Markup flashes, through the codec', () => {
  it('reads (category, Markup) tuples from a cookie Flask signed, and writes them back so that Flask reads the same types', async () => {
    const flashes = T.dict(['_flashes', T.list(T.tuple(T.str('warning'), T.markup('<b>careful</b>')), T.tuple(T.str('message'), T.str('plain')))]);
    const cookie = await flask22.sign(oracleSecret(SECRET), flashes, NOW);
    const codec = new FlaskSessionCodec({ secret: SECRET, clock: () => NOW * 1000 });
    const decoded = codec.decodeOrThrow(cookie);
    assert.deepEqual(toTransport(decoded.data), flashes);
    const [pair] = decoded.data['_flashes'] as Tuple[];
    assert.ok(pair instanceof Tuple && pair.items[1] instanceof Markup);
    const rewritten = codec.encode(decoded.data, NOW);
    assert.equal(rewritten, cookie, 'the same bytes again');
    const loaded = await flask22.load(oracleSecret(SECRET), rewritten, NOW, { expect: flashes });
    assert.ok(loaded.ok && loaded.equal === true, JSON.stringify(loaded));
  });
});
