/**
 * A lesson server for a test of the lessons after the cookie one: its own SQLite file
 * in a new temporary directory, scrypt at cheap parameters (the defaults are
 * passwords.test.ts's to prove), no log, listening on a free port of 127.0.0.1.
 * `close()` stops it, closes the database and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type LessonServer, type LessonServerOptions } from 'signet-lesson/server/app';
import { LessonDatabase } from 'signet-lesson/server/database';

/** The lesson's own key (Flask's test/oracle key). */
export const LESSON_SECRET = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');
export const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 } as const;

export interface StartedLesson {
  readonly server: LessonServer;
  readonly database: LessonDatabase;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  close(): Promise<void>;
}

export async function startLesson(options: Partial<Omit<LessonServerOptions, 'database'>> = {}): Promise<StartedLesson> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-lesson-db-'));
  const database = new LessonDatabase(join(dir, 'lesson.sqlite3'));
  const server = await buildServer({ secret: LESSON_SECRET, passwordParams: CHEAP_SCRYPT, logRequests: false, log: () => undefined, ...options, database });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.server.address() as AddressInfo).port;
  return {
    server,
    database,
    port,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
