/**
 * The hostile traffic of the HTTP fuzz: Cookie headers, paths and methods an attacker
 * would send, each request different, built cheaply from a seeded generator.
 *
 * "Pipelined" requests are valid HTTP/1.1 framing (Node's parser takes them) with
 * hostile content, so they can share keep-alive connections; "solo" requests are raw
 * bytes that may break the framing (bad request lines, NUL bytes, folding, bad chunked
 * bodies, huge lengths, oversized headers), each sent on a connection of its own.
 */
import { Markup, Tuple, Uuid, type PyDict, type PyValue } from 'signet-session';
import type { RawRequest } from './http-raw.js';
import { Picker, weighted, type Rng } from './rng.js';
import type { ServerFormat } from './server.js';
import { nonceFrom, sealPlaintext, sealPlaintextVersion1, sealedCookie, signPayload, signPayloadWrongKey, signedCookie, payloadOf, now, SEALED_KEY_ID, type Bomb } from './tokens.js';

export interface Pools {
  readonly format: ServerFormat;
  /** Cookies signed by the real Flask with the lesson key. */
  readonly flaskMade: readonly string[];
  readonly bombs: readonly Bomb[];
  /** Kinds of input to leave out (to see what the rest costs). */
  readonly without?: readonly string[];
}

/**
 * The most header bytes a pipelined request carries: under Node's 16 KiB limit, which
 * closes the connection (and a close with unread requests resets it, losing the answer).
 */
const MAX_PIPELINED_HEAD = 15_000;
const B64URL: readonly string[] = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
const TRICKY = ['=', ';', ' ', '"', '\\', ',', '\t', 'a', 'session', '.', '%', '\xff', '\x80', '\xc3\xa9', '\\0', '\\073', '==', '; ', '"\\', 'mouse=Cookie', '\xef\xbb\xbf', '%00', '%3B'];

/** Bytes a header value may hold in Node's parser: tab, printable ASCII, and 0x80-0xff. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_HEADER = /[\x00-\x08\x0a-\x1f\x7f]/g;
const headerSafe = (text: string): string => text.replace(FORBIDDEN_IN_HEADER, ' ');
/** Characters > 0xff as their UTF-8 bytes, one char per byte. */
const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

export class HostileTraffic {
  private readonly validPool: string[] = [];
  private readonly sealedPool: string[] = [];

  /** Prepared Cookie headers of each kind; a request takes one and makes it its own. */
  private readonly fragments = new Map<string, Array<string | undefined>>();
  private readonly familyPicker: Picker<string>;
  private readonly methodPicker = new Picker(METHODS);
  private readonly paths: string[] = [];

  /**
   * `variety`: how many Cookie headers of each kind are prepared up front (and paths):
   * preparing costs about 0.1 ms each, taking one then costs about a microsecond.
   */
  constructor(
    private readonly rng: Rng,
    private readonly pools: Pools,
    variety = 1000,
  ) {
    for (let i = 0; i < 64; i++) this.validPool.push(signedCookie({ hello: 'World', goodnight: 'Moon', seed: i }));
    for (let i = 0; i < 16; i++) this.sealedPool.push(sealedCookie(`{"hello":"World","goodnight":"Moon","seed":${i}}`, nonceFrom(rng)));
    this.validPool.push(...this.sealedPool);
    this.validPool.push(...pools.flaskMade);
    const families = this.families();
    this.familyPicker = new Picker(families);
    for (const [, family] of families) {
      const list: Array<string | undefined> = [];
      // A bomb is one of a few; everything else gets `variety` different headers.
      const n = family === 'compression-bomb' ? pools.bombs.length * 4 : family === 'many-pairs' || family === 'long-run' ? Math.ceil(variety / 4) : variety;
      for (let k = 0; k < n; k++) list.push(this.cookieOf(family, k));
      this.fragments.set(family, list);
    }
    for (let k = 0; k < variety; k++) this.paths.push(this.path());
  }

  /** Kinds of input whose header must stay exactly as made (a run of spaces to the end). */
  private static readonly EXACT = new Set(['long-run', 'empty']);

  // ---------------------------------------------------------------------------
  // Pipelined: valid framing, hostile content

