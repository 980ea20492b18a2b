/**
 * The lessons' database: users and articles in SQLite, through better-sqlite3 (12.x:
 * 13 needs Node 22). Opened lazily, on the first request that needs it, so the cookie
 * lesson's memory and speed stay as they were: the native module itself is loaded then.
 * Migrations are numbered steps recorded in `PRAGMA user_version`; the articles are
 * seeded once, into an empty table.
 */
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/** The embedded default: a file under the untracked `data/` folder of the working directory. */
export const DEFAULT_DATABASE_PATH = 'data/lesson.sqlite3';

export interface Article {
  readonly id: number;
  readonly title: string;
  readonly author: string;
  readonly preview: string;
  readonly content: string;
  readonly minutes_to_read: number;
  readonly date: string;
  /** Shown only to a logged-in user (the authorization lesson). */
  readonly is_member_only: boolean;
}

/** Each step brings the schema from version i to i + 1, in one transaction. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE articles (
     id INTEGER PRIMARY KEY,
     title TEXT NOT NULL,
     author TEXT NOT NULL,
     preview TEXT NOT NULL,
     content TEXT NOT NULL,
     minutes_to_read INTEGER NOT NULL,
     date TEXT NOT NULL,
     is_member_only INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     username TEXT NOT NULL UNIQUE COLLATE NOCASE,
     password_hash TEXT NOT NULL,
     is_admin INTEGER NOT NULL DEFAULT 0,
     generation INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );`,
];

/** The lessons' articles: a few to read for free, two for members. */
const SEED: ReadonlyArray<Omit<Article, 'id'>> = [
  { title: 'What a cookie is', author: 'Ada', preview: 'A name, a value, and a few rules the browser keeps.', content: 'A cookie is a name and a value that a server asks the browser to keep and send back with every request to the same site. The attributes (Path, Domain, Expires, Secure, HttpOnly, SameSite) say where it goes and for how long.', minutes_to_read: 3, date: '2026-01-05', is_member_only: false },
  { title: 'Signed, not secret', author: 'Grace', preview: 'Anyone can read a Flask session cookie. Nobody can change it.', content: "Flask's session cookie is base64 of JSON, then a timestamp, then an HMAC of both under the app's secret key. Decode it and you read the session; change one character and the signature no longer matches, so the server ignores it.", minutes_to_read: 4, date: '2026-01-12', is_member_only: false },
  { title: 'Sessions on the server', author: 'Linus', preview: 'When the cookie holds only a reference.', content: 'A server-side session keeps the data in a store such as Redis, and the cookie holds only a random id. The server can end such a session at any time, which a cookie alone cannot do.', minutes_to_read: 5, date: '2026-01-19', is_member_only: false },
  { title: 'A counter in the session', author: 'Margaret', preview: 'The page-view paywall, and what it can and cannot stop.', content: 'A paywall that counts views in the session is only as strong as the cookie: a signed cookie cannot be edited to show fewer views, but a reader who deletes it starts again from zero. Counting on the server, per account, is what holds.', minutes_to_read: 4, date: '2026-01-26', is_member_only: false },
  { title: 'Logging in is a session', author: 'Barbara', preview: 'Authentication, authorization, and where the session fits.', content: "Authentication proves who you are; authorization decides what you may do; the session carries the first from one request to the next, so that the server need not ask for a password each time.", minutes_to_read: 6, date: '2026-02-02', is_member_only: true },
  { title: 'Log out everywhere', author: 'Dennis', preview: 'Taking back sessions, even cookie ones.', content: 'Each user has a generation; every session records the one it began under. Raising it refuses every older session, on every device, whether its data lives in Redis or in the cookie itself.', minutes_to_read: 5, date: '2026-02-09', is_member_only: true },
];

export interface User {
  readonly id: number;
  readonly username: string;
  readonly passwordHash: string;
  readonly isAdmin: boolean;
  /** Raised by "log out everywhere": sessions recorded under an older one are refused. */
  readonly generation: number;
}

interface UserRow {
  readonly id: number;
  readonly username: string;
  readonly password_hash: string;
  readonly is_admin: number;
  readonly generation: number;
}

const userOf = (row: UserRow | undefined): User | undefined =>
  row === undefined ? undefined : { id: row.id, username: row.username, passwordHash: row.password_hash, isAdmin: row.is_admin === 1, generation: row.generation };

