// The memos: bounded tables that rest while their inputs do not repeat.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MEMO_REST, MEMO_WINDOW, StringMemo } from 'signet-session/core/memo';

describe('StringMemo', () => {
  it('keeps looking up while its inputs repeat', () => {
    const memo = new StringMemo<string>('timestamps');
    let computed = 0;
    for (let i = 0; i < MEMO_WINDOW * 8; i++) assert.equal(memo.get(`k${i % 4}`, (key) => (computed++, key.toUpperCase())), `K${i % 4}`);
    assert.equal(computed, 4, 'each of the four keys computed once');
    assert.equal(memo.active, true);
  });

  it('rests after a window of lookups that all miss, computing every answer, then tries again', () => {
    const memo = new StringMemo<string>('timestamps');
    let computed = 0;
    const compute = (key: string): string => (computed++, `v${key}`);
    for (let i = 0; i < MEMO_WINDOW; i++) memo.get(`distinct ${i}`, compute);
    assert.equal(computed, MEMO_WINDOW);
    // Resting: a key seen a moment ago is computed again, and nothing new is kept.
    assert.equal(memo.peek('distinct 0'), undefined);
    assert.equal(memo.get('again', compute), 'vagain');
    assert.equal(computed, MEMO_WINDOW + 1);
    let rested = 0;
    while (!memo.active) rested++;
    assert.ok(rested > MEMO_REST / 2 && rested <= MEMO_REST, `rested ${rested} lookups`);
    // Awake again: what it kept before the rest is found (the window's last answer came as it began).
    assert.equal(memo.peek('distinct 254'), 'vdistinct 254');
  });

  it('does not rest while at least one lookup in sixteen hits', () => {
    const memo = new StringMemo<string>('timestamps');
    for (let i = 0; i < MEMO_WINDOW * 8; i++) memo.get(i % 8 === 0 ? 'hot' : `cold ${i}`, (key) => key);
    assert.equal(memo.active, true);
  });
});
