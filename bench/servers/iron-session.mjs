// iron-session 8 (sealed with iron-webcrypto) on plain node:http.
// GET /mint/:n (bench only) sets user n's session; GET /count is the writes workload's counter.
import http from 'node:http';
import { getIronSession } from 'iron-session';
import { PORT, SECRET, counterBody, lessonBody, parseCookies, userSession } from './common.mjs';

const options = { password: SECRET, cookieName: 'session', cookieOptions: { path: '/', httpOnly: true, secure: false } };

async function openSession(req, res) {
  try {
    return await getIronSession(req, res, options);
  } catch {
    // iron-session 8 throws on a tampered cookie ("Wrong mac prefix"): start afresh, as the others do.
    return await getIronSession({ headers: {} }, res, options);
  }
}

const routes = [
  [/^\/sessions\/([^/?]+)/, async (req, res, session, key) => {
    session.hello = session.hello || 'World';
    session.goodnight = session.goodnight || 'Moon';
    await session.save();
    const cookies = res.getHeader('set-cookie') ?? [];
    res.setHeader('set-cookie', ['mouse=Cookie; Path=/', ...(Array.isArray(cookies) ? cookies : [String(cookies)])]);
    res.setHeader('content-type', 'application/json');
    res.end(lessonBody(key, session[key], parseCookies(req.headers.cookie)));
  }],
  [/^\/count$/, async (_req, res, session) => {
    session.visits = (session.visits ?? 0) + 1;
    await session.save();
    res.setHeader('content-type', 'application/json');
    res.end(counterBody(session.visits));
  }],
  [/^\/mint\/(\d+)$/, async (_req, res, session, n) => {
    Object.assign(session, userSession(Number(n)));
    await session.save();
    res.end('minted');
  }],
];

http.createServer(async (req, res) => {
  for (const [pattern, handle] of routes) {
    const match = pattern.exec(req.url ?? '');
    if (match) return handle(req, res, await openSession(req, res), match[1]);
  }
  res.writeHead(404).end();
}).listen(PORT, '127.0.0.1');