interface ArticleRow extends Omit<Article, 'is_member_only'> {
  readonly is_member_only: number;
}

const articleOf = (row: ArticleRow): Article => ({ ...row, is_member_only: row.is_member_only === 1 });

/** The database, opened on first use. */
export class LessonDatabase {
  private db: BetterSqlite3.Database | undefined;
  /** Each SQL text prepared once: compiling a statement costs more than running it. */
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  /** @throws TypeError naming DATABASE_PATH, for a path that cannot be a database file. */
  constructor(readonly path: string = DEFAULT_DATABASE_PATH) {
    if (path === '') throw new TypeError('DATABASE_PATH is invalid: "" (give a file path, such as data/lesson.sqlite3, or :memory:)');
    if (path !== ':memory:') {
      let isDirectory = false;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        // Not there yet: made on first use.
      }
      if (isDirectory) throw new TypeError(`DATABASE_PATH is invalid: ${JSON.stringify(path)} is a directory (give a file path in it, such as ${path.replace(/\/$/, '')}/lesson.sqlite3)`);
    }
  }

  /** Whether the database has been opened (the cookie lesson never opens it). */
  get opened(): boolean {
    return this.db !== undefined;
  }

  private open(): BetterSqlite3.Database {
    if (this.db !== undefined) return this.db;
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    // Loaded here, not at start-up: the native module costs memory the cookie lesson does not need.
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    this.db = db;
    return db;
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) this.statements.set(sql, (statement = this.open().prepare(sql)));
    return statement;
  }

  articles(): Article[] {
    return (this.prepare('SELECT * FROM articles ORDER BY id').all() as ArticleRow[]).map(articleOf);
  }

  article(id: number): Article | undefined {
    const row = this.prepare('SELECT * FROM articles WHERE id = ?').get(id) as ArticleRow | undefined;
    return row === undefined ? undefined : articleOf(row);
  }

  /** A new user; undefined when the name is taken (names compare without case). */
  createUser(username: string, passwordHash: string, now: number): User | undefined {
    try {
      const { lastInsertRowid } = this.prepare('INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)').run(username, passwordHash, now);
      return this.userById(Number(lastInsertRowid));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
      throw error;
    }
  }

  userByName(username: string): User | undefined {
    return userOf(this.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined);
  }

  userById(id: number): User | undefined {
    return userOf(this.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined);
  }

  /** Makes a user an admin (or not): the `signet users admin` command. False when there is no such user. */
  setAdmin(username: string, isAdmin: boolean): boolean {
    return this.prepare('UPDATE users SET is_admin = ? WHERE username = ?').run(isAdmin ? 1 : 0, username).changes === 1;
  }

  /** Deletes an article; false when there was none. */
  deleteArticle(id: number): boolean {
    return this.prepare('DELETE FROM articles WHERE id = ?').run(id).changes === 1;
  }

  /** A user's generation (for "log out everywhere" without Redis); 0 for an unknown user. */
  generation(id: number): number {
    const row = this.prepare('SELECT generation FROM users WHERE id = ?').get(id) as { generation: number } | undefined;
    return row?.generation ?? 0;
  }

  /** Raises a user's generation: every session recorded under an older one is refused. Gives the new one. */
  raiseGeneration(id: number): number {
    const row = this.prepare('UPDATE users SET generation = generation + 1 WHERE id = ? RETURNING generation').get(id) as { generation: number } | undefined;
    return row?.generation ?? 0;
  }

  /** A login found the hash's parameters old: the new hash replaces it. */
  updatePasswordHash(id: number, passwordHash: string): void {
    this.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  close(): void {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }
}

/** Brings the schema to the newest version, one transaction per step, and seeds the articles once. */
export function migrate(db: BetterSqlite3.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) throw new Error(`the database at ${db.name} has schema version ${current}, newer than this server knows (${MIGRATIONS.length}): use a newer signet, or another DATABASE_PATH`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  const { count } = db.prepare('SELECT count(*) AS count FROM articles').get() as { count: number };
  if (count === 0) {
    const insert = db.prepare('INSERT INTO articles (title, author, preview, content, minutes_to_read, date, is_member_only) VALUES (@title, @author, @preview, @content, @minutes_to_read, @date, @is_member_only)');
    db.transaction(() => {
      for (const article of SEED) insert.run({ ...article, is_member_only: article.is_member_only ? 1 : 0 });
    })();
  }
}
