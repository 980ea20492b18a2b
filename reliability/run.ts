/**
 * `npm run test:reliability`: the whole suite (reliability/suite.ts, FULL), bounded in
 * time; writes reliability/results/RESULTS.md and prints it. Exit code 0 when every
 * check passes, 1 otherwise. Run it through reliability/run.sh, which installs wrk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { killAll } from './lib/server.js';
import { FULL, runPlan, SHORT } from './suite.js';

// Whatever happens, no server this suite started outlives it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

// A last guard on the whole run: every piece has its own bound; this is the bound of bounds.
const LIMIT_MS = 10 * 60 * 1000 - 15_000;
const guard = setTimeout(() => {
  process.stderr.write(`reliability: still running after ${LIMIT_MS / 1000} s: stopping\n`);
  killAll();
  process.exit(1);
}, LIMIT_MS);
guard.unref();

const plan = process.argv.includes('--short') ? SHORT : FULL;
const report = await runPlan(plan);
const dir = new URL('../../reliability/results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL(plan === FULL ? 'RESULTS.md' : 'RESULTS-short.md', dir), report.markdown + '\n');
process.stdout.write(report.markdown + '\n');
killAll();
process.exitCode = report.result.failures.length === 0 ? 0 : 1;
