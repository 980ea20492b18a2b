// Ours: the lesson server as `npm start` runs it, without the request log.
process.env.LOG_REQUESTS = '0';
process.env.HOST = '127.0.0.1';
process.env.SECRET_KEY ??= 'hex:3f77855a0851bd4fb8a9b6354b6aa95f';
await import('../../apps/lesson/dist/src/server/main.js');
