import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEV_SECRET_FILE, loadConfig } from '../src/server/config.js';

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
    assert.throws(() => loadConfig({}, dir), /is invalid.*Delete the file/);
  });

  it('switches request logging with LOG_REQUESTS', () => {
    assert.equal(loadConfig({ SECRET_KEY: 'k' }, freshDir()).logRequests, true);
    assert.equal(loadConfig({ SECRET_KEY: 'k', LOG_REQUESTS: '0' }, freshDir()).logRequests, false);
    assert.throws(() => loadConfig({ SECRET_KEY: 'k', LOG_REQUESTS: 'maybe' }, freshDir()), /LOG_REQUESTS is invalid/);
  });
});
