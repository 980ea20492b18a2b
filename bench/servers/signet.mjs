// Ours: the lesson server as `npm start` runs it, without the request log.
import { SIGNET_SECRET_KEY } from './common.mjs';

process.env.LOG_REQUESTS = '0';
process.env.HOST = '127.0.0.1';
process.env.SECRET_KEY ??= SIGNET_SECRET_KEY;
await import('../../apps/lesson/dist/src/server/main.js');
