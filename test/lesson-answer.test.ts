/**
 * The lesson's answer is remembered by key, text value and the request's cookies
 * (lesson.ts): these tests hold the memo to the answer computed with every memo off,
 * for cookies that differ only in where one name ends and its value begins.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Session } from 'signet-session';
import { withoutMemos } from './support/memos.js';
import { answerLesson } from 'signet-lesson/server/lesson';

const RUNS = Number(process.env['SIGNET_PROPERTY_RUNS'] ?? 300);

type Request = readonly [key: string, value: string, cookies: ReadonlyArray<readonly [string, string]>];

function answerOf([key, value, cookies]: Request): string {
  const session = new Session().set(key, value);
  const answer = answerLesson(key, session, new Map(cookies));
  return `${answer.status} ${answer.text}`;
}


describe('The lesson answers the same with its memo as without', () => {
  const text = fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'b', '1', ':', '=', ';', 'é') });
  const request: fc.Arbitrary<Request> = fc.tuple(text, text, fc.uniqueArray(fc.tuple(text, text), { maxLength: 3, selector: ([name]) => name }));

  it('for any key, value and cookies, over many requests in turn (look-alike inputs share no answer)', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), (requests) => {
        // Twice in turn, so that the second pass answers from the memo when it can.
        const remembered = [...requests, ...requests].map(answerOf);
        const fresh = withoutMemos(() => [...requests, ...requests].map(answerOf));
        assert.deepEqual(remembered, fresh);
      }),
      { numRuns: RUNS },
    );
  });

  it('tells apart cookies that join to the same text: a=b;c=d and a=b;c, =d', () => {
    const first: Request = ['k', 'v', [['ab', 'cd']]];
    const second: Request = ['k', 'v', [['a', 'bcd']]];
    assert.notEqual(answerOf(first), answerOf(second));
    assert.equal(answerOf(first), withoutMemos(() => answerOf(first)));
    assert.equal(answerOf(second), withoutMemos(() => answerOf(second)));
  });
});
