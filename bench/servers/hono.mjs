// Hono on @hono/node-server, with its signed cookies (HMAC-SHA256 via Web Crypto).
// GET /mint/:n (bench only) sets user n's session; GET /count is the writes workload's counter.
import { Hono } from 'hono';
import { getSignedCookie, setCookie, setSignedCookie } from 'hono/cookie';
import { serve } from '@hono/node-server';
import { PORT, SECRET, counterBody, lessonBody, parseCookies, userSession } from './common.mjs';

async function readSession(c) {
  const raw = await getSignedCookie(c, SECRET, 'session');
  try {
    if (raw) return JSON.parse(raw);
  } catch {}
  return {};
}
const writeSession = (c, session) => setSignedCookie(c, 'session', JSON.stringify(session), SECRET, { path: '/', httpOnly: true });

const app = new Hono();
app.get('/sessions/:key', async (c) => {
  const session = await readSession(c);
  session.hello = session.hello || 'World';
  session.goodnight = session.goodnight || 'Moon';
  setCookie(c, 'mouse', 'Cookie', { path: '/' });
  await writeSession(c, session);
  c.header('content-type', 'application/json');
  return c.body(lessonBody(c.req.param('key'), session[c.req.param('key')], parseCookies(c.req.header('cookie'))));
});
app.get('/count', async (c) => {
  const session = await readSession(c);
  session.visits = (session.visits ?? 0) + 1;
  await writeSession(c, session);
  c.header('content-type', 'application/json');
  return c.body(counterBody(session.visits));
});
app.get('/mint/:n', async (c) => {
  await writeSession(c, userSession(Number(c.req.param('n'))));
  return c.body('minted');
});
serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' });
