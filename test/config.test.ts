import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { buildServer, FRAMEWORKS } from 'signet-lesson/server/app';
import { ConfigError, DEV_SECRET_FILE, loadConfig } from 'signet-lesson/server/config';
import { httpRequest } from './support/http-client.js';

const LESSON_KEY = Buffer.from([0x3f, 0x77, 0x85, 0x5a, 0x08, 0x51, 0xbd, 0x4f, 0xb8, 0xa9, 0xb6, 0x35, 0x4b, 0x6a, 0xa9, 0x5f]);
const freshDir = (): string => mkdtempSync(join(tmpdir(), 'signet-config-'));

describe('server configuration from the environment', () => {
  it('defaults to port 5555 on localhost', () => {
    const config = loadConfig({ SECRET_KEY: 'text key' }, freshDir());
    assert.equal(config.port, 5555);
    assert.equal(config.host, 'localhost');
  });

  it('reads the lesson key given as hex: into its 16 bytes', () => {
    const config = loadConfig({ SECRET_KEY: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f' }, freshDir());
    assert.deepEqual(Buffer.from(config.secret), LESSON_KEY);
  });

  it('reads a base64: key, standard or URL-safe', () => {
    assert.deepEqual(Buffer.from(loadConfig({ SECRET_KEY: `base64:${LESSON_KEY.toString('base64')}` }, freshDir()).secret), LESSON_KEY);
    assert.deepEqual(Buffer.from(loadConfig({ SECRET_KEY: `base64:${LESSON_KEY.toString('base64url')}` }, freshDir()).secret), LESSON_KEY);
  });

  it('takes any other SECRET_KEY as UTF-8 text', () => {
    assert.deepEqual(Buffer.from(loadConfig({ SECRET_KEY: 'clé' }, freshDir()).secret), Buffer.from('clé', 'utf8'));
  });

  it('refuses an empty or undecodable key without echoing it', () => {
    assert.throws(() => loadConfig({ SECRET_KEY: '' }, freshDir()), (error: unknown) => error instanceof ConfigError && /SECRET_KEY is invalid: it is empty/.test(error.message));
    assert.throws(
      () => loadConfig({ SECRET_KEY: 'hex:zz-secret-stuff' }, freshDir()),
      (error: unknown) => error instanceof ConfigError && /SECRET_KEY is invalid/.test(error.message) && !error.message.includes('secret-stuff'),
    );
    assert.throws(() => loadConfig({ SECRET_KEY: 'base64:***' }, freshDir()), /SECRET_KEY is invalid/);
  });

  it('refuses to start in production without a key, saying what to set', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }, freshDir()), (error: unknown) => error instanceof ConfigError && /SECRET_KEY is missing.*SECRET_KEY=hex:/.test(error.message));
  });

  it('refuses a port that is not a whole number from 0 to 65535', () => {
    for (const PORT of ['abc', '-1', '70000', '55.5']) {
      assert.throws(() => loadConfig({ PORT, SECRET_KEY: 'k' }, freshDir()), new RegExp(`PORT is invalid: "${PORT.replace('.', '\\.')}"`));
    }
    assert.equal(loadConfig({ PORT: '0', SECRET_KEY: 'k' }, freshDir()).port, 0);
  });

  it('in development makes a random key once, keeps it in an untracked file, and says so', () => {
    const dir = freshDir();
    const first = loadConfig({}, dir);
    const file = join(dir, DEV_SECRET_FILE);
    assert.equal(first.secret.length, 32);
    assert.match(readFileSync(file, 'utf8'), /^hex:[0-9a-f]{64}\n$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(first.notices.join('\n'), /No SECRET_KEY set: development mode made a random key/);
    const second = loadConfig({}, dir);
    assert.deepEqual(Buffer.from(second.secret), Buffer.from(first.secret));
    assert.match(second.notices.join('\n'), /uses the random key saved/);
    const gitignore = readFileSync(new URL('../../.gitignore', import.meta.url), 'utf8');
    assert.match(gitignore, new RegExp(`^${DEV_SECRET_FILE.replace('.', '\\.')}$`, 'm'));
  });

  it('reports a damaged development key file instead of replacing it', () => {
    const dir = freshDir();
    writeFileSync(join(dir, DEV_SECRET_FILE), 'hex:xyz\n');
    assert.throws(() => loadConfig({}, dir), /SIGNET_SECRET_FILE is invalid: .*delete the file to make a new key/);
  });

  it('runs on Fastify unless SIGNET_FRAMEWORK names Express or Hono, in any case', () => {
    assert.equal(loadConfig({ SECRET_KEY: 'k' }, freshDir()).framework, 'fastify');
    assert.equal(loadConfig({ SECRET_KEY: 'k', SIGNET_FRAMEWORK: '' }, freshDir()).framework, 'fastify');
    for (const [value, framework] of [['fastify', 'fastify'], ['express', 'express'], ['hono', 'hono'], ['Express', 'express'], ['HONO', 'hono']] as const) {
      assert.equal(loadConfig({ SECRET_KEY: 'k', SIGNET_FRAMEWORK: value }, freshDir()).framework, framework, value);
    }
  });

  it('switches request logging with LOG_REQUESTS', () => {
    assert.equal(loadConfig({ SECRET_KEY: 'k' }, freshDir()).logRequests, true);
    assert.equal(loadConfig({ SECRET_KEY: 'k', LOG_REQUESTS: '0' }, freshDir()).logRequests, false);
    assert.throws(() => loadConfig({ SECRET_KEY: 'k', LOG_REQUESTS: 'maybe' }, freshDir()), /LOG_REQUESTS is invalid/);
  });
});

