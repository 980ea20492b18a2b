/**
 * The reliability suite's short version (reliability/suite.ts, SHORT), in `npm test`:
 * the worst-case time of every parser, and a small pass of each other check, against
 * real server processes. The whole suite is `npm run test:reliability`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runAbuse } from '../reliability/sections/abuse.js';
import { runConfig, SHORT_CASES } from '../reliability/sections/config.js';
import { fuzzHttp } from '../reliability/sections/fuzz-http.js';
import { PROPERTIES, runParserFuzz } from '../reliability/sections/fuzz-parsers.js';
import { runMemoryBound } from '../reliability/sections/load.js';
import { shutdownUnderLoad, shutdownWithSlowClient } from '../reliability/sections/shutdown.js';
import { FAMILIES, measure, superlinear } from '../reliability/sections/worst-case.js';
import { killAll, SERVER_FORMATS } from '../reliability/lib/server.js';
import { makePools, SHORT } from '../reliability/suite.js';

after(killAll);

describe('Worst-case time: 16 times the input takes well under quadratic time (ratio < 64)', () => {
  const parsers = [...new Set(FAMILIES.map((f) => f.parser))];
  for (const parser of parsers) {
    it(`${parser} is linear on every adversarial input family`, () => {
      const slow: string[] = [];
      for (const family of FAMILIES.filter((f) => f.parser === parser)) {
        let timing = measure(family, SHORT.timing);
        if (timing.ratio >= SHORT.timing.threshold / 2 && timing.ratio < SHORT.timing.threshold * 2) {
          const again = measure(family, SHORT.timing, true);
          if (again.ratio < timing.ratio) timing = again;
        }
        if (superlinear(timing, SHORT.timing.threshold)) slow.push(`"${family.name}": ${timing.ratio.toFixed(0)}× (${timing.smallMs.toFixed(1)} → ${timing.largeMs.toFixed(1)} ms)`);
      }
      assert.deepEqual(slow, []);
    });
  }
});

describe('Parser fuzz: the parsers return a result for any string', () => {
  it(`${PROPERTIES.length} properties hold for ${SHORT.parsers.runs} inputs each`, () => {
    assert.deepEqual(runParserFuzz(SHORT.parsers).failures, []);
  });
});

describe('HTTP fuzz: hostile requests get answers, never a crash, a hang or an unexplained 5xx', () => {
  const pools = makePools();
  const counts = { flask: SHORT.fuzz.flask, sealed: SHORT.fuzz.sealed, 'sealed+migrate': SHORT.fuzz.migrate } as const;
  for (const [i, format] of SERVER_FORMATS.entries()) {
    it(`the ${format} server answers ${counts[format]} hostile requests`, { timeout: 90_000 }, async () => {
      const outcome = await fuzzHttp(format, { ...pools, format }, { ...SHORT.fuzz, requests: counts[format], seed: SHORT.seed + i });
      assert.deepEqual(outcome.failures, []);
      assert.equal(outcome.answered >= counts[format], true, `only ${outcome.answered} answered`);
    });
  }
});

describe('Memory bound: distinct valid cookies do not grow the server', () => {
  it(`${SHORT.memory.cookies} distinct valid cookies are each accepted, with RSS bounded`, { timeout: 60_000 }, async () => {
    assert.deepEqual((await runMemoryBound('flask', SHORT.memory)).failures, []);
  });
});

describe('Protocol abuse: malformed HTTP, slow and idle clients do not stop the server answering', () => {
  it('malformed requests get a 4xx or a close, slow and idle clients are served, and a probe stays quick', { timeout: 60_000 }, async () => {
    assert.deepEqual((await runAbuse('flask', SHORT.abuse)).failures, []);
  });
});

describe('Shutdown: SIGTERM answers what was accepted and exits by the deadline', () => {
  it('under load, every answer the server sent arrives whole and it exits 0 within SHUTDOWN_TIMEOUT', { timeout: 30_000 }, async () => {
    assert.deepEqual((await shutdownUnderLoad(SHORT.shutdown)).failures, []);
  });

  it('with a slow client holding a connection, it exits at SHUTDOWN_TIMEOUT=2 with exit code 3 (forced)', { timeout: 30_000 }, async () => {
    assert.deepEqual((await shutdownWithSlowClient(SHORT.shutdown)).failures, []);
  });
});

describe('Configuration: a bad value stops the start with one line naming the variable, never a stack trace', () => {
  it(`${SHORT_CASES.length} values (finding 5's and controls) start, or stop with the variable named`, { timeout: 60_000 }, async () => {
    assert.deepEqual((await runConfig(SHORT_CASES, 3, 10_000)).failures, []);
  });
});
