/**
 * `npm start` as a user meets it: the real entry point in its own process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { FlaskSessionCodec } from '../src/index.js';

const MAIN = fileURLToPath(new URL('../src/server/main.js', import.meta.url));
const LESSON_KEY = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function start(env: Record<string, string>, cwd = mkdtempSync(join(tmpdir(), 'signet-main-'))): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) resolve({ child, port: Number(match[1]), output: () => output, exited });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => { reject(new Error(`exited ${String(code)} before listening:\n${output}`)); });
  });
}

function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [MAIN], { cwd: mkdtempSync(join(tmpdir(), 'signet-main-')), env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => { resolve({ code, output }); }));
}

function get(port: number, path: string, cookie?: string): Promise<{ status: number; setCookie: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: cookie === undefined ? {} : { cookie } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], body }); });
    });
    req.on('error', reject);
    req.end();
  });
}

const sessionCookie = (setCookie: readonly string[]): string => {
  const header = setCookie.find((c) => c.startsWith('session='));
  assert.ok(header, `no session cookie in ${JSON.stringify(setCookie)}`);
  return header.slice('session='.length, header.indexOf(';'));
};

describe('npm start (the server process)', () => {
  it('serves the lesson with the lesson key, logs each request, and stops cleanly on Ctrl-C', async () => {
    const server = await start({ SECRET_KEY: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f' });
    const answer = await get(server.port, '/sessions/hello');
    assert.equal(answer.status, 200);
    const decoded = new FlaskSessionCodec({ secret: LESSON_KEY }).decode(sessionCookie(answer.setCookie));
    assert.ok(decoded.ok, 'the session cookie verifies with the lesson key');
    assert.deepEqual({ ...decoded.value.data }, { hello: 'World', goodnight: 'Moon' });
    await get(server.port, '/sessions/hello', 'session=forged.cookie.value');
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0);
    assert.match(server.output(), /GET \/sessions\/hello 200 \d+\.\d+ms/);
    assert.match(server.output(), /ignored the session cookie: signature-mismatch/);
    assert.match(server.output(), /SIGINT received, closing\n[^]*stopped/);
  });

  it('without SECRET_KEY keeps its development key across a restart, so a session survives', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'signet-dev-'));
    const first = await start({}, cwd);
    assert.match(first.output(), /development mode made a random key/);
    const cookie = sessionCookie((await get(first.port, '/sessions/hello')).setCookie);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = await start({}, cwd);
    assert.match(second.output(), /development mode uses the random key saved/);
    const again = await get(second.port, '/sessions/hello', `session=${cookie}`);
    second.child.kill('SIGTERM');
    await second.exited;
    assert.doesNotMatch(second.output(), /ignored the session cookie/);
    assert.match(again.body, /"session": "/, 'the returned session cookie is echoed');
  });

  it('refuses to start in production without SECRET_KEY and says what to set', async () => {
    const { code, output } = await run({ NODE_ENV: 'production', PORT: '0' });
    assert.equal(code, 1);
    assert.match(output, /cannot start: SECRET_KEY is missing/);
  });

  it('refuses a bad PORT at startup with a message naming it', async () => {
    const { code, output } = await run({ SECRET_KEY: 'k', PORT: 'eighty' });
    assert.equal(code, 1);
    assert.match(output, /PORT is invalid: "eighty"/);
  });
});

describe('What the server loads', () => {
  it('builds without Ajv and the schema compilers, which only JSON schemas need (the lesson declares none)', async () => {
    const app = fileURLToPath(new URL('../src/server/app.js', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const { buildServer } = await import(${JSON.stringify(app)});
      const server = await buildServer({ secret: 'x'.repeat(32), logRequests: false });
      const answer = await server.inject({ url: '/sessions/hello' });
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ status: answer.statusCode, fastify: loaded.some((m) => m.includes('/fastify/')), schemaModules: loaded.filter((m) => /\\/(ajv|ajv-compiler|fast-json-stringify-compiler)\\//.test(m)).length }));
      await server.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), { status: 200, fastify: true, schemaModules: 0 });
  });
});