const LESSON_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const KEY = `hex:${'ab'.repeat(32)}`;
/** The form of every configuration error: the variable, "is invalid", the value, what to do. */
const ERROR_FORM = /^[A-Z_]+(\[\d+\])? is invalid: .+ \(.+\)[^]*$/;

/** The ConfigError loadConfig throws for `env`, or a failure saying it started. */
function refusal(env: NodeJS.ProcessEnv, dir = freshDir()): ConfigError {
  try {
    loadConfig(env, dir);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
    return error;
  }
  assert.fail(`started with ${JSON.stringify(env)}`);
}

describe('every bad value of every variable stops the start, naming the variable and saying what to set', () => {
  // [variable, value, what the message must say]. Values are never trimmed or guessed at.
  const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['PORT', ' ', /give a port number from 0 to 65535/],
    ['PORT', ' 80', /^PORT is invalid: " 80"/],
    ['PORT', 'eighty', /^PORT is invalid: "eighty"/],
    ['PORT', '-1', /^PORT is invalid: "-1"/],
    ['PORT', '70000', /^PORT is invalid: "70000"/],
    ['PORT', '8e3', /^PORT is invalid: "8e3"/],
    ['PORT', '0x50', /^PORT is invalid/],
    ['PORT', '８０', /^PORT is invalid: "８０"/],
    ['PORT', '99999999999999999999', /^PORT is invalid/],
    ['HOST', ' ', /^HOST is invalid: " " \(give an address such as 127\.0\.0\.1/],
    ['HOST', ' localhost', /^HOST is invalid: " localhost"/],
    ['HOST', '[::1]', /^HOST is invalid: "\[::1\]" .*without brackets/],
    ['HOST', 'http://localhost', /^HOST is invalid/],
    ['HOST', 'localhost:8080', /^HOST is invalid/],
    ['HOST', 'hôte', /^HOST is invalid: "hôte"/],
    ['HOST', 'a..b', /^HOST is invalid/],
    ['HOST', '999.1.1.1', /^HOST is invalid: "999\.1\.1\.1" \(not an IPv4 address/],
    ['HOST', '1.5', /^HOST is invalid: "1\.5" \(not an IPv4 address/],
    ['HOST', '99999999999999999999', /^HOST is invalid: "9+" \(not an IPv4 address/],
    ['SIGNET_FRAMEWORK', 'koa', /^SIGNET_FRAMEWORK is invalid: "koa" \(give fastify, express or hono\)$/],
    ['SIGNET_FRAMEWORK', 'express ', /^SIGNET_FRAMEWORK is invalid: "express " \(give fastify, express or hono\)$/],
    ['SIGNET_FRAMEWORK', 'fastify,express', /^SIGNET_FRAMEWORK is invalid: "fastify,express"/],
    ['SIGNET_FRAMEWORK', 'express5', /^SIGNET_FRAMEWORK is invalid: "express5"/],
    ['LOG_REQUESTS', 'maybe', /^LOG_REQUESTS is invalid: "maybe" \(give 1 or 0\)/],
    ['LOG_REQUESTS', ' 1', /^LOG_REQUESTS is invalid: " 1"/],
    ['LOG_REQUESTS', '2', /^LOG_REQUESTS is invalid/],
    ['SHUTDOWN_TIMEOUT', '10s', /^SHUTDOWN_TIMEOUT is invalid: "10s" \(give whole seconds from 0 to 3600\)/],
    ['SHUTDOWN_TIMEOUT', '-1', /^SHUTDOWN_TIMEOUT is invalid: "-1"/],
    ['SHUTDOWN_TIMEOUT', '1.5', /^SHUTDOWN_TIMEOUT is invalid/],
    ['SHUTDOWN_TIMEOUT', '10000', /^SHUTDOWN_TIMEOUT is invalid: "10000"/],
    ['TRUST_PROXY', 'garbage!!', /^TRUST_PROXY is invalid: "garbage!!" \("garbage!!" is not an IP address, a range or a name: give 1 .*loopback/],
    ['TRUST_PROXY', '2', /^TRUST_PROXY is invalid: "2" \(a hop count cannot tell a proxy from a client/],
    ['TRUST_PROXY', '10.0.0.0/33', /^TRUST_PROXY is invalid: .*prefix length from 1 to 32/],
    ['TRUST_PROXY', '10.0.0.0/0', /^TRUST_PROXY is invalid: .*for every address, TRUST_PROXY=1/],
    ['TRUST_PROXY', '::1/129', /prefix length from 1 to 128/],
    ['TRUST_PROXY', '10.0.0.0/255.0.0.0', /^TRUST_PROXY is invalid/],
    ['TRUST_PROXY', '127.1', /^TRUST_PROXY is invalid: "127\.1"/],
    ['TRUST_PROXY', '[::1]', /^TRUST_PROXY is invalid/],
    ['TRUST_PROXY', 'localhost', /^TRUST_PROXY is invalid: "localhost"/],
    ['TRUST_PROXY', 'loopback,', /^TRUST_PROXY is invalid: "loopback," \(an empty entry/],
    ['TRUST_PROXY', ' ', /^TRUST_PROXY is invalid: " " \(an empty entry/],
    ['TRUST_PROXY', '*', /^TRUST_PROXY is invalid/],
    ['SESSION_FORMAT', 'xml', /^SESSION_FORMAT is invalid: "xml" \(give "flask" or "sealed"\)/],
    ['SESSION_FORMAT', ' sealed', /^SESSION_FORMAT is invalid: " sealed"/],
    ['SESSION_MIGRATE_FLASK', 'maybe', /^SESSION_MIGRATE_FLASK is invalid: "maybe"/],
    ['SESSION_MIGRATE_FLASK', '1', /^SESSION_MIGRATE_FLASK is invalid: true \(.*SESSION_FORMAT="sealed"\)/],
    ['SECRET_KEY_FALLBACKS', 'hex:zz', /^SECRET_KEY_FALLBACKS\[0\] is invalid/],
    ['SECRET_KEY_FALLBACKS', `${KEY},,${KEY}`, /^SECRET_KEY_FALLBACKS\[1\] is invalid: it is empty/],
    ['SECRET_KEY_FALLBACKS', `HEX:${LESSON_HEX}`, /^SECRET_KEY_FALLBACKS\[0\] is invalid: .*"HEX:" \(write the prefix in lower case, "hex:"\)/],
    ['SECRET_KEY_FALLBACKS', ' ', /^SECRET_KEY_FALLBACKS\[0\] is invalid: it is empty/],
    ['SESSION_COOKIE_NAME', 'my session', /^SESSION_COOKIE_NAME is invalid: "my session"/],
    ['SESSION_COOKIE_NAME', 'n'.repeat(5000), /^SESSION_COOKIE_NAME is invalid: "n{40}…" \(5000 characters\) \(every cookie carries its name/],
    ['SESSION_COOKIE_NAME', ' session', /^SESSION_COOKIE_NAME is invalid: " session"/],
    ['SESSION_COOKIE_NAME', 'séssion', /^SESSION_COOKIE_NAME is invalid: "séssion"/],
    ['SESSION_COOKIE_NAME', '__Host-s', /^SESSION_COOKIE_NAME is invalid: "__Host-s" .*SESSION_COOKIE_SECURE=true/],
    ['SESSION_COOKIE_DOMAIN', ' example.com', /^SESSION_COOKIE_DOMAIN is invalid: " example.com"/],
    ['SESSION_COOKIE_DOMAIN', 'https://example.com', /^SESSION_COOKIE_DOMAIN is invalid: .*no scheme, port or path/],
    ['SESSION_COOKIE_DOMAIN', 'example.com:8080', /^SESSION_COOKIE_DOMAIN is invalid/],
    ['SESSION_COOKIE_DOMAIN', 'exämple.com', /^SESSION_COOKIE_DOMAIN is invalid: .*punycode/],
    ['SESSION_COOKIE_PATH', 'app', /^SESSION_COOKIE_PATH is invalid: "app" \(a path starting with "\/"/],
    ['SESSION_COOKIE_PATH', ' /', /^SESSION_COOKIE_PATH is invalid/],
    ['SESSION_COOKIE_PATH', '/café', /^SESSION_COOKIE_PATH is invalid: .*percent-encode/],
    ['SESSION_COOKIE_HTTPONLY', 'maybe', /^SESSION_COOKIE_HTTPONLY is invalid: "maybe" \(give 1 or 0\)/],
    ['SESSION_COOKIE_SECURE', 'always', /^SESSION_COOKIE_SECURE is invalid: "always" \(give 1, 0 or auto\)/],
    ['SESSION_COOKIE_SECURE', 'auto ', /^SESSION_COOKIE_SECURE is invalid: "auto "/],
    ['SESSION_COOKIE_SAMESITE', 'sometimes', /^SESSION_COOKIE_SAMESITE is invalid: "sometimes" \(give Lax, Strict, None/],
    ['SESSION_COOKIE_SAMESITE', ' lax', /^SESSION_COOKIE_SAMESITE is invalid: " lax"/],
    ['SESSION_COOKIE_SAMESITE', 'None', /^SESSION_COOKIE_SAMESITE is invalid: "None" \(.*SESSION_COOKIE_SECURE=true\)/],
    ['SESSION_COOKIE_PARTITIONED', '1', /^SESSION_COOKIE_PARTITIONED is invalid: true \(.*SESSION_COOKIE_SECURE=true\)/],
    ['SESSION_COOKIE_PARTITIONED', 'maybe', /^SESSION_COOKIE_PARTITIONED is invalid/],
    ['PERMANENT_SESSION_LIFETIME', '-1', /^PERMANENT_SESSION_LIFETIME is invalid: "-1" \(give whole seconds from 1 to 3153600000\)/],
    ['PERMANENT_SESSION_LIFETIME', '0', /^PERMANENT_SESSION_LIFETIME is invalid: "0"/],
    ['PERMANENT_SESSION_LIFETIME', '31d', /^PERMANENT_SESSION_LIFETIME is invalid: "31d" \(give whole seconds/],
    ['PERMANENT_SESSION_LIFETIME', '1e9', /^PERMANENT_SESSION_LIFETIME is invalid/],
    ['PERMANENT_SESSION_LIFETIME', '99999999999999999999', /^PERMANENT_SESSION_LIFETIME is invalid/],
    ['SESSION_REFRESH_EACH_REQUEST', 'sometimes', /^SESSION_REFRESH_EACH_REQUEST is invalid: "sometimes"/],
    ['SESSION_IDLE_TIMEOUT', '30m', /^SESSION_IDLE_TIMEOUT is invalid: "30m" \(give whole seconds/],
    ['SESSION_IDLE_TIMEOUT', '0', /^SESSION_IDLE_TIMEOUT is invalid: "0"/],
    ['SESSION_ABSOLUTE_TIMEOUT', '1.5', /^SESSION_ABSOLUTE_TIMEOUT is invalid: "1\.5"/],
    ['MAX_COOKIE_SIZE', '4k', /^MAX_COOKIE_SIZE is invalid: "4k" \(give a number of bytes from 64 to 4096, what browsers keep \(RFC 6265 §6\.1\); 4093 by default\)/],
    ['MAX_COOKIE_SIZE', '100000000', /^MAX_COOKIE_SIZE is invalid: "100000000" \(give a number of bytes/],
    ['MAX_COOKIE_SIZE', '4097', /^MAX_COOKIE_SIZE is invalid: "4097"/],
    ['MAX_COOKIE_SIZE', '10', /^MAX_COOKIE_SIZE is invalid: "10"/],
    ['MAX_COOKIE_SIZE', '4 KB', /^MAX_COOKIE_SIZE is invalid: "4 KB"/],
  ];
  for (const [name, value, expected] of cases) {
    it(`${name}=${JSON.stringify(value)}`, () => {
      const error = refusal({ SECRET_KEY: KEY, [name]: value });
      assert.match(error.message, expected);
      assert.match(error.message, ERROR_FORM);
    });
  }

  it('SESSION_ABSOLUTE_TIMEOUT shorter than SESSION_IDLE_TIMEOUT, which would then never apply', () => {
    const error = refusal({ SECRET_KEY: KEY, SESSION_IDLE_TIMEOUT: '600', SESSION_ABSOLUTE_TIMEOUT: '60' });
    assert.match(error.message, /^SESSION_ABSOLUTE_TIMEOUT is invalid: 60 \(it is shorter than SESSION_IDLE_TIMEOUT, 600, .*make it at least 600/);
  });

  it('shows a long value cut short', () => {
    const error = refusal({ SECRET_KEY: KEY, PORT: '9'.repeat(10_000) });
    assert.ok(error.message.length < 400, error.message);
  });
});

describe('SECRET_KEY: one rule for whitespace and prefixes, and never echoed', () => {
  const secretPart = 'c0ffee5ecret';
  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ['', /^SECRET_KEY is invalid: it is empty \(give text, hex:<digits> or base64:<text>\)$/],
    ['   ', /^SECRET_KEY is invalid: it is only whitespace \(give text, hex:<digits> or base64:<text>\)$/],
    [`\t\n`, /it is only whitespace/],
    [` hex:${LESSON_HEX}`, /^SECRET_KEY is invalid: a 37-character value \(remove the whitespace at its start: a key never starts or ends with a space or a line break\)$/],
    [`hex:${LESSON_HEX} `, /^SECRET_KEY is invalid: a 37-character value \(remove the whitespace at its end/],
    [`my ${secretPart} text\n`, /remove the whitespace at its end/],
    [`\u00a0${secretPart}`, /remove the whitespace at its start/],
    [`HEX:${LESSON_HEX}`, /^SECRET_KEY is invalid: a 36-character value starting "HEX:" \(write the prefix in lower case, "hex:"\)$/],
    [`Hex:${LESSON_HEX}`, /starting "Hex:" \(write the prefix in lower case, "hex:"\)/],
    [`Base64:${Buffer.from(secretPart).toString('base64')}`, /starting "Base64:" \(write the prefix in lower case, "base64:"\)/],
    [`hex:${secretPart}zz`, /^SECRET_KEY is invalid: .*starting "hex:" \(after "hex:" give an even number of hex digits\)$/],
    ['base64:***', /^SECRET_KEY is invalid: .*starting "base64:" \(after "base64:" give standard or URL-safe base64\)$/],
  ];
  for (const [value, expected] of cases) {
    it(`refuses ${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '...' : value)} without showing it`, () => {
      const error = refusal({ SECRET_KEY: value });
      assert.match(error.message, expected);
      assert.ok(!error.message.includes(secretPart) && !error.message.includes(LESSON_HEX), `the key stays out of ${error.message}`);
      assert.ok(!error.message.includes(Buffer.from(secretPart).toString('base64')));
    });
  }

  it('keeps a text key with inner spaces and non-ASCII letters as it is', () => {
    assert.deepEqual(Buffer.from(loadConfig({ SECRET_KEY: 'a key with spaces, é' }, freshDir()).secret), Buffer.from('a key with spaces, é', 'utf8'));
  });

  it('reads SECRET_KEY_FALLBACKS with spaces around the commas, which no key can start or end with', () => {
    const config = loadConfig({ SECRET_KEY: KEY, SECRET_KEY_FALLBACKS: `hex:${LESSON_HEX} , text key` }, freshDir());
    assert.deepEqual(config.session.secretFallbacks?.map((key) => Buffer.from(key).toString('latin1')), [LESSON_KEY.toString('latin1'), 'text key']);
  });
});

describe('NODE_ENV: production in any case, and never development mode by a near miss', () => {
  for (const NODE_ENV of ['production', 'Production', 'PRODUCTION']) {
    it(`NODE_ENV=${NODE_ENV} without SECRET_KEY refuses to start`, () => {
      assert.match(refusal({ NODE_ENV }).message, /^SECRET_KEY is missing: NODE_ENV=\w+ needs a fixed secret key/);
    });
  }
  for (const NODE_ENV of ['prod', ' production', 'production ', 'staging', 'produção']) {
    it(`NODE_ENV=${JSON.stringify(NODE_ENV)} without SECRET_KEY refuses to start rather than make a development key`, () => {
      const dir = freshDir();
      const error = refusal({ NODE_ENV }, dir);
      assert.match(error.message, /^NODE_ENV is invalid: ".*" \(without SECRET_KEY the server makes its own key only in development: set SECRET_KEY, or NODE_ENV to development, test or production\)$/);
      assert.throws(() => statSync(join(dir, DEV_SECRET_FILE)), /ENOENT/, 'no development key was written');
    });
  }
  for (const NODE_ENV of ['development', 'Development', 'test']) {
    it(`NODE_ENV=${NODE_ENV} without SECRET_KEY is development mode`, () => {
      assert.match(loadConfig({ NODE_ENV }, freshDir()).notices.join('\n'), /development mode made a random key/);
    });
  }
  it('with SECRET_KEY, takes any NODE_ENV (other tools read it too)', () => {
    assert.equal(loadConfig({ NODE_ENV: 'staging', SECRET_KEY: KEY }, freshDir()).secret.length, 32);
  });
});

describe('SIGNET_SECRET_FILE holds only what development mode writes there', () => {
  const withFile = (content: string | Buffer): { dir: string; error: ConfigError } => {
    const dir = freshDir();
    writeFileSync(join(dir, 'key'), content);
    return { dir, error: refusal({ SIGNET_SECRET_FILE: 'key' }, dir) };
  };
  const WHAT_TO_DO = /\(it must hold the key development mode wrote there, hex: and 64 hex digits: delete the file to make a new key, point SIGNET_SECRET_FILE elsewhere, or set SECRET_KEY\)$/;

  for (const [what, content] of [
    ['a host name, as /etc/hostname holds', 'my-laptop\n'],
    ['a text key', 'correct horse battery staple\n'],
    ['a key under 32 bytes', `hex:${LESSON_HEX}\n`],
    ['the key in upper-case prefix', `HEX:${'ab'.repeat(32)}\n`],
    ['the key after a space', ` hex:${'ab'.repeat(32)}\n`],
    ['nothing', ''],
    ['binary bytes', Buffer.from([0xff, 0xfe, 0x00, 0x01])],
  ] as const) {
    it(`refuses a file holding ${what}, without showing it`, () => {
      const { error } = withFile(content);
      assert.match(error.message, /^SIGNET_SECRET_FILE is invalid: \/.*\/key does not hold a development key /);
      assert.match(error.message, WHAT_TO_DO);
      if (content.length > 4) assert.ok(!error.message.includes(String(content).trim()), error.message);
    });
  }

  it('refuses /etc/hostname itself, a directory and a device', () => {
    assert.match(refusal({ SIGNET_SECRET_FILE: '/etc/hostname' }).message, /^SIGNET_SECRET_FILE is invalid: \/etc\/hostname does not hold a development key/);
    const dir = freshDir();
    assert.match(refusal({ SIGNET_SECRET_FILE: dir }).message, /^SIGNET_SECRET_FILE is invalid: .* is a directory \(/);
    assert.match(refusal({ SIGNET_SECRET_FILE: '/dev/zero' }).message, /^SIGNET_SECRET_FILE is invalid: \/dev\/zero is not a regular file \(/);
    assert.match(refusal({ SIGNET_SECRET_FILE: ' key' }).message, /^SIGNET_SECRET_FILE is invalid: " key" \(remove the whitespace around the path\)$/);
  });

  it('refuses a file too large to be a key', () => {
    assert.match(withFile('x'.repeat(10_000)).error.message, /is 10000 bytes, too large for a key/);
  });

  it('reads back what it wrote, with or without the final newline, and an empty SIGNET_SECRET_FILE is the default', () => {
    const dir = freshDir();
    const first = loadConfig({ SIGNET_SECRET_FILE: '' }, dir);
    const written = readFileSync(join(dir, DEV_SECRET_FILE), 'utf8');
    writeFileSync(join(dir, DEV_SECRET_FILE), written.trimEnd());
    assert.deepEqual(Buffer.from(loadConfig({}, dir).secret), Buffer.from(first.secret));
  });

  it('warns that SIGNET_SECRET_FILE does nothing when SECRET_KEY is set', () => {
    assert.match(loadConfig({ SECRET_KEY: KEY, SIGNET_SECRET_FILE: 'key' }, freshDir()).notices.join('\n'), /warning: SIGNET_SECRET_FILE is ignored: SECRET_KEY is set/);
  });
});

describe('the values the server takes', () => {
  it('reads the words of the settings in any case: SESSION_FORMAT, SameSite, Secure, the booleans', () => {
    const config = loadConfig({ SECRET_KEY: KEY, SESSION_FORMAT: 'Sealed', SESSION_COOKIE_SAMESITE: 'strict', SESSION_COOKIE_SECURE: 'AUTO', SESSION_COOKIE_HTTPONLY: 'Yes', LOG_REQUESTS: 'OFF' }, freshDir());
    assert.equal(config.session.format, 'sealed');
    assert.equal(config.session.cookie?.sameSite, 'Strict');
    assert.equal(config.session.cookie.secure, 'auto');
    assert.equal(config.session.cookie.httpOnly, true);
    assert.equal(config.logRequests, false);
  });

  it('takes the edges of every range', () => {
    const config = loadConfig({ SECRET_KEY: KEY, PORT: '65535', MAX_COOKIE_SIZE: '4096', SHUTDOWN_TIMEOUT: '3600', SESSION_IDLE_TIMEOUT: '60', SESSION_ABSOLUTE_TIMEOUT: '60', PERMANENT_SESSION_LIFETIME: '1' }, freshDir());
    assert.equal(config.port, 65535);
    assert.equal(config.session.maxCookieSize, 4096);
    assert.equal(config.shutdownTimeout, 3600);
    assert.equal(loadConfig({ SECRET_KEY: KEY, SHUTDOWN_TIMEOUT: '0', MAX_COOKIE_SIZE: '64' }, freshDir()).shutdownTimeout, 0);
  });

  it('waits 10 seconds at shutdown unless SHUTDOWN_TIMEOUT says otherwise', () => {
    assert.equal(loadConfig({ SECRET_KEY: KEY }, freshDir()).shutdownTimeout, 10);
    assert.equal(loadConfig({ SECRET_KEY: KEY, SHUTDOWN_TIMEOUT: '' }, freshDir()).shutdownTimeout, 10);
  });

  it('takes HOST as an IP address or a host name', () => {
    for (const HOST of ['0.0.0.0', '::', '::1', '127.0.0.1', 'localhost', 'my-host.example']) assert.equal(loadConfig({ SECRET_KEY: KEY, HOST }, freshDir()).host, HOST);
  });

  it('reads TRUST_PROXY as a boolean or a list of addresses, ranges and names, and every framework takes every one', async () => {
    const cases: ReadonlyArray<readonly [string, unknown]> = [
      ['1', true], ['true', true], ['YES', true], ['on', true], ['0', false], ['False', false], ['no', false],
      ['127.0.0.1', ['127.0.0.1']],
      ['10.0.0.0/8, 192.168.0.0/16', ['10.0.0.0/8', '192.168.0.0/16']],
      ['Loopback,::1,fe80::/10', ['loopback', '::1', 'fe80::/10']],
      ['linklocal,uniquelocal,::ffff:10.0.0.1,10.1.2.3/32,::/1', ['linklocal', 'uniquelocal', '::ffff:10.0.0.1', '10.1.2.3/32', '::/1']],
    ];
    for (const [TRUST_PROXY, expected] of cases) {
      const config = loadConfig({ SECRET_KEY: KEY, TRUST_PROXY }, freshDir());
      assert.deepEqual(config.trustProxy, expected, TRUST_PROXY);
      for (const framework of FRAMEWORKS) {
        const app = await buildServer({ framework, secret: config.secret, logRequests: false, ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }) });
        await app.listen({ port: 0, host: '127.0.0.1' });
        try {
          const answer = await httpRequest((app.server.address() as AddressInfo).port, '/sessions/hello', { headers: { 'x-forwarded-for': '10.9.8.7', 'x-forwarded-proto': 'https' } });
          assert.equal(answer.status, 200, `${framework}, TRUST_PROXY=${TRUST_PROXY}`);
        } finally {
          await app.close();
        }
      }
    }
    assert.equal(loadConfig({ SECRET_KEY: KEY, TRUST_PROXY: '' }, freshDir()).trustProxy, undefined);
  });
});

describe('warnings for values that work but almost surely do not do what was meant', () => {
  const warnings = (env: NodeJS.ProcessEnv): string[] => loadConfig({ SECRET_KEY: KEY, ...env }, freshDir()).notices.filter((notice) => notice.startsWith('warning:'));

  it('none for a plain environment', () => {
    assert.deepEqual(warnings({ PATH: '/usr/bin', HOME: '/root', HOSTNAME: 'box', PWD: '/', USER: 'me', LANG: 'C.UTF-8', TERM: 'xterm', SHELL: '/bin/sh', NODE_OPTIONS: '', npm_config_cache: '/x' }), []);
  });

  it('names a variable that is one of ours misspelled or in the wrong case', () => {
    assert.deepEqual(warnings({ SESSION_COOKIE_SAMSITE: 'Lax', secret_key: 'x', SESSION_IDLE_TIMOUT: '60', PORTT: '80', SIGNET_FRAMEWROK: 'hono' }), [
      'warning: SESSION_COOKIE_SAMSITE is not a setting the server reads; did you mean SESSION_COOKIE_SAMESITE?',
      'warning: secret_key is not a setting the server reads; did you mean SECRET_KEY?',
      'warning: SESSION_IDLE_TIMOUT is not a setting the server reads; did you mean SESSION_IDLE_TIMEOUT?',
      'warning: PORTT is not a setting the server reads; did you mean PORT?',
      'warning: SIGNET_FRAMEWROK is not a setting the server reads; did you mean SIGNET_FRAMEWORK?',
    ]);
  });

  it('says when a lifetime is longer than browsers keep a cookie, and when the idle timeout cannot apply', () => {
    assert.match(warnings({ PERMANENT_SESSION_LIFETIME: String(500 * 86400) }).join('\n'), /PERMANENT_SESSION_LIFETIME is 43200000 seconds, but browsers keep a cookie 400 days/);
    assert.match(warnings({ PERMANENT_SESSION_LIFETIME: '3600', SESSION_IDLE_TIMEOUT: '7200' }).join('\n'), /SESSION_IDLE_TIMEOUT \(7200\) never applies/);
    assert.deepEqual(warnings({ PERMANENT_SESSION_LIFETIME: '7200', SESSION_IDLE_TIMEOUT: '3600' }), []);
  });
});
