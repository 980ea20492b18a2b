// Fastify 5 + @fastify/secure-session (libsodium secretbox), the closest peer.
// GET /mint/:n (bench only) sets user n's session, so the harness holds its own cookies.
import Fastify from 'fastify';
import secureSession from '@fastify/secure-session';
import { PORT, SECRET, userSession } from './common.mjs';
import { addRoutes } from './fastify-routes.mjs';

const app = Fastify({ logger: false });
await app.register(secureSession, { secret: SECRET, salt: 'mq9hDxBVDbspDR6n', cookieName: 'session', cookie: { path: '/', httpOnly: true } });
addRoutes(app, (reply) => reply.setCookie('mouse', 'Cookie', { path: '/' }));
app.get('/mint/:n', (request) => {
  for (const [key, value] of Object.entries(userSession(Number(request.params.n)))) request.session.set(key, value);
  return 'minted';
});
await app.listen({ port: PORT, host: '127.0.0.1' });
