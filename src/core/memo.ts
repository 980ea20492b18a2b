/**
 * A small first-in-first-out memo for pure functions of a string: the same input gives
 * the same output, so a busy server that signs and verifies the same few cookies many
 * times a second computes each once. Bounded in entries and in key length.
 */
export class StringMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxKeyLength: number,
  ) {}

  get(key: string, compute: (key: string) => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    this.put(key, value);
    return value;
  }

  /** The remembered value, if any. */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Remembers a value (unless the key is too long to be worth keeping), forgetting the oldest past the bound. */
  put(key: string, value: V): void {
    if (key.length > this.maxKeyLength) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
  }
}
