/**
 * A session with Flask's semantics (flask/sessions.py `SecureCookieSession`):
 * `accessed` once anything is read, `modified` once anything is written (assigning
 * the same value counts, as in Flask), `isNew` when no valid cookie came in.
 */
import { setOwn, type PyDict, type PyValue } from './python-types.js';

export class Session<T extends PyDict = PyDict> {
  /** Set by any read; the response must then carry `Vary: Cookie`. */
  accessed = false;
  /** Set by any write; the cookie is then re-issued (or deleted, when emptied). */
  modified = false;
  /** True when the request brought no valid session cookie. */
  readonly isNew: boolean;
  private data: PyDict;

  constructor(data?: T, isNew = data === undefined) {
    this.data = data === undefined ? {} : { ...data };
    this.isNew = isNew;
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined;
  get(key: string): PyValue | undefined;
  get(key: string): PyValue | undefined {
    this.accessed = true;
    return Object.hasOwn(this.data, key) ? this.data[key] : undefined;
  }

  has(key: string): boolean {
    this.accessed = true;
    return Object.hasOwn(this.data, key);
  }

  set<K extends keyof T & string>(key: K, value: T[K]): this;
  set(key: string, value: PyValue): this;
  set(key: string, value: PyValue): this {
    // A runtime guard for JavaScript callers: Python has no undefined.
    if ((value as unknown) === undefined) throw new TypeError(`session value is invalid: undefined for key ${JSON.stringify(key)}`);
    this.touch();
    setOwn(this.data, key, value);
    return this;
  }

  delete(key: string): boolean {
    this.touch();
    const had = Object.hasOwn(this.data, key);
    Reflect.deleteProperty(this.data, key);
    return had;
  }

  clear(): void {
    this.touch();
    this.data = {};
  }

  get size(): number {
    this.accessed = true;
    return Object.keys(this.data).length;
  }

  keys(): string[] {
    this.accessed = true;
    return Object.keys(this.data);
  }

  /** Flask's `session.permanent`, kept in the `_permanent` key; reading it is an access. */
  get permanent(): boolean {
    return this.get('_permanent') === true;
  }

  set permanent(value: boolean) {
    this.set('_permanent', value);
  }

  /** A copy of the data, for writing the cookie; does not count as access. */
  toDict(): T {
    return { ...this.data } as T;
  }

  /** Whether the session holds nothing; does not count as access (Flask's `if not session`). */
  isEmpty(): boolean {
    for (const key in this.data) if (Object.hasOwn(this.data, key)) return false;
    return true;
  }

  private touch(): void {
    this.accessed = true;
    this.modified = true;
  }
}
