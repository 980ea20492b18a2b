import { fetchSessions } from 'signet-session/fetch';

const sessions = fetchSessions({ secret: process.env.SECRET_KEY! });

// A route handler over Web Request and Response (Next.js, Bun, Deno, Node's fetch types).
export function GET(request: Request): Response {
  const { session, apply } = sessions.open(request);
  const visits = (session.get('visits') ?? 0) + 1;
  session.set('visits', visits);
  return apply(Response.json({ visits }));
}
