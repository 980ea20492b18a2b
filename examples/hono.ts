import { Hono } from 'hono';
import { signetSession, type SessionEnv } from 'signet-session/hono';

export const app = new Hono<SessionEnv>();
app.use(signetSession({ secret: process.env.SECRET_KEY! }));

app.get('/visits', (c) => {
  const visits = (c.var.session.get('visits') ?? 0) + 1;
  c.var.session.set('visits', visits);
  return c.json({ visits });
});

// On Node: import { serve } from '@hono/node-server'; serve({ fetch: app.fetch, port: 3000 });
