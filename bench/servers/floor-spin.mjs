// The floor, plus SPIN_US microseconds of busy work per request: does the cost of the
// answer's writev grow when the server is slower? (docs/performance.md, lab notes)
import http from 'node:http';
import { PORT } from './common.mjs';
import { FLOOR_BODY, FLOOR_HEADERS } from './floor-answer.mjs';

const spin = Number(process.env.SPIN_US ?? 0) / 1000;
http.createServer((_req, res) => {
  const until = performance.now() + spin;
  while (performance.now() < until);
  res.writeHead(200, FLOOR_HEADERS);
  res.end(FLOOR_BODY);
}).listen(PORT, '127.0.0.1');
