// The constant answer of the floors: the lesson's steady-state headers and body, byte for byte.
const session = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.awdR9g.3l82VSaXcAV5n6GSs8o2-KZS7Yg';
export const FLOOR_BODY = Buffer.from(`{\n  "cookies": [\n    {\n      "session": "${session}"\n    },\n    {\n      "mouse": "Cookie"\n    }\n  ],\n  "session": {\n    "session_accessed": true,\n    "session_key": "hello",\n    "session_value": "World"\n  }\n}\n`);
export const FLOOR_HEADERS = { 'content-type': 'application/json', 'content-length': FLOOR_BODY.length, vary: 'Cookie', 'x-content-type-options': 'nosniff', 'set-cookie': ['mouse=Cookie; Path=/', `session=${session}; HttpOnly; Path=/`] };