  pipelined(i: number): RawRequest {
    const rng = this.rng;
    const family = this.familyPicker.pick(rng);
    const list = this.fragments.get(family) ?? [];
    let cookie = list[rng.int(list.length)];
    // Each request its own: a cookie of its own number, before or after the rest.
    if (cookie !== undefined && !HostileTraffic.EXACT.has(family)) cookie = rng.chance(0.5) ? `${cookie}; r${i}=${i}` : `r${i}=${i}; ${cookie}`;
    const method = this.methodPicker.pick(rng);
    let path = family === 'inspector-post' ? '/inspect/decode' : (this.paths[rng.int(this.paths.length)] as string);
    if (path === '/sessions/hello') path += `?r=${i}`;
    let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
    if (rng.chance(0.05)) head += `Cookie: second=${i}; session=${rng.pick(this.validPool)}\r\n`;
    if (rng.chance(0.03)) head += 'X-Signet-Inspect: 1\r\n';
    if (rng.chance(0.03)) head += 'X-Forwarded-Proto: https\r\nX-Forwarded-For: 10.0.0.1\r\n';
    if (cookie !== undefined) head += `Cookie: ${cookie.slice(0, Math.max(0, MAX_PIPELINED_HEAD - head.length - 100))}\r\n`;
    let body = '';
    if (family === 'inspector-post') {
      body = utf8Bytes(JSON.stringify(this.inspectorBody(cookie ?? '')));
      // Over the decoder's 8 KiB limit, the server answers 413 and drops the connection
      // with the rest of the body unread: not for a shared connection (solo requests try it).
      if (body.length > 8000) body = utf8Bytes(JSON.stringify({ cookie: (cookie ?? '').slice(0, 4000) }));
      head = `POST /inspect/decode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
      if (cookie !== undefined && rng.chance(0.5)) head += `Cookie: ${cookie.slice(0, MAX_PIPELINED_HEAD - head.length - 100)}\r\n`;
    } else if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      body = rng.chance(0.5) ? '' : headerSafe(this.garbage(200));
      head += `Content-Length: ${body.length}\r\n${rng.chance(0.5) ? 'Content-Type: application/json\r\n' : ''}`;
    }
    return { bytes: Buffer.from(head + '\r\n' + body, 'latin1'), head: head.startsWith('HEAD '), family };
  }

  private inspectorBody(cookie: string): Record<string, unknown> {
    const rng = this.rng;
    const value = cookie.startsWith('session=') ? cookie.slice(8).split(';')[0] : cookie;
    const body: Record<string, unknown> = rng.chance(0.2) ? { useMyCookie: true } : { cookie: rng.chance(0.3) ? rng.pick(this.pools.bombs).cookie : value };
    if (rng.chance(0.3)) body.secret = rng.pick(['hex:3f77855a0851bd4fb8a9b6354b6aa95f', 'wrong', 'hex:zz', '', 'x'.repeat(2000), 'base64:!!']);
    return body;
  }

  private path(): string {
    const rng = this.rng;
    const r = rng.next();
    if (r < 0.6) return '/sessions/hello';
    if (r < 0.68) return '/sessions/goodnight';
    if (r < 0.8) return '/sessions/' + this.pathKey();
    if (r < 0.92) return rng.pick(ODD_PATHS);
    return `/sessions/hello?${this.urlSafe(this.garbage(300))}`;
  }

  private pathKey(): string {
    const rng = this.rng;
    const parts: string[] = [];
    const n = rng.range(1, 12);
    for (let k = 0; k < n; k++) {
      parts.push(
        weighted(rng, [
          [4, () => rng.pick(['hello', 'goodnight', 'session', '_permanent', '_flashes', 'constructor', '__proto__', 'toString'])],
          [3, () => `%${rng.int(256).toString(16).padStart(2, '0').toUpperCase()}`],
          [2, () => rng.pick(['%ZZ', '%', '%%', '%C3%28', '%F0%9F%8D%AA', '%00', '%2F', '%ED%A0%80', '%EF%BB%BF', '%E2%80%AE', '..', '.', ';', '~'])],
          [1, () => '%41'.repeat(rng.length(500))],
          [1, () => 'k'.repeat(rng.length(2000))],
        ])(),
      );
    }
    return this.urlSafe(parts.join('')).slice(0, 3000);
  }

  /** Bytes a request target may hold: printable ASCII without space. */
  private urlSafe(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/[\x00-\x20\x7f-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }

  private garbage(max: number): string {
    const rng = this.rng;
    const length = rng.length(max) + 1;
    let out = '';
    while (out.length < length) out += rng.chance(0.5) ? rng.pick(TRICKY) : String.fromCharCode(rng.chance(0.8) ? rng.range(0x20, 0x7e) : rng.range(0x80, 0xff));
    return out;
  }

  private families(): ReadonlyArray<readonly [number, string]> {
    return (this.familyList ??= this.allFamilies().filter(([, name]) => this.pools.without?.includes(name) !== true));
  }

  private familyList: ReadonlyArray<readonly [number, string]> | undefined;

  private allFamilies(): ReadonlyArray<readonly [number, string]> {
    const sealed = this.pools.format !== 'flask';
    return [
      [10, 'garbage'],
      [2, 'many-pairs'],
      [5, 'repeated-names'],
      [8, 'quotes-escapes'],
      [6, 'non-ascii'],
      [14, 'near-valid'],
      [sealed ? 6 : 12, 'valid-signed'],
      [6, 'flask-made'],
      [sealed ? 12 : 3, 'sealed-valid'],
      [sealed ? 8 : 2, 'sealed-near'],
      [2, 'large-valid'],
      [0.25, 'compression-bomb'],
      [0.1, 'long-run'],
      [8, 'browser-like'],
      [3, 'empty'],
      [1, 'inspector-post'],
    ];
  }

  private cookieOf(family: string, i: number): string | undefined {
    const rng = this.rng;
    switch (family) {
      case 'garbage':
        return headerSafe(this.garbage(1500));
      case 'many-pairs': {
        const count = 50 + rng.length(1500);
        const seps = ['; ', ';', ' ; ', ';;', '; \t'];
        const sep = rng.pick(seps);
        const parts: string[] = [];
        const repeatName = rng.chance(0.3);
        for (let j = 0; j < count; j++) parts.push(`${repeatName ? 'k' : `k${j}`}=${j % 7 === 0 ? '' : j}`);
        parts.splice(rng.int(parts.length), 0, `session=${rng.pick(this.validPool)}`);
        return parts.join(sep);
      }
      case 'repeated-names': {
        const count = 2 + rng.length(120);
        const parts: string[] = [];
        for (let j = 0; j < count; j++) {
          parts.push(`session=${weighted(rng, [[3, () => rng.pick(this.validPool)], [2, () => this.nearValid(rng.pick(this.validPool))], [1, () => ''], [1, () => headerSafe(this.garbage(40))]] as const)()}`);
        }
        return parts.join(rng.chance(0.8) ? '; ' : ';');
      }
      case 'quotes-escapes': {
        const pieces = ['\\"', '\\\\', '\\', '"', '\\073', '\\377', '\\0', ';', ' ', 'a', '\\x', '\\\t', '\\054', '=', '\\"\\"'];
        let value = '"';
        const n = rng.length(600) + 1;
        for (let k = 0; k < n; k++) value += rng.pick(pieces);
        if (rng.chance(0.5)) value += '"';
        const name = rng.pick(['session', 'mouse', 'a', '"session"', 'session ', ' session']);
        return `${name}=${value}${rng.chance(0.3) ? `; session=${rng.pick(this.validPool)}` : ''}`;
      }
      case 'non-ascii': {
        const chars: string[] = [];
        const n = rng.length(400) + 1;
        for (let k = 0; k < n; k++) {
          chars.push(
            weighted(rng, [
              [3, () => String.fromCodePoint(rng.range(0xa0, 0x2fff))],
              [2, () => String.fromCodePoint(rng.range(0x1f300, 0x1faff))],
              [1, () => rng.pick(['\ufeff', '\ufffd', '\u202e', '\u0000', '\u2028', '\ud800', '\udfff', 'é', 'ñ'])],
              [2, () => String.fromCharCode(rng.range(0x20, 0x7e))],
            ] as const)(),
          );
        }
        const text = utf8Bytes(chars.join(''));
        // Raw bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogates.
        const raw = rng.chance(0.4) ? rng.pick(['\x80', '\xc0\xaf', '\xed\xa0\x80', '\xf8\x88\x80\x80\x80', '\xff\xfe', '\xe2\x82']) : '';
        return headerSafe(rng.chance(0.5) ? `session=${text}${raw}` : `${text}${raw}=${raw}${text}`);
      }
      case 'near-valid':
        return `session=${this.nearValid(rng.pick(this.validPool))}`;
      case 'valid-signed':
        return `session=${signedCookie(this.sessionData(i))}${rng.chance(0.5) ? '; mouse=Cookie' : ''}`;
      case 'flask-made':
        return `session=${rng.pick(this.pools.flaskMade)}`;
      case 'sealed-valid':
        return `session=${this.sealedVariant(i)}`;
      case 'sealed-near':
        return `session=${this.nearValid(rng.pick(this.sealedPool))}`;
      case 'large-valid': {
        // Sessions near the 4 KB limit, in both formats: finding 3 (never locked out).
        // Unchanged by the lesson (hello and goodnight already set), or changed (hello empty).
        const size = rng.range(2800, 4080);
        const filler = this.random64(size);
        const hello = rng.chance(0.7) ? 'World' : '';
        if (this.pools.format !== 'flask' && rng.chance(0.5)) return `session=${sealedCookie(`{"filler":"${filler.slice(0, size - 200)}","goodnight":"Moon","hello":"${hello}","n":${i}}`, nonceFrom(rng))}`;
        return `session=${signedCookie({ hello, goodnight: 'Moon', filler: filler.slice(0, size - 120), n: i })}`;
      }
      case 'compression-bomb':
        return `session=${(this.pools.bombs[i % this.pools.bombs.length] as Bomb).cookie}`;
      case 'long-run': {
        const k = rng.range(1000, 12_000);
        return weighted(rng, [
          [1, () => `a=b${' '.repeat(k)}x`],
          [1, () => `a${' '.repeat(k)}b`],
          [1, () => `session=${'\t'.repeat(k)}x`],
          [1, () => `a="${'\\"'.repeat(k >> 1)}`],
          [1, () => `a${'='.repeat(k)}`],
          [1, () => `${' ='.repeat(k >> 1)}x`],
        ] as const)();
      }
      case 'browser-like':
        return `session=${rng.pick(this.validPool)}; mouse=Cookie; _ga=GA1.2.${i}.${rng.int(1e9)}; theme=dark`;
      case 'empty':
        return rng.pick([undefined, '', 'session=', 'session', '=', ';', 'session=""', '; ;', 'session=;session=', ' ']);
      case 'inspector-post':
        return `session=${rng.chance(0.5) ? rng.pick(this.validPool) : this.nearValid(rng.pick(this.validPool))}`;
      default:
        throw new Error(`unknown family ${family}`);
    }
  }

  private random64(n: number): string {
    let out = '';
    for (let k = 0; k < n; k++) out += this.rng.pick(B64URL);
    return out;
  }

  /** Session data for a validly signed cookie: every kind of value, some the lesson cannot show. */
  private sessionData(i: number): PyDict {
    const rng = this.rng;
    const value = (): PyValue =>
      weighted(rng, [
        [6, (): PyValue => 'World'],
        [2, (): PyValue => this.garbage(40).replace(/[^\x20-\x7e]/g, '?')],
        [1, (): PyValue => rng.int(1e9) - 5e8],
        [1, (): PyValue => 12345678901234567890n * BigInt(i + 1)],
        [1, (): PyValue => rng.next() * 1e6],
        [1, (): PyValue => [1, 'two', [3, null]]],
        [1, (): PyValue => ({ nested: { x: i } })],
        [1, (): PyValue => new Tuple([i, 'x'])],
        [1, (): PyValue => Uint8Array.from([1, 2, 3, i & 0xff])],
        [1, (): PyValue => new Markup('<b>x</b>')],
        [1, (): PyValue => new Uuid('12345678123456781234567812345678')],
        [1, (): PyValue => new Date(Math.floor(Date.now() / 1000) * 1000)],
        [1, (): PyValue => null],
        [1, (): PyValue => false],
        [1, (): PyValue => ''],
      ] as const)();
    const data: PyDict = { hello: value(), goodnight: value(), n: i };
    const extra = rng.int(4);
    for (let k = 0; k < extra; k++) data[rng.pick(['_permanent', '_fresh', 'user', 'a b', 'ünï', '" t', ' di', '1', '0'])] = value();
    return data;
  }

  /** A sealed token: valid, or valid encryption of something the server must refuse. */
  private sealedVariant(i: number): string {
    const rng = this.rng;
    const nonce = nonceFrom(rng);
    const t = now();
    return weighted(rng, [
      [8, () => sealedCookie(`{"hello":"World","goodnight":"Moon","n":${i}}`, nonce)],
      [1, () => sealedCookie(`{"hello":{" b":"AAEC"},"n":${i}}`, nonce)],
      [1, () => sealedCookie(`{"hello":{" t":[${i}]},"goodnight":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}}`, nonce)],
      [1, () => sealedCookie(`{"n":${i}}`, nonce, { created: t - 100, issued: t - 50, expires: t - 1 })],
      [1, () => sealedCookie(`{"n":${i}}`, nonce, { created: t, issued: t + 3600, expires: t + 7200 })],
      [1, () => sealedCookie(`{"n":${i}}`, nonce, { created: t + 100, issued: t, expires: t + 100 })],
      [1, () => sealPlaintext(`[${t},${t},${t + 60},[1,2,${i}]]`, nonce)],
      [1, () => sealPlaintext(`not json ${i}`, nonce)],
      [1, () => sealPlaintext(`[${t},${t},${t + 60},${'['.repeat(2000)}]`, nonce)],
      [1, () => sealPlaintext(`[1.5,"x",-1,{"n":${i}}]`, nonce)],
      [1, () => sealPlaintext(`[${t},${t},${t + 60},{"n":${i}},5]`, nonce)],
      [1, () => sealPlaintext(`[${t},${t},${t + 60},{"n":${i}}]`, nonce, true)],
      [1, () => sealPlaintextVersion1(`[${t},${t},${t + 60},{"hello":"World","n":${i}}]`, nonce)],
      [1, () => `S2.${SEALED_KEY_ID}.${Buffer.alloc(52, i & 0xff).toString('base64url')}`],
      [1, () => `S2.${SEALED_KEY_ID}.${this.random64(60)}`],
      [1, () => `S2.${this.random64(8)}.${this.random64(80)}`],
      [1, () => signPayload(payloadOf(`{"hello":"World","n":${i}}`, false))],
    ] as const)();
  }

  /** A token changed a little: what a tamperer tries first. */
  nearValid(token: string): string {
    const rng = this.rng;
    let text = token;
    const edits = rng.range(1, 3);
    for (let k = 0; k < edits; k++) {
      const at = rng.int(Math.max(1, text.length));
      text = weighted(rng, [
        [4, () => text.slice(0, at) + rng.pick([...B64URL, '.', '=', '+', '/', '%', ' ']) + text.slice(at + 1)],
        [2, () => text.slice(0, at) + text.slice(at + 1)],
        [2, () => text.slice(0, at) + rng.pick(['.', '..', '=', '.eJ', 'A', '\\', '"']) + text.slice(at)],
        [1, () => text.slice(0, at)],
        [1, () => text.split('.').reverse().join('.')],
        [1, () => `.${text}`],
        [1, () => `"${text}"`],
        [1, () => text.toUpperCase()],
        [1, () => text.replace(/\./g, '%2E')],
        [1, () => text.replace(/\.[^.]*\./, `.${Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('base64url')}.`)],
        [1, () => signPayloadWrongKey(text.split('.')[0] ?? '')],
        [1, () => `${text}${'='.repeat(rng.range(1, 5))}`],
      ] as const)();
    }
    return headerSafe(text);
  }

  // ---------------------------------------------------------------------------
  // Solo: bytes that may not be HTTP at all

  solo(i: number): { bytes: Buffer; head?: boolean; family: string } {
    const rng = this.rng;
    const family = weighted(rng, SOLO_FAMILIES);
    const valid = rng.pick(this.validPool);
    const get = (extra = ''): string => `GET /sessions/hello?s=${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${valid}\r\n${extra}`;
    let text: string;
    switch (family) {
      case 'raw-garbage': {
        const n = rng.length(4000) + 1;
        const bytes = Buffer.allocUnsafe(n);
        for (let k = 0; k < n; k++) bytes[k] = rng.int(256);
        return { bytes, family };
      }
      case 'bad-request-line':
        text = rng.pick([
          'GET\r\n\r\n',
          'GET  /sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /sessions/hello HTTP/9.9\r\nHost: x\r\n\r\n',
          'GET /sessions/hello FOO/1.1\r\nHost: x\r\n\r\n',
          '/sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'get /sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'FOO /sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n',
          `${'G'.repeat(rng.range(100, 20000))} / HTTP/1.1\r\nHost: x\r\n\r\n`,
          `GET /${'a'.repeat(rng.range(1000, 200_000))} HTTP/1.1\r\nHost: x\r\n\r\n`,
          'GET /sessions/hello HTTP/1.1\nHost: x\n\n',
          'GET /sessions/hello HTTP/1.1\rHost: x\r\r',
          'GET /sessions/hello\r\n\r\n',
          'GET /sessions/hello HTTP/1.1\r\n\r\n',
          'GET /sessions/hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
          'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
          'GET /sessions/ hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /sessions/hello HTTP/1.1 \r\nHost: x\r\n\r\n',
          '\r\n\r\n\r\nGET /sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET http://127.0.0.1/sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n',
          'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /sessions/hello HTTP/1.0\r\n\r\n',
          'GET /sessions/hello HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n',
          'GET /sessions/hello HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        ]);
        break;
      case 'nul-bytes':
        text = rng.pick([`GET /sessions/hello\0 HTTP/1.1\r\nHost: x\r\n\r\n`, get('X-A: b\0c\r\n\r\n'), get('X\0: b\r\n\r\n'), `GET /sessions/hello HTTP/1.1\r\nHost: x\r\nCookie: session=\0${valid}\r\n\r\n`, `\0\0\0\0${get('\r\n')}`]);
        break;
      case 'header-folding':
        text = rng.pick([get('X-A: one\r\n two\r\n\r\n'), `GET /sessions/hello HTTP/1.1\r\nHost: x\r\nCookie: a=b\r\n\tsession=${valid}\r\n\r\n`, `GET /sessions/hello HTTP/1.1\r\n Host: x\r\n\r\n`, get('X-A: one\r\n\r\n two\r\n\r\n')]);
        break;
      case 'bad-header':
        text = rng.pick([get('NoColon\r\n\r\n'), get('Space Name: x\r\n\r\n'), get('Host : x\r\n\r\n'), get(': empty name\r\n\r\n'), get('X-\x7f: del\r\n\r\n'), get('X-A:\x01\r\n\r\n'), get(`X-A: ${'\x80'.repeat(100)}\r\n\r\n`), get('Content-Length: 0\r\nContent-Length: 5\r\n\r\nhello')]);
        break;
      case 'bad-chunked': {
        const post = (te: string, body: string): string => `POST /sessions/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\n\r\n${body}`;
        text = rng.pick([
          post('chunked', 'zz\r\nhello\r\n0\r\n\r\n'),
          post('chunked', '-1\r\nx\r\n0\r\n\r\n'),
          post('chunked', 'ffffffffffffffffffff\r\nx\r\n'),
          post('chunked', '5\r\nhelloXX0\r\n\r\n'),
          post('chunked', `5;${'e'.repeat(rng.range(100, 20000))}\r\nhello\r\n0\r\n\r\n`),
          post('chunked', '5\r\nhel'),
          post('chunked', '0\r\nTrailer: x\r\n'),
          post('chunked, gzip', '5\r\nhello\r\n0\r\n\r\n'),
          post('xchunked', '5\r\nhello\r\n0\r\n\r\n'),
          post('chunked\r\nContent-Length: 3', '5\r\nhello\r\n0\r\n\r\n'),
          post('chunked', '5\nhello\n0\n\n'),
          post('chunked', `${'0'.repeat(1000)}5\r\nhello\r\n0\r\n\r\n`),
          post('chunked', '5\r\nhello\r\n0\r\n\r\nGET /sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n'),
        ]);
        break;
      }
      case 'huge-content-length':
        text = rng.pick([
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n',
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\nabc',
          'POST /inspect/decode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"cookie":"',
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n',
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n',
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello',
          'GET /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4294967296\r\n\r\nx',
        ]);
        break;
      case 'oversized-header':
        text = rng.pick([
          get(`X-Big: ${'a'.repeat(rng.range(17_000, 200_000))}\r\n\r\n`),
          `GET /sessions/hello HTTP/1.1\r\nHost: x\r\nCookie: session=${valid}; ${'k=v; '.repeat(rng.range(4000, 40_000))}\r\n\r\n`,
          get(`${'X-H: v\r\n'.repeat(rng.range(2000, 10_000))}\r\n`),
          get(`Cookie: a=b${' '.repeat(rng.range(17_000, 60_000))}x\r\n\r\n`),
        ]);
        break;
      case 'expect':
        text = rng.pick([
          'POST /sessions/hello HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello',
          'POST /inspect/decode HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
          'GET /sessions/hello HTTP/1.1\r\nHost: x\r\nExpect: garbage\r\n\r\n',
        ]);
        break;
      case 'inspector-bomb': {
        // The decoder given a bomb (finding 2), with the server's key or none typed in.
        const small = this.pools.bombs.filter((b) => b.cookie.length < 7900);
        const bomb = small.length === 0 ? valid : rng.pick(small).cookie;
        const body = JSON.stringify(rng.chance(0.5) ? { cookie: bomb } : { cookie: bomb, secret: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f' });
        text = `POST /inspect/decode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        break;
      }
      case 'pipeline-burst': {
        // Many valid requests in one write, then a broken one: the server answers what it can.
        const n = rng.range(2, 50);
        text = get('\r\n').repeat(n) + rng.pick(['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\n\r\n', get('X: \0\r\n\r\n'), '']);
        break;
      }
      default:
        throw new Error(`unknown solo family ${family}`);
    }
    return { bytes: Buffer.from(text, 'latin1'), family };
  }
}

const METHODS: ReadonlyArray<readonly [number, string]> = [
  [76, 'GET'],
  [8, 'HEAD'],
  [4, 'OPTIONS'],
  [5, 'POST'],
  [1, 'PUT'],
  [1, 'DELETE'],
  [1, 'PATCH'],
  [1, 'TRACE'],
  [1, 'PROPFIND'],
  [1, 'SEARCH'],
];

const ODD_PATHS: readonly string[] = [
  '/',
  '//',
  '/sessions',
  '/sessions/',
  '/sessions/hello/',
  '/sessions//hello',
  '/sessions/../sessions/hello',
  '/SESSIONS/hello',
  '/sessions/hello%2F',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/inspect/decode',
  '/inspector.js',
  '/inspector.css',
  '/favicon.svg',
  '/favicon.ico',
  '/index.html',
  '/sessions/hello;x',
  '/sessions/%',
  '/sessions/%%',
  '/sessions/hello#frag',
  '/sessions/%E0%A4%A',
  '/sessions/hello?%',
  '/sessions/hello?a=%ZZ&&&==',
  '/sessions/%ff%fe%fd',
  `/sessions/${'%41'.repeat(1000)}`,
  `/${'/'.repeat(2000)}`,
  `/sessions/${'a'.repeat(3000)}`,
  '/sessions/__proto__',
  '/sessions/constructor',
];

const SOLO_FAMILIES: ReadonlyArray<readonly [number, string]> = [
  [3, 'raw-garbage'],
  [4, 'bad-request-line'],
  [2, 'nul-bytes'],
  [2, 'header-folding'],
  [2, 'bad-header'],
  [3, 'bad-chunked'],
  [2, 'huge-content-length'],
  [1, 'oversized-header'],
  [1, 'expect'],
  [2, 'pipeline-burst'],
  [1, 'inspector-bomb'],
];
