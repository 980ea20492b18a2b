/**
 * A session with Flask's semantics (flask/sessions.py `SecureCookieSession`):
 * `accessed` once anything is read, `modified` once anything is written (assigning
 * the same value counts, as in Flask), `isNew` when no valid cookie came in.
 * `T` describes the application's own session data.
 */
import { Markup, Tuple, setOwn, type PyDict, type PyValue } from './python-types.js';

export interface SessionState {
  /** True when the request brought no valid session cookie (default: no data given). */
  readonly isNew?: boolean;
  /** When the session began, in Unix seconds, for the absolute timeout. */
  readonly createdAt?: number;
  /** Write the cookie on this response even if unmodified (read with an old key, or migrated). */
  readonly reissue?: boolean;
  /** The cookie value the data was read from. */
  readonly source?: string;
  /** The data as that cookie holds it, in Flask's tagged JSON: what tells a renewal from a change. */
  readonly sourceJson?: string;
  /** A store session's id in its user's list of sessions (see {@link Session.id}). */
  readonly id?: string;
}

/** One flashed message: Flask stores `(category, message)` tuples under `_flashes`. */
export interface Flash {
  readonly category: string;
  /** The text, or Markup when it was flashed as Markup (HTML the app trusts), as Flask keeps it. */
  readonly message: string | Markup;
}

/** What a deferred session opens to: its data (none for a new session) and its state. */
export interface OpenedData<T extends PyDict = PyDict> {
  readonly data?: T;
  readonly state?: SessionState;
}

export class Session<T extends PyDict = PyDict> {
  /** Set by any read; the response must then carry `Vary: Cookie`. */
  accessed = false;
  /** Set by any write; the cookie is then re-issued (or deleted, when emptied). */
  modified = false;
  private reissueFlag = false;
  private newFlag = true;
  private startedAt: number | undefined;
  private data: PyDict = {};
  private sourceCookie: string | undefined;
  private sourceJson: string | undefined;
  private storeId: string | undefined;
  /** Whether the data may differ from what the cookie held (see {@link asOpened}). */
  private mayHaveChanged = false;
  private opener: (() => OpenedData<T>) | undefined;
  private closedBecause: string | undefined;

  constructor(data?: T, state: SessionState = {}) {
    this.adopt(data, state);
  }

  /**
   * A session opened on first use: `open` runs (once) when anything first asks for the
   * session's data or state, so a request that never uses its session never reads the
   * cookie. Flags stay unset until then.
   */
  static deferred<T extends PyDict = PyDict>(open: () => OpenedData<T>): Session<T> {
    const session = new Session<T>();
    session.opener = open;
    return session;
  }

  /**
   * Refuses writes from now on: the cookie has been written, so a later change would be
   * lost without a word. Reads still work.
   */
  close(reason: string): void {
    this.closedBecause = reason;
  }

  /** Whether the data has been loaded (always, but for a deferred session not yet used). */
  get opened(): boolean {
    return this.opener === undefined;
  }

  private adopt(data: T | undefined, state: SessionState): void {
    this.data = data === undefined ? {} : { ...data };
    this.newFlag = state.isNew ?? data === undefined;
    this.startedAt = state.createdAt;
    this.reissueFlag = state.reissue ?? false;
    this.sourceCookie = state.source;
    this.sourceJson = state.sourceJson;
    this.storeId = state.id;
    this.mayHaveChanged = false;
  }

  /** The data, opening a deferred session first. */
  private open(): PyDict {
    const opener = this.opener;
    if (opener !== undefined) {
      this.opener = undefined;
      const opened = opener();
      this.adopt(opened.data, opened.state ?? {});
    }
    return this.data;
  }

  /** True when the request brought no valid session cookie. */
  get isNew(): boolean {
    this.open();
    return this.newFlag;
  }

  /** Set when the cookie must be re-issued although unmodified (read with an old key, or migrated). */
  get reissue(): boolean {
    this.open();
    return this.reissueFlag;
  }

  set reissue(value: boolean) {
    this.open();
    this.reissueFlag = value;
  }

  /**
   * A store session's id as its user's list of sessions shows it (`store.sessionsOf`):
   * kept across regenerations, and not a credential (the cookie's secret is not in it).
   * Undefined for a cookie session and for a session this request began.
   */
  get id(): string | undefined {
    this.open();
    return this.storeId;
  }

  /** The cookie value this session was read from, whatever was done to it since; undefined for a new one. */
  get openedFrom(): string | undefined {
    this.open();
    return this.sourceCookie;
  }

  /**
   * The data as the cookie it was read from holds it, in Flask's tagged JSON. Flask
   * writes the cookie again after any assignment, even of the value a key already has;
   * when the data's JSON is still this, nothing really changed, and the cookie can be
   * renewed without writing the data again.
   */
  get openedJson(): string | undefined {
    this.open();
    return this.sourceJson;
  }

  /**
   * True while the data is surely what its cookie held: nothing was written to it but
   * the values its keys already had (a string, number, boolean or null; Flask still
   * counts such a write as a change), and no list or dict was handed out that the app
   * could change in place. Then a renewal need not write the data again.
   */
  get asOpened(): boolean {
    this.open();
    return this.sourceCookie !== undefined && !this.mayHaveChanged;
  }

