import Fastify from 'fastify';
import { createClient } from 'redis';
import { signetSession } from 'signet-session/fastify';
import { RedisStore } from 'signet-session/redis';

// Server-side sessions: the cookie holds only a signed id, the data lives in Redis.
const redis = await createClient({ url: process.env.REDIS_URL ?? 'redis://localhost:6379' }).connect();

export const app = Fastify();
await app.register(signetSession, { secret: process.env.SECRET_KEY!, store: new RedisStore(redis) });
app.addHook('onClose', async () => {
  await redis.quit();
});

app.get('/visits', (request) => {
  const visits = (request.session.get('visits') ?? 0) + 1;
  request.session.set('visits', visits);
  return { visits };
});
