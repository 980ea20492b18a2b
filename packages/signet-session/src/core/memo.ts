/**
 * Every memo in signet, in one place. Each is a small first-in-first-out table for a
 * pure function of a string (the same input gives the same output), bounded in entries
 * and in key length: a busy server that signs and reads the same few cookies many times
 * a second computes each once. The table below is their only sizing, and
 * {@link setMemosEnabled} turns them all off at once (the property tests compare the
 * answers both ways; a benchmark can measure what they are worth).
 */

/** What each memo remembers, and the longest key it keeps (longer inputs are computed, not kept). */
export const MEMOS = {
  /** Cookie header → its cookies as Werkzeug reads them (cookie-header.ts). */
  cookieHeaders: { keyLength: 4096 },
  /** Signed text → its HMAC under the current key, per signer (signer.ts). */
  signatures: { keyLength: 4096 },
  /** Timestamp segment → Unix seconds (signer.ts). */
  timestamps: { keyLength: 64 },
  /** Session JSON → Flask's payload segment, the zlib step included (flask-session.ts). */
  payloads: { keyLength: 4096 },
  /** Verified payload segment → its flat data (flask-session.ts). */
  flatPayloads: { keyLength: 4096 },
  /** Verified Flask cookie → its flat data and times, per codec (flask-session.ts). */
  verifiedCookies: { keyLength: 4096 },
  /** Second and session JSON → the cookie signed then, per codec (flask-session.ts). */
  encodedCookies: { keyLength: 8192 },
  /** Sealed token → its flat data and times, per codec (sealed.ts). */
  openedTokens: { keyLength: 4096 },
  /** Source cookie or flat data, second and Secure → the Set-Cookie of its renewal, per configuration (cookie-sessions.ts). */
  renewals: { keyLength: 8192 },
  /** Key, text value and the request's cookies → the lesson's answer (the lesson server's lesson.ts). */
  lessonAnswers: { keyLength: 8192 },
} as const satisfies Record<string, { readonly keyLength: number }>;

export type MemoName = keyof typeof MEMOS;

/** Entries per memo: enough for the sessions one process sees within a few seconds. */
export const MEMO_ENTRIES = 512;

let enabled = true;
const all = new Set<WeakRef<StringMemo<unknown>>>();
const forget = new FinalizationRegistry<WeakRef<StringMemo<unknown>>>((ref) => all.delete(ref));

/**
 * Turns every memo on or off (on by default), emptying them. Off, every call computes
 * its answer afresh: the answers are the same either way, only slower.
 */
export function setMemosEnabled(on: boolean): void {
  enabled = on;
  for (const ref of all) {
    const memo = ref.deref();
    if (memo === undefined) all.delete(ref);
    else memo.clear();
  }
}

export function memosEnabled(): boolean {
  return enabled;
}

/**
 * A memo pays only while its inputs repeat. With many distinct users every lookup misses,
 * and a miss still costs a hash of a long key and a table write. So each memo counts its
 * hits over windows of {@link MEMO_WINDOW} lookups; a window with fewer than one hit in
 * {@link MEMO_MIN_HIT_RATE} puts it to rest for {@link MEMO_REST} lookups, when it neither
 * looks up nor keeps anything, then it tries again. Answers never depend on it.
 */
export const MEMO_WINDOW = 256;
export const MEMO_MIN_HIT_RATE = 16;
export const MEMO_REST = 4096;

export class StringMemo<V> {
  private readonly entries = new Map<string, V>();
  private readonly maxKeyLength: number;
  private lookups = 0;
  private hits = 0;
  private resting = 0;

  constructor(readonly name: MemoName) {
    this.maxKeyLength = MEMOS[name].keyLength;
    const ref = new WeakRef(this);
    all.add(ref);
    forget.register(this, ref);
  }

  /** Whether lookups are made now: callers that build a key only for the memo ask first. */
  get active(): boolean {
    if (!enabled) return false;
    if (this.resting === 0) return true;
    this.resting--;
    return false;
  }

  get(key: string, compute: (key: string) => V): V {
    const hit = this.peek(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    this.put(key, value);
    return value;
  }

  /** The remembered value, if any (none while resting). */
  peek(key: string): V | undefined {
    if (!this.active) return undefined;
    const hit = this.entries.get(key);
    if (hit !== undefined) this.hits++;
    if (++this.lookups === MEMO_WINDOW) {
      if (this.hits * MEMO_MIN_HIT_RATE < MEMO_WINDOW) this.resting = MEMO_REST;
      this.lookups = 0;
      this.hits = 0;
    }
    return hit;
  }

  /** Remembers a value (unless memos are off, it rests, or the key is too long to be worth keeping), forgetting the oldest past the bound. */
  put(key: string, value: V): void {
    if (!enabled || this.resting > 0 || key.length > this.maxKeyLength) return;
    if (this.entries.size >= MEMO_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
    this.lookups = 0;
    this.hits = 0;
    this.resting = 0;
  }
}
