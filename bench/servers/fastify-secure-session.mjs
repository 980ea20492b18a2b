// Fastify 5 + @fastify/secure-session (libsodium secretbox), the closest peer.
import Fastify from 'fastify';
import secureSession from '@fastify/secure-session';
import { PORT, SECRET, lessonBody, parseCookies } from './common.mjs';

const app = Fastify({ logger: false });
await app.register(secureSession, { secret: SECRET, salt: 'mq9hDxBVDbspDR6n', cookieName: 'session', cookie: { path: '/', httpOnly: true } });
app.get('/sessions/:key', (request, reply) => {
  const session = request.session;
  session.set('hello', session.get('hello') || 'World');
  session.set('goodnight', session.get('goodnight') || 'Moon');
  reply.setCookie('mouse', 'Cookie', { path: '/' });
  reply.header('content-type', 'application/json');
  return lessonBody(request.params.key, session.get(request.params.key), parseCookies(request.headers.cookie));
});
await app.listen({ port: PORT, host: '127.0.0.1' });
