/**
 * `npm start` as a user meets it: the real entry point in its own process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FRAMEWORK_NAMES, FRAMEWORKS } from 'signet-lesson/server/app';
import { FlaskSessionCodec } from 'signet-session';
import { startRedis, type RedisProcess } from './support/redis-server.js';

const MAIN = fileURLToPath(import.meta.resolve('signet-lesson/server/main'));
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
  for (const framework of FRAMEWORKS) {
    it(`serves the lesson on ${FRAMEWORK_NAMES[framework]} with SIGNET_FRAMEWORK=${framework}, names it in its start-up line, logs each request, and stops cleanly on Ctrl-C`, async () => {
      const server = await start({ SECRET_KEY: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f', SIGNET_FRAMEWORK: framework });
      assert.match(server.output(), new RegExp(`^signet: the lesson API is on http://127\\.0\\.0\\.1:${String(server.port)}/sessions/hello \\(${FRAMEWORK_NAMES[framework]}; Ctrl-C stops it\\)$`, 'm'));
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
      assert.match(server.output(), /SIGINT received, closing: waiting up to 10 s \(SHUTDOWN_TIMEOUT\) for requests in progress[^]*stopped\n/);
    });
  }

  it('runs on Fastify 5 when SIGNET_FRAMEWORK is unset or empty, and takes the name in any case', async () => {
    for (const [env, name] of [[{}, 'Fastify 5'], [{ SIGNET_FRAMEWORK: '' }, 'Fastify 5'], [{ SIGNET_FRAMEWORK: 'Express' }, 'Express 5'], [{ SIGNET_FRAMEWORK: 'HONO' }, 'Hono 4']] as const) {
      const server = await start({ SECRET_KEY: `hex:${'ab'.repeat(32)}`, ...env });
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.match(server.output(), new RegExp(`/sessions/hello \\(${name}; Ctrl-C stops it\\)\n`), JSON.stringify(env));
    }
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

  it('refuses a PORT another process listens on, naming PORT', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const { code, output } = await run({ SECRET_KEY: 'k', HOST: '127.0.0.1', PORT: String(port) });
      assert.equal(code, 1);
      assert.match(output, new RegExp(`signet: cannot start: PORT is invalid: ${port} \\(listen EADDRINUSE.*another process listens there`));
    } finally {
      other.close();
    }
  });

  it('refuses a bad PORT at startup with a message naming it', async () => {
    const { code, output } = await run({ SECRET_KEY: 'k', PORT: 'eighty' });
    assert.equal(code, 1);
    assert.match(output, /PORT is invalid: "eighty"/);
  });
});

describe('What the server loads', () => {
  /**
   * Builds the server in a child process for `framework`, answers one request over HTTP,
   * and names the packages it loaded: CommonJS ones from require's cache, ES modules
   * from a resolve hook that reports every URL it resolves.
   */
  async function packagesLoaded(framework: string): Promise<{ status: number; packages: string[] }> {
    const app = fileURLToPath(import.meta.resolve('signet-lesson/server/app'));
    const hook = `let port; export function initialize(data) { port = data.port; } export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); port.postMessage(resolved.url); return resolved; }`;
    const script = `
      import { createRequire, register } from 'node:module';
      import { get } from 'node:http';
      import { MessageChannel } from 'node:worker_threads';
      const { port1, port2 } = new MessageChannel();
      const urls = [];
      port1.on('message', (url) => urls.push(url));
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
      const { buildServer } = await import(${JSON.stringify(app)});
      const server = await buildServer({ framework: ${JSON.stringify(framework)}, secret: 'x'.repeat(32), logRequests: false });
      await server.listen({ port: 0, host: '127.0.0.1' });
      const status = await new Promise((resolve, reject) => get({ host: '127.0.0.1', port: server.server.address().port, path: '/sessions/hello' }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }).on('error', reject));
      await server.close();
      await new Promise((resolve) => setTimeout(resolve, 100)); // the hook's last messages
      port1.close();
      const files = [...Object.keys(createRequire(import.meta.url).cache), ...urls];
      const packageOf = (file) => { const parts = file.split('/node_modules/').at(-1).split('/'); return file.includes('/node_modules/') ? (parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0]) : undefined; };
      const packages = new Set(files.map(packageOf).filter(Boolean));
      console.log(JSON.stringify({ status, packages: [...packages].sort() }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, err);
    return JSON.parse(out) as { status: number; packages: string[] };
  }

  const FRAMEWORK_PACKAGES: Readonly<Record<string, readonly string[]>> = { fastify: ['fastify'], express: ['express'], hono: ['hono', '@hono/node-server'] };

  for (const framework of FRAMEWORKS) {
    it(`on ${FRAMEWORK_NAMES[framework]}, loads that framework and neither of the other two`, async () => {
      const { status, packages } = await packagesLoaded(framework);
      assert.equal(status, 200);
      for (const [other, names] of Object.entries(FRAMEWORK_PACKAGES)) {
        for (const name of names) assert.equal(packages.includes(name), other === framework, `${name} in ${packages.join(', ')}`);
      }
      if (framework === 'fastify') {
        // Without Ajv and the schema compilers, which only JSON schemas need (the lesson declares none).
        assert.deepEqual(packages.filter((name) => /^(ajv|ajv-compiler|fast-json-stringify-compiler)$/.test(name)), []);
      }
    });
  }
});

/** Runs the server entry to its end, its two output streams apart. */
function runApart(env: Record<string, string>, cwd = mkdtempSync(join(tmpdir(), 'signet-main-'))): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => { resolve({ code, stdout, stderr }); }));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client that opens a request and then sends one header line a second, never ending
 * the headers, for at most `lines` lines, then gives up. Resolves when it is connected and sending.
 */
async function slowClient(port: number, lines = 30): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined); // the server may reset it: that is the point
  const closed = new Promise<number>((resolve) => socket.once('close', () => { resolve(Date.now()); }));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write('GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || ++sent > lines) {
      clearInterval(timer);
      socket.destroy(); // it gives up: a test must end even if the server never closes it
    } else {
      socket.write(`X-Slow-${sent}: one line a second\r\n`);
    }
  }, 1000);
  void closed.then(() => { clearInterval(timer); });
  await sleep(1200); // the server has the request line and a header: a request in progress
  return { socket, received: () => received, closed };
}

/** Milliseconds from `signal` to the process's exit, and its exit code. */
async function stopTimed(server: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ ms: number; code: number | null }> {
  const sent = Date.now();
  server.child.kill(signal);
  const code = await server.exited;
  return { ms: Date.now() - sent, code };
}

for (const framework of FRAMEWORKS) {
  describe(`stopping the server on ${FRAMEWORK_NAMES[framework]} (SIGTERM, Ctrl-C) with a deadline`, { concurrency: true }, () => {
    const KEY = { SECRET_KEY: `hex:${'ab'.repeat(32)}`, SIGNET_FRAMEWORK: framework };

    it('stops at SHUTDOWN_TIMEOUT behind a client sending a header line a second, closing it and exiting 3', async () => {
      const server = await start({ ...KEY, SHUTDOWN_TIMEOUT: '2' });
      const slow = await slowClient(server.port);
      const { ms, code } = await stopTimed(server);
      assert.equal(code, 3, server.output());
      assert.ok(ms >= 1900 && ms < 3500, `exited ${ms} ms after SIGTERM, for a 2 s deadline`);
      await slow.closed;
      assert.match(server.output(), /SIGTERM received, closing: waiting up to 2 s/);
      assert.match(server.output(), /the shutdown deadline of 2 s passed: closed 1 connection still open \(exit code 3\)\n/);
    });

    it('lets a request in progress finish and answers it, closes idle keep-alive connections at once, refuses new ones, and exits 0', async () => {
      const server = await start({ ...KEY, SHUTDOWN_TIMEOUT: '10' });
      // An idle keep-alive connection: one request answered, the socket kept open.
      const idle = connect(server.port, '127.0.0.1');
      const idleClosed = new Promise<number>((resolve) => idle.once('close', () => { resolve(Date.now()); }));
      idle.on('error', () => undefined);
      let idleAnswer = '';
      idle.setEncoding('latin1');
      await new Promise<void>((resolve) => {
        idle.on('data', (chunk: string) => {
          idleAnswer += chunk;
          if (/\r\n\r\n\{[^]*\}\n$/.test(idleAnswer)) resolve();
        });
        idle.write('GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      assert.match(idleAnswer, /^HTTP\/1\.1 200 OK\r\n[^]*connection: keep-alive/i);
      // A request in progress: its body arrives after the signal.
      const body = JSON.stringify({ cookie: 'eyJoZWxsbyI6IldvcmxkIn0.ZVPxAA.qruzPI6h_1Xji_2MD3y_7GHHscI' });
      const answered = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/inspect/decode', agent: new Agent({ keepAlive: true }), headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => { resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }); });
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => req.end(body.slice(10)), 1500);
      });
      await sleep(300);
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      const idleAt = await idleClosed;
      assert.ok(idleAt - signalled < 1000, 'the idle connection was closed at once');
      await sleep(100); // a connection made at the very moment of the stop may be accepted, then reset
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(server.port, '127.0.0.1');
        socket.once('connect', () => { socket.destroy(); resolve('connected'); });
        socket.once('error', (error: NodeJS.ErrnoException) => { resolve(error.code ?? 'error'); });
      });
      assert.equal(refused, 'ECONNREFUSED', 'no new connections once stopping');
      const answer = await answered;
      assert.equal(answer.status, 200, answer.body);
      assert.match(answer.body, /"verified"/);
      assert.equal(answer.connection, 'close', 'the answer closes its connection, so the stop need not wait for it');
      assert.equal(await server.exited, 0, server.output());
      assert.ok(Date.now() - signalled < 3000, `exited ${Date.now() - signalled} ms after SIGTERM, as soon as the request was answered`);
      assert.match(server.output(), /POST \/inspect\/decode 200 [^]*signet: stopped\n/);
    });

    it('stops at once, exiting 3, on a second signal', async () => {
      const server = await start({ ...KEY, SHUTDOWN_TIMEOUT: '60' });
      const slow = await slowClient(server.port);
      server.child.kill('SIGTERM');
      await sleep(300);
      const { ms, code } = await stopTimed(server, 'SIGINT');
      assert.equal(code, 3, server.output());
      assert.ok(ms < 1500, `exited ${ms} ms after the second signal`);
      await slow.closed;
      assert.match(server.output(), /SIGINT again: closed 1 connection still open \(exit code 3\)/);
    });

    it('answers a client still sending its headers after 10 s with 408 and closes it, stop or no stop', async () => {
      const server = await start(KEY);
      const opened = Date.now();
      const slow = await slowClient(server.port);
      const openFor = (await slow.closed) - opened;
      assert.ok(openFor >= 9500 && openFor < 12_500, `closed after ${openFor} ms, for a 10 s headers timeout checked each second`);
      assert.match(slow.received(), /^HTTP\/1\.1 408 Request Timeout\r\n[^]*X-Content-Type-Options: nosniff\r\n[^]*\r\n\r\n\{\n {2}"error": "the request took too long to arrive"\n\}\n$/);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    });
  });
}

describe('configuration errors through the real process', () => {
  it('stops the start on each bad value with one line on stderr, exit 1, and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-main-'));
    writeFileSync(join(dir, 'hostname'), 'my-laptop\n');
    const cases: ReadonlyArray<readonly [Record<string, string>, RegExp]> = [
      [{ SECRET_KEY: 'k', TRUST_PROXY: 'garbage!!' }, /^TRUST_PROXY is invalid: "garbage!!" \(/],
      [{ SECRET_KEY: ' hex:3f77855a0851bd4fb8a9b6354b6aa95f' }, /^SECRET_KEY is invalid: a 37-character value \(remove the whitespace at its start/],
      [{ SECRET_KEY: 'HEX:3f77855a0851bd4fb8a9b6354b6aa95f' }, /^SECRET_KEY is invalid: a 36-character value starting "HEX:" \(write the prefix in lower case, "hex:"\)$/],
      [{ SECRET_KEY: '   ' }, /^SECRET_KEY is invalid: it is only whitespace/],
      [{ SECRET_KEY: 'k', MAX_COOKIE_SIZE: '4k' }, /^MAX_COOKIE_SIZE is invalid: "4k" \(give a number of bytes/],
      [{ SECRET_KEY: 'k', MAX_COOKIE_SIZE: '100000000' }, /^MAX_COOKIE_SIZE is invalid: "100000000"/],
      [{ SECRET_KEY: 'k', SESSION_IDLE_TIMEOUT: '600', SESSION_ABSOLUTE_TIMEOUT: '60' }, /^SESSION_ABSOLUTE_TIMEOUT is invalid: 60 \(it is shorter than SESSION_IDLE_TIMEOUT/],
      [{ NODE_ENV: 'Production' }, /^SECRET_KEY is missing: NODE_ENV=Production needs a fixed secret key/],
      [{ NODE_ENV: 'prod' }, /^NODE_ENV is invalid: "prod"/],
      [{ SIGNET_SECRET_FILE: 'hostname' }, /^SIGNET_SECRET_FILE is invalid: .*\/hostname does not hold a development key/],
      [{ SECRET_KEY: 'k', SHUTDOWN_TIMEOUT: '10s' }, /^SHUTDOWN_TIMEOUT is invalid: "10s" \(give whole seconds/],
      [{ SECRET_KEY: 'k', HOST: '[::1]' }, /^HOST is invalid: "\[::1\]"/],
      [{ SECRET_KEY: 'k', HOST: '999.1.1.1' }, /^HOST is invalid: "999\.1\.1\.1" \(not an IPv4 address/],
      [{ SECRET_KEY: 'k', HOST: 'TRUE' }, /^HOST is invalid: "TRUE" \(getaddrinfo \w+ TRUE; give an address of this machine/],
      [{ SECRET_KEY: 'k', SESSION_COOKIE_NAME: 'x'.repeat(5000) }, /^SESSION_COOKIE_NAME is invalid: "x{40}…" \(5000 characters\) \(every cookie carries its name.* give a name of at most 1000 characters\)$/],
      [{ SECRET_KEY: 'k', SIGNET_FRAMEWORK: 'koa' }, /^SIGNET_FRAMEWORK is invalid: "koa" \(give fastify, express or hono\)$/],
      [{ SECRET_KEY: 'k', SIGNET_FRAMEWORK: ' express' }, /^SIGNET_FRAMEWORK is invalid: " express" \(give fastify, express or hono\)$/],
      [{ SECRET_KEY: 'k', DATABASE_PATH: tmpdir() }, /^DATABASE_PATH is invalid: ".*" is a directory \(give a file path in it/],
      [{ SECRET_KEY: 'k', LOGIN_LIMIT: '5 per minute' }, /^LOGIN_LIMIT is invalid: "5 per minute" \(give N\/S, as 5\/12/],
      [{ SECRET_KEY: 'k', LOGIN_LIMIT: '0/12' }, /^LOGIN_LIMIT is invalid: "0\/12"/],
    ];
    const results = await Promise.all(cases.map(([env]) => runApart(env, dir)));
    results.forEach(({ code, stdout, stderr }, i) => {
      const [env, expected] = cases[i] ?? [{}, /$^/];
      assert.equal(code, 1, JSON.stringify(env));
      const lines = stderr.split('\n');
      assert.equal(lines.length, 2, `one line and its newline: ${stderr}`);
      assert.match(lines[0] ?? '', /^signet: cannot start: /);
      assert.match((lines[0] ?? '').slice('signet: cannot start: '.length), expected);
      assert.doesNotMatch(stderr, /\n\s+at |TypeError|Error:/, 'no stack trace, no raw error');
      assert.doesNotMatch(stdout + stderr, /3f77855a/, 'the key is never shown');
    });
  });

  it('warns at startup about a variable that is one of ours misspelled', async () => {
    const server = await start({ SECRET_KEY: `hex:${'ab'.repeat(32)}`, SESSION_COOKIE_SAMSITE: 'Lax' });
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.match(server.output(), /signet: warning: SESSION_COOKIE_SAMSITE is not a setting the server reads; did you mean SESSION_COOKIE_SAMESITE\?/);
  });
});

describe('SESSION_TYPE: where the lesson keeps its sessions', { timeout: 60_000 }, () => {
  let redis: RedisProcess | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  const KEY = { SECRET_KEY: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f3f77855a0851bd4fb8a9b6354b6aa95f', LOG_REQUESTS: '0' };

  /** Two visits, the second with the cookies of the first: the answers, with the session cookie's value made generic. */
  async function visits(env: Record<string, string>): Promise<{ bodies: string[]; sessionCookie: string; output: string }> {
    const server = await start({ ...KEY, ...env });
    try {
      const first = await get(server.port, '/sessions/hello');
      const pairs = first.setCookie.map((header) => header.split(';')[0] ?? '');
      const session = pairs.find((pair) => pair.startsWith('session='))?.slice('session='.length) ?? '';
      const second = await get(server.port, '/sessions/goodnight', pairs.join('; '));
      return { bodies: [first.body, second.body.replace(session, '<session>')], sessionCookie: session, output: server.output() };
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }

  for (const framework of FRAMEWORKS) {
    it(`gives the same answers with SESSION_TYPE=redis as with cookies on ${framework}; only the cookie holds a signed id instead of the data`, async () => {
      const cookie = await visits({ SIGNET_FRAMEWORK: framework });
      const stored = await visits({ SIGNET_FRAMEWORK: framework, SESSION_TYPE: 'redis', REDIS_URL: redis?.url ?? '' });
      assert.deepEqual(stored.bodies, cookie.bodies);
      assert.match(stored.sessionCookie, /^[\w-]{8}\.[\w-]{43}\.[\w-]{27}$/);
      assert.match(stored.output, /sessions in Redis at redis:\/\/127\.0\.0\.1:\d+/);
    });
  }

  it('keeps sessions in memory with SESSION_TYPE=memory, and warns in production', async () => {
    const cookie = await visits({});
    const memory = await visits({ SESSION_TYPE: 'memory', NODE_ENV: 'production' });
    assert.deepEqual(memory.bodies, cookie.bodies);
    assert.match(memory.output, /warning: SESSION_TYPE=memory keeps sessions in this process only/);
  });

  it('stops the start with a message naming the variable: an unknown type, a URL that is not Redis\'s, a Redis that cannot be reached', async () => {
    const unknown = await run({ ...KEY, SESSION_TYPE: 'file' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.output, /SESSION_TYPE is invalid: "file" \(give cookie/);
    const notRedis = await run({ ...KEY, SESSION_TYPE: 'redis', REDIS_URL: 'http://localhost:6379' });
    assert.match(notRedis.output, /REDIS_URL is invalid: "http:\/\/localhost:6379" \(give a Redis URL/);
    const unreachable = await run({ ...KEY, SESSION_TYPE: 'redis', REDIS_URL: 'redis://:secret@127.0.0.1:1' });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.output, /REDIS_URL is invalid or unreachable: redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(connect ECONNREFUSED/);
    assert.doesNotMatch(unreachable.output, /secret/, 'the password is not logged');
  });
});
