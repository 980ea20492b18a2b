// Hono 4's own floor on @hono/node-server: its router answering the lesson's route with
// constant bytes (floor.mjs's headers and body) as a Response, no session.
/* global Response */
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { PORT } from './common.mjs';
import { FLOOR_BODY, FLOOR_HEADERS } from './floor-answer.mjs';

const headers = Object.entries(FLOOR_HEADERS).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : [[name, String(value)]]));
const app = new Hono();
app.get('/sessions/:key', () => new Response(FLOOR_BODY, { status: 200, headers }));
serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' });
