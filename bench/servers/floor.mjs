// The floor: plain node:http answering a constant response with the same headers and
// body size as the lesson's steady state. No server can do this endpoint faster here.
import http from 'node:http';
import { PORT } from './common.mjs';
import { FLOOR_BODY, FLOOR_HEADERS } from './floor-answer.mjs';

http.createServer((_req, res) => {
  res.writeHead(200, FLOOR_HEADERS);
  res.end(FLOOR_BODY);
}).listen(PORT, '127.0.0.1');
