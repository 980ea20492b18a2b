import Fastify from 'fastify';
import { signetSession } from 'signet-session/fastify';

declare module 'signet-session' {
  interface SessionData {
    visits?: number;
  }
}

export const app = Fastify();
await app.register(signetSession, { secret: process.env.SECRET_KEY! });

app.get('/visits', (request) => {
  const visits = (request.session.get('visits') ?? 0) + 1;
  request.session.set('visits', visits);
  return { visits };
});
