// Micro-benchmark of the core on the lesson session: encode, decode, sign, verify.
import { execFileSync } from 'node:child_process';
import { FlaskSessionCodec, TimestampSigner, SealedCodec } from '../packages/signet-session/dist/src/index.js';

const SECRET = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');
const DATA = { hello: 'World', goodnight: 'Moon' };
let counter = 0;

function opsPerSecond(fn, seconds = 1) {
  for (let i = 0; i < 20000; i++) fn(); // warm-up
  let count = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) fn();
    count += 1000;
  }
  return count / seconds;
}

export async function runCoreBench() {
  const codec = new FlaskSessionCodec({ secret: SECRET });
  const signer = new TimestampSigner({ secret: SECRET, salt: 'cookie-session' });
  const sealed = new SealedCodec({ secret: 'a benchmark secret of more than thirty-two characters!', cookieName: 'session' });
  const cookie = codec.encode(DATA);
  const payload = cookie.slice(0, cookie.indexOf('.'));
  const signed = signer.sign(payload);
  const now = Math.floor(Date.now() / 1000);
  const rows = [
    ['encode (tagged JSON, zlib decision, sign)', opsPerSecond(() => codec.encode(DATA))],
    ['decode (verify, parse, untag)', opsPerSecond(() => codec.decode(cookie))],
    ['sign (TimestampSigner)', opsPerSecond(() => signer.sign(payload))],
    ['verify (TimestampSigner)', opsPerSecond(() => signer.unsign(signed, 2678400))],
    ['sign + verify of the lesson session (encode + decode)', opsPerSecond(() => codec.decode(codec.encode(DATA)))],
    ['sealed: seal + open', opsPerSecond(() => sealed.open(sealed.seal(DATA, { createdAt: now, issuedAt: now, expiresAt: now + 3600 })))],
    // The rows above repeat one session, as the lesson does: the memos hit. These do not.
    ['encode + decode, a different session each time (no memo hits)', opsPerSecond(() => codec.decode(codec.encode({ ...DATA, n: counter++ })))],
    ['sealed: seal + open, a different session each time', opsPerSecond(() => sealed.open(sealed.seal({ ...DATA, n: counter++ }, { createdAt: now, issuedAt: now, expiresAt: now + 3600 })))],
  ];
  let python = 'not measured (/usr/bin/python3 with python3-flask is needed)';
  try {
    const script = `
import timeit
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
app = Flask(__name__); app.secret_key = bytes.fromhex('3f77855a0851bd4fb8a9b6354b6aa95f')
with app.app_context():
    s = SecureCookieSessionInterface().get_signing_serializer(app)
    d = {'hello': 'World', 'goodnight': 'Moon'}
    n = 20000
    t = timeit.timeit(lambda: s.loads(s.dumps(d), max_age=2678400), number=n)
    print(round(n / t))
`;
    python = `${Number(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }).trim()).toLocaleString('en-US')} ops/s`;
  } catch {}
  return [
    '| operation | ops/s |',
    '|---|---:|',
    ...rows.map(([name, ops]) => `| ${name} | ${Math.round(ops).toLocaleString('en-US')} |`),
    '',
    'The first five rows repeat the lesson\'s one session, as a busy server does, so the memos hit; each seal draws a new nonce, so the sealed rows open a new token every time; the "different session" rows miss every memo.',
    '',
    `Python's itsdangerous (Flask 2.2's serializer), dumps + loads of the same session: ${python}.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runCoreBench());
