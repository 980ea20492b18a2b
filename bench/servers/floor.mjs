// The floor: plain node:http answering a constant response with the same headers and
// body size as the lesson's steady state. No server can do this endpoint faster here.
import http from 'node:http';
import { PORT } from './common.mjs';

const session = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.awdR9g.3l82VSaXcAV5n6GSs8o2-KZS7Yg';
const body = Buffer.from(`{\n  "cookies": [\n    {\n      "session": "${session}"\n    },\n    {\n      "mouse": "Cookie"\n    }\n  ],\n  "session": {\n    "session_accessed": true,\n    "session_key": "hello",\n    "session_value": "World"\n  }\n}\n`);
const headers = { 'content-type': 'application/json', 'content-length': body.length, vary: 'Cookie', 'x-content-type-options': 'nosniff', 'set-cookie': ['mouse=Cookie; Path=/', `session=${session}; HttpOnly; Path=/`] };
http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(PORT, '127.0.0.1');
