// iron-session 8 (sealed with iron-webcrypto) on plain node:http.
import http from 'node:http';
import { getIronSession } from 'iron-session';
import { PORT, SECRET, lessonBody, parseCookies } from './common.mjs';

const options = { password: SECRET, cookieName: 'session', cookieOptions: { path: '/', httpOnly: true, secure: false } };
http.createServer(async (req, res) => {
  const match = /^\/sessions\/([^/?]+)/.exec(req.url ?? '');
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  let session;
  try {
    session = await getIronSession(req, res, options);
  } catch {
    // iron-session 8 throws on a tampered cookie ("Wrong mac prefix"): start afresh, as the others do.
    session = await getIronSession({ headers: {} }, res, options);
  }
  session.hello = session.hello || 'World';
  session.goodnight = session.goodnight || 'Moon';
  await session.save();
  const cookies = res.getHeader('set-cookie') ?? [];
  res.setHeader('set-cookie', ['mouse=Cookie; Path=/', ...(Array.isArray(cookies) ? cookies : [String(cookies)])]);
  res.setHeader('content-type', 'application/json');
  res.end(lessonBody(match[1], session[match[1]], parseCookies(req.headers.cookie)));
}).listen(PORT, '127.0.0.1');
