// signet as an app uses it (the README's Fastify example), for the writes workload: the
// lesson server has no route that changes the session on every request. Fastify 5 +
// signet-session/fastify with the lesson's key and SESSION_FORMAT (flask or sealed), so the
// harness mints its cookies with the library; the routes are the Fastify peer's.
// SESSION_TYPE=redis (the lesson server's switch) keeps the sessions in Redis at REDIS_URL
// instead (signet-session/redis on a node-redis 6 client, as the README shows it); then
// GET /mint/:n (bench only) stores user n's session, as the peers' do.
import Fastify from 'fastify';
import { signetSession } from 'signet-session/fastify';
import { parseSecretSpec } from 'signet-session';
import { PORT, SIGNET_SECRET_KEY, userSession } from './common.mjs';
import { addRoutes } from './fastify-routes.mjs';

const secret = parseSecretSpec(process.env.SECRET_KEY ?? SIGNET_SECRET_KEY);
const app = Fastify({ logger: false });
if (process.env.SESSION_TYPE === 'redis') {
  const { createClient } = await import('redis');
  const { RedisStore } = await import('signet-session/redis');
  const client = await createClient({ url: process.env.REDIS_URL }).connect();
  await app.register(signetSession, { secret, store: new RedisStore(client) });
  app.get('/mint/:n', (request) => {
    for (const [key, value] of Object.entries(userSession(Number(request.params.n)))) request.session.set(key, value);
    return 'minted';
  });
} else {
  await app.register(signetSession, { secret, format: process.env.SESSION_FORMAT === 'sealed' ? 'sealed' : 'flask' });
}
addRoutes(app, (reply) => reply.header('set-cookie', 'mouse=Cookie; Path=/'));
await app.listen({ port: PORT, host: '127.0.0.1' });
