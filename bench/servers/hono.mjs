// Hono on @hono/node-server, with its signed cookies (HMAC-SHA256 via Web Crypto).
import { Hono } from 'hono';
import { getSignedCookie, setCookie, setSignedCookie } from 'hono/cookie';
import { serve } from '@hono/node-server';
import { PORT, SECRET, lessonBody, parseCookies } from './common.mjs';

const app = new Hono();
app.get('/sessions/:key', async (c) => {
  const raw = await getSignedCookie(c, SECRET, 'session');
  let session = {};
  try {
    if (raw) session = JSON.parse(raw);
  } catch {}
  session.hello = session.hello || 'World';
  session.goodnight = session.goodnight || 'Moon';
  setCookie(c, 'mouse', 'Cookie', { path: '/' });
  await setSignedCookie(c, 'session', JSON.stringify(session), SECRET, { path: '/', httpOnly: true });
  c.header('content-type', 'application/json');
  return c.body(lessonBody(c.req.param('key'), session[c.req.param('key')], parseCookies(c.req.header('cookie'))));
});
serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' });
