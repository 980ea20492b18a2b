// Express 5's own floor: its router answering the lesson's route with constant bytes
// (floor.mjs's headers and body), no session. What any session layer on Express adds to.
import express from 'express';
import { PORT } from './common.mjs';
import { FLOOR_BODY, FLOOR_HEADERS } from './floor-answer.mjs';

const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.get('/sessions/:key', (_req, res) => {
  res.writeHead(200, FLOOR_HEADERS);
  res.end(FLOOR_BODY);
});
app.listen(PORT, '127.0.0.1');