  /** When the session began (Unix seconds), as carried by its cookie; undefined for a new one. */
  get createdAt(): number | undefined {
    this.open();
    return this.startedAt;
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined;
  get(key: string): PyValue | undefined;
  get(key: string): PyValue | undefined {
    this.accessed = true;
    const data = this.open();
    if (!Object.hasOwn(data, key)) return undefined;
    const value = data[key];
    if (typeof value === 'object' && value !== null) this.mayHaveChanged = true; // it may be changed in place
    return value;
  }

  /** Reads a value without counting as access: for the code that writes the cookie. */
  peek(key: string): PyValue | undefined {
    const data = this.open();
    if (!Object.hasOwn(data, key)) return undefined;
    const value = data[key];
    if (typeof value === 'object' && value !== null) this.mayHaveChanged = true;
    return value;
  }

  has(key: string): boolean {
    this.accessed = true;
    return Object.hasOwn(this.open(), key);
  }

  set<K extends keyof T & string>(key: K, value: T[K]): this;
  set(key: string, value: PyValue): this;
  set(key: string, value: PyValue): this {
    // A runtime guard for JavaScript callers: Python has no undefined.
    if ((value as unknown) === undefined) throw new TypeError(`session value is invalid: undefined for key ${JSON.stringify(key)}`);
    this.touch();
    const data = this.open();
    if (!this.mayHaveChanged && !(Object.hasOwn(data, key) && isSameScalar(data[key] as PyValue, value))) this.mayHaveChanged = true;
    setOwn(data, key, value);
    return this;
  }

  /** Removes a key; removing a key that is not there is only a read (Werkzeug's UpdateDictMixin). */
  delete(key: string): boolean {
    this.accessed = true;
    const data = this.open();
    if (!Object.hasOwn(data, key)) return false;
    this.touch();
    this.mayHaveChanged = true;
    Reflect.deleteProperty(data, key);
    return true;
  }

  /** Flask's `session.pop(key, None)`: the value, removed; a missing key changes nothing. */
  pop(key: string): PyValue | undefined {
    const value = this.get(key);
    this.delete(key);
    return value;
  }

  /**
   * A new session id and a new start for the same user, as on logging in (against session
   * fixation): a store session gets a new id (the old one forwards to it for a few
   * seconds, so requests in flight are not logged out); a cookie session gets a new
   * creation time, so its absolute timeout counts from now, and a new cookie. The data is
   * kept unless `keep` is false (Django's `cycle_key`; `keep: false` is its `flush`).
   */
  regenerate(options: { readonly keep?: boolean } = {}): void {
    this.touch();
    const data = this.open();
    this.mayHaveChanged = true;
    this.regenerated = true;
    this.reissueFlag = true;
    this.startedAt = undefined;
    if (options.keep === false) this.data = {};
    // Where the Flask format keeps a session's start for the absolute timeout (CREATED_KEY).
    else Reflect.deleteProperty(data, '_created');
  }

  /** Whether {@link regenerate} was called on this request. */
  regenerated = false;

  /** Empties the session; what is stored next starts a new session (for the absolute timeout). */
  clear(): void {
    this.touch();
    this.open();
    this.mayHaveChanged = true;
    this.data = {};
    this.startedAt = undefined;
  }

  get size(): number {
    this.accessed = true;
    return Object.keys(this.open()).length;
  }

  keys(): string[] {
    this.accessed = true;
    return Object.keys(this.open());
  }

  /** Flask's `session.permanent`, kept in the `_permanent` key; reading it is an access. */
  get permanent(): boolean {
    return this.get('_permanent') === true;
  }

  set permanent(value: boolean) {
    this.set('_permanent', value);
  }

  /** Flask's `flash(message, category)`: appends `(category, message)` to `_flashes`. */
  flash(message: string | Markup, category = 'message'): void {
    const current = this.get('_flashes');
    const flashes = Array.isArray(current) ? [...(current as readonly PyValue[])] : [];
    flashes.push(new Tuple([category, message]));
    this.set('_flashes', flashes);
  }

  /**
   * Flask's `get_flashed_messages()`: takes the flashed messages out of the session
   * (they are shown once), optionally only those of some categories. As in Flask, the
   * first call of a request takes them all, and later calls in the same request give
   * the same messages again (each through its own filter): a page can show its errors in
   * one place and the rest in another. A message flashed after the first call stays in
   * the session for the next request.
   */
  takeFlashes(categories?: readonly string[]): Flash[] {
    const flashes = (this.takenFlashes ??= this.popFlashes());
    // As get_flashed_messages(category_filter=...): an empty filter is no filter.
    return categories === undefined || categories.length === 0 ? [...flashes] : flashes.filter((flash) => categories.includes(flash.category));
  }

  /** What the first takeFlashes() took: Flask keeps it on the request context. */
  private takenFlashes: readonly Flash[] | undefined;

  private popFlashes(): Flash[] {
    if (!this.has('_flashes')) return [];
    const stored = this.pop('_flashes');
    const flashes: Flash[] = [];
    for (const item of Array.isArray(stored) ? (stored as readonly PyValue[]) : []) {
      const pair = item instanceof Tuple ? item.items : Array.isArray(item) ? (item as readonly PyValue[]) : [];
      const [category, message] = pair;
      if (typeof category === 'string' && (typeof message === 'string' || message instanceof Markup)) flashes.push({ category, message });
    }
    return flashes;
  }

  /** A copy of the data, for writing the cookie; does not count as access. */
  toDict(): T {
    const data = this.open();
    this.mayHaveChanged = true; // the copy shares its lists and dicts
    return { ...data } as T;
  }

  /** Whether the session holds nothing; does not count as access (Flask's `if not session`). */
  isEmpty(): boolean {
    const data = this.open();
    for (const key in data) if (Object.hasOwn(data, key)) return false;
    return true;
  }

  private touch(): void {
    if (this.closedBecause !== undefined) throw new TypeError(`session is closed: ${this.closedBecause}`);
    this.accessed = true;
    this.modified = true;
  }
}

/** Whether writing `next` over `current` leaves the data as it was: the same scalar (JSON-equal, -0 apart from 0). */
function isSameScalar(current: PyValue, next: PyValue): boolean {
  return (current === null || typeof current !== 'object') && Object.is(current, next);
}
