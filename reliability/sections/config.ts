/**
 * Configuration: every variable the server reads, with every kind of bad value. The
 * process must either start, or exit non-zero with one line `signet: cannot start: ...`
 * that names the variable; it must never print a stack trace or a raw exception, and
 * never hang. Values that are legal but almost surely a mistake (issue finding 5) must
 * stop the start, or at least start with a warning that names the variable.
 */
import { markdownTable, shown, type Row, type SectionResult } from '../lib/report.js';
import { BASE_ENV, spawnMain, STACK_LINE, RAW_ERROR } from '../lib/server.js';

/** What a case must do: start or stop cleanly; stop (or warn); or start. */
export type Expect = 'start-or-refuse' | 'refuse-or-warn' | 'start';

export interface ConfigCase {
  readonly variable: string;
  /** The value as text, or `bytes` (hex) for a value that is not UTF-8. */
  readonly value: string;
  readonly bytes?: string;
  readonly expect: Expect;
  /** Why this case is here (finding 5, a control...). */
  readonly note?: string;
  /** Other variables to set (or unset, with undefined) for this case. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const HEX_KEY = BASE_ENV.SECRET_KEY ?? '';
const NO_KEY = { SECRET_KEY: undefined } as const;

/** Values every variable gets: the kinds of mistake people make. */
const KINDS: ReadonlyArray<readonly [string, string?]> = [
  [''],
  [' '],
  ['garbage!!'],
  ['-1'],
  ['0'],
  ['99999999999999999999'],
  ['4k'],
  ['1.5'],
  [' 1'],
  ['1 '],
  ['TRUE'],
  ['ñ日本'],
  ['\u0001\u007f\u001b[31m'],
  ['(bytes ff fe 80)', 'fffe80'],
];

const VARIABLES = [
  'PORT', 'HOST', 'SECRET_KEY', 'SECRET_KEY_FALLBACKS', 'SIGNET_SECRET_FILE', 'NODE_ENV', 'TRUST_PROXY', 'LOG_REQUESTS', 'SESSION_FORMAT',
  'SESSION_COOKIE_NAME', 'SESSION_COOKIE_DOMAIN', 'SESSION_COOKIE_PATH', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_SAMESITE',
  'SESSION_COOKIE_PARTITIONED', 'SESSION_MIGRATE_FLASK', 'PERMANENT_SESSION_LIFETIME', 'SESSION_REFRESH_EACH_REQUEST', 'SESSION_IDLE_TIMEOUT',
  'SESSION_ABSOLUTE_TIMEOUT', 'MAX_COOKIE_SIZE', 'SHUTDOWN_TIMEOUT',
] as const;

const NUMERIC = new Set(['PORT', 'PERMANENT_SESSION_LIFETIME', 'SESSION_IDLE_TIMEOUT', 'SESSION_ABSOLUTE_TIMEOUT', 'MAX_COOKIE_SIZE', 'SHUTDOWN_TIMEOUT']);
const BOOLEAN = new Set(['LOG_REQUESTS', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_PARTITIONED', 'SESSION_MIGRATE_FLASK', 'SESSION_REFRESH_EACH_REQUEST']);

/** Values that would make the server listen where it must not: the default port, all interfaces. */
function skipped(variable: string, value: string): boolean {
  if (variable === 'PORT' && value === '') return true; // the default 5555, which other users of this machine use
  if (variable === 'HOST' && ['0', '', ' ', '   '].includes(value)) return value === '0'; // 0 binds every interface
  return false;
}

/** The generic kinds of bad value, for every variable. */
function generic(): ConfigCase[] {
  const cases: ConfigCase[] = [];
  for (const variable of VARIABLES) {
    for (const [value, bytes] of KINDS) {
      if (skipped(variable, value)) continue;
      // Garbage in a number or a switch is surely a mistake: it must not be taken silently.
      const garbage = value !== '' && !/^\s*$/.test(value) && (NUMERIC.has(variable) ? !/^\d+$/.test(value) : BOOLEAN.has(variable) ? !/^(1|0|true|false|yes|no|on|off)$/i.test(value) : false);
      const env = variable === 'SIGNET_SECRET_FILE' || variable === 'NODE_ENV' ? NO_KEY : undefined;
      cases.push({ variable, value, ...(bytes === undefined ? {} : { bytes }), expect: garbage ? 'refuse-or-warn' : 'start-or-refuse', ...(env === undefined ? {} : { env }) });
    }
  }
  return cases;
}

/** The cases of finding 5, controls that must start, and values special to one variable. */
export const SPECIFIC: readonly ConfigCase[] = [
  { variable: 'TRUST_PROXY', value: 'garbage!!', expect: 'refuse-or-warn', note: 'finding 5: a raw TypeError from a dependency' },
  { variable: 'TRUST_PROXY', value: '10.0.0.0/8,garbage', expect: 'refuse-or-warn' },
  { variable: 'TRUST_PROXY', value: '127.0.0.1', expect: 'start', note: 'control' },
  { variable: 'TRUST_PROXY', value: 'loopback', expect: 'start', note: 'control' },
  { variable: 'SECRET_KEY', value: ` ${HEX_KEY}`, expect: 'refuse-or-warn', note: 'finding 5: a leading space, taken as text' },
  { variable: 'SECRET_KEY', value: `${HEX_KEY} `, expect: 'refuse-or-warn', note: 'finding 5: a trailing space' },
  { variable: 'SECRET_KEY', value: HEX_KEY.replace('hex:', 'HEX:'), expect: 'refuse-or-warn', note: 'finding 5: HEX: taken as text' },
  { variable: 'SECRET_KEY', value: '   ', expect: 'refuse-or-warn', note: 'finding 5: only spaces' },
  { variable: 'SECRET_KEY', value: 'hex:', expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY', value: 'hex:3f7', expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY', value: 'base64:!!!', expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY', value: 'x'.repeat(100_000), expect: 'start-or-refuse', note: 'a 100,000-character key' },
  { variable: 'SECRET_KEY', value: HEX_KEY, expect: 'start', note: 'control: the lesson key' },
  { variable: 'SECRET_KEY_FALLBACKS', value: ',', expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY_FALLBACKS', value: `${HEX_KEY},,old`, expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY_FALLBACKS', value: 'hex:zz', expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY_FALLBACKS', value: 'an old key that is long enough to be fine,hex:00112233445566778899aabbccddeeff', expect: 'start', note: 'control' },
  { variable: 'MAX_COOKIE_SIZE', value: '4k', expect: 'refuse-or-warn', note: 'finding 5: refused as "give whole seconds"' },
  { variable: 'MAX_COOKIE_SIZE', value: '100000000', expect: 'refuse-or-warn', note: 'finding 5: browsers drop cookies over 4,096 bytes' },
  { variable: 'MAX_COOKIE_SIZE', value: '63', expect: 'refuse-or-warn' },
  { variable: 'MAX_COOKIE_SIZE', value: '4093', expect: 'start', note: 'control' },
  { variable: 'SESSION_ABSOLUTE_TIMEOUT', value: '10', env: { SESSION_IDLE_TIMEOUT: '100' }, expect: 'refuse-or-warn', note: 'finding 5: shorter than SESSION_IDLE_TIMEOUT' },
  { variable: 'SESSION_IDLE_TIMEOUT', value: '600', env: { SESSION_ABSOLUTE_TIMEOUT: '3600' }, expect: 'start', note: 'control' },
  { variable: 'NODE_ENV', value: 'Production', env: NO_KEY, expect: 'refuse-or-warn', note: 'finding 5: falls back to development mode' },
  { variable: 'NODE_ENV', value: 'PRODUCTION', env: NO_KEY, expect: 'refuse-or-warn' },
  { variable: 'NODE_ENV', value: ' production', env: NO_KEY, expect: 'refuse-or-warn' },
  { variable: 'NODE_ENV', value: 'prod', env: NO_KEY, expect: 'refuse-or-warn' },
  { variable: 'NODE_ENV', value: 'production', env: NO_KEY, expect: 'refuse-or-warn', note: 'control: production without a key stops' },
  { variable: 'NODE_ENV', value: 'development', env: NO_KEY, expect: 'start', note: 'control' },
  { variable: 'SIGNET_SECRET_FILE', value: '/etc/hostname', env: NO_KEY, expect: 'refuse-or-warn', note: "finding 5: any file's text as the key" },
  { variable: 'SIGNET_SECRET_FILE', value: '/dev/null', env: NO_KEY, expect: 'refuse-or-warn' },
  { variable: 'SIGNET_SECRET_FILE', value: '/', env: NO_KEY, expect: 'refuse-or-warn', note: 'a directory' },
  { variable: 'SIGNET_SECRET_FILE', value: '/nonexistent/dir/key', env: NO_KEY, expect: 'refuse-or-warn', note: 'cannot be written' },
  { variable: 'SIGNET_SECRET_FILE', value: 'dev-key', env: NO_KEY, expect: 'start', note: 'control: made in the working directory' },
  { variable: 'SESSION_TYPE', value: 'memory', expect: 'start', note: 'control' },
  { variable: 'SESSION_TYPE', value: 'Memory', expect: 'start-or-refuse' },
  { variable: 'SESSION_TYPE', value: 'file', expect: 'refuse-or-warn' },
  { variable: 'SESSION_TYPE', value: 'memory', env: { NODE_ENV: 'production' }, expect: 'refuse-or-warn', note: 'one process only, in production' },
  { variable: 'REDIS_URL', value: 'http://localhost:6379', env: { SESSION_TYPE: 'redis' }, expect: 'refuse-or-warn', note: 'not a Redis URL' },
  { variable: 'REDIS_URL', value: 'redis://127.0.0.1:1', env: { SESSION_TYPE: 'redis' }, expect: 'refuse-or-warn', note: 'nothing listens there' },
  { variable: 'REDIS_URL', value: 'redis://localhost:6379', expect: 'refuse-or-warn', note: 'ignored with cookie sessions' },
  { variable: 'SESSION_FORMAT', value: 'sealed', expect: 'start', note: 'control' },
  { variable: 'SESSION_FORMAT', value: 'Sealed', expect: 'start-or-refuse' },
  { variable: 'SESSION_FORMAT', value: 'json', expect: 'refuse-or-warn' },
  { variable: 'SESSION_MIGRATE_FLASK', value: '1', expect: 'refuse-or-warn', note: 'with the Flask format: nothing to migrate' },
  { variable: 'SESSION_MIGRATE_FLASK', value: '1', env: { SESSION_FORMAT: 'sealed' }, expect: 'start', note: 'control' },
  { variable: 'SESSION_COOKIE_NAME', value: 'a b', expect: 'refuse-or-warn' },
  { variable: 'SESSION_COOKIE_NAME', value: 'a;b', expect: 'refuse-or-warn' },
  { variable: 'SESSION_COOKIE_NAME', value: '__Host-session', expect: 'refuse-or-warn', note: 'needs Secure' },
  { variable: 'SESSION_COOKIE_NAME', value: 'x'.repeat(5000), expect: 'refuse-or-warn', note: 'no cookie of this name fits 4 KB' },
  { variable: 'SESSION_COOKIE_DOMAIN', value: 'a;b', expect: 'refuse-or-warn' },
  { variable: 'SESSION_COOKIE_PATH', value: 'no-slash', expect: 'refuse-or-warn' },
  { variable: 'SESSION_COOKIE_SAMESITE', value: 'None', expect: 'refuse-or-warn', note: 'needs Secure' },
  { variable: 'SESSION_COOKIE_SAMESITE', value: 'lax', expect: 'start', note: 'control' },
  { variable: 'SESSION_COOKIE_SECURE', value: 'auto', expect: 'start', note: 'control' },
  { variable: 'SESSION_COOKIE_PARTITIONED', value: '1', expect: 'refuse-or-warn', note: 'needs Secure' },
  { variable: 'PERMANENT_SESSION_LIFETIME', value: '86400', expect: 'start', note: 'control' },
  { variable: 'PORT', value: '65536', expect: 'refuse-or-warn' },
  { variable: 'PORT', value: '0x50', expect: 'refuse-or-warn' },
  { variable: 'PORT', value: '٣', expect: 'refuse-or-warn', note: 'an Arabic-Indic digit' },
  { variable: 'HOST', value: '999.1.1.1', expect: 'start-or-refuse' },
  { variable: 'HOST', value: '127.0.0.1', expect: 'start', note: 'control' },
  { variable: 'SHUTDOWN_TIMEOUT', value: '5', expect: 'start', note: 'control' },
  { variable: 'LOG_REQUESTS', value: 'off', expect: 'start', note: 'control' },
];

/** A handful for CI: the cases of finding 5 and the controls. */
export const SHORT_CASES: readonly ConfigCase[] = [
  ...SPECIFIC.filter((c) => c.note?.startsWith('finding 5') === true || c.note?.startsWith('control') === true),
  { variable: 'PERMANENT_SESSION_LIFETIME', value: '4k', expect: 'refuse-or-warn' },
  { variable: 'SHUTDOWN_TIMEOUT', value: 'garbage!!', expect: 'refuse-or-warn' },
  { variable: 'SHUTDOWN_TIMEOUT', value: '-1', expect: 'refuse-or-warn' },
  { variable: 'LOG_REQUESTS', value: 'garbage!!', expect: 'refuse-or-warn' },
  { variable: 'SESSION_COOKIE_HTTPONLY', value: '2', expect: 'refuse-or-warn' },
  { variable: 'HOST', value: 'garbage!!', expect: 'start-or-refuse' },
  { variable: 'PORT', value: '-1', expect: 'refuse-or-warn' },
  { variable: 'SECRET_KEY', value: '(bytes ff fe 80)', bytes: 'fffe80', expect: 'start-or-refuse' },
];

export const FULL_CASES: readonly ConfigCase[] = [...SPECIFIC, ...generic()];

export type Outcome = 'started' | 'refused' | 'hung';

export interface CaseResult {
  readonly case: ConfigCase;
  readonly outcome: Outcome;
  readonly code: number | null;
  /** The refusal's message, or the warnings that name the variable. */
  readonly message: string;
  readonly ok: boolean;
  /** Why it is not ok. */
  readonly problem?: string;
}

export async function runCase(c: ConfigCase, timeoutMs: number): Promise<CaseResult> {
  const env: Record<string, string> = { ...BASE_ENV };
  for (const [name, value] of Object.entries(c.env ?? {})) {
    if (value === undefined) Reflect.deleteProperty(env, name);
    else env[name] = value;
  }
  if (c.bytes === undefined) env[c.variable] = c.value;
  else Reflect.deleteProperty(env, c.variable);
  const spawned = spawnMain({ env, ...(c.bytes === undefined ? {} : { rawEnv: { [c.variable]: c.bytes } }) });
  let outcome: Outcome = 'hung';
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      resolve(false);
    }, timeoutMs);
    const poll = setInterval(() => {
      if (/http:\/\/[^\s/]+:\d+\//.test(spawned.stdout())) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(true);
      }
    }, 25);
    void spawned.exited.then(() => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(/http:\/\/[^\s/]+:\d+\//.test(spawned.stdout()));
    });
  });
  if (listening) {
    outcome = 'started';
    spawned.child.kill('SIGTERM');
  } else if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) {
    outcome = 'refused';
  } else {
    spawned.child.kill('SIGKILL');
  }
  const killer = setTimeout(() => spawned.child.kill('SIGKILL'), 10_000);
  const exit = await spawned.exited;
  clearTimeout(killer);
  const stderr = spawned.stderr().trim();
  const stdout = spawned.stdout();
  const all = `${stdout}\n${stderr}`;
  const lines = all.split('\n');
  const trace = lines.find((l) => STACK_LINE.test(l) || RAW_ERROR.test(l));
  const named = (text: string): boolean => text.includes(c.variable);
  const warnings = lines.filter((l) => named(l) && !/http:\/\//.test(l) && !l.startsWith('signet: cannot start'));
  let problem: string | undefined;
  if (trace !== undefined) problem = `a stack trace or raw error: ${trace.trim()}`;
  else if (outcome === 'hung') problem = `neither listening nor exited within ${timeoutMs} ms`;
  else if (outcome === 'refused') {
    if (exit.code === 0) problem = 'exited 0 without listening';
    else if (stderr.split('\n').length !== 1) problem = `a refusal of ${stderr.split('\n').length} lines`;
    else if (!/^signet: cannot (start|listen)/.test(stderr)) problem = 'a refusal not starting "signet: cannot start:"';
    else if (!named(stderr)) problem = `a refusal that does not name ${c.variable}`;
    else if (c.expect === 'start') problem = 'refused a valid value';
  } else if (c.expect === 'refuse-or-warn' && warnings.length === 0) {
    problem = `started, with no warning naming ${c.variable}`;
  }
  const message = outcome === 'refused' ? stderr : warnings.join(' / ');
  return { case: c, outcome, code: exit.code, message, ok: problem === undefined, ...(problem === undefined ? {} : { problem }) };
}

export async function runConfig(cases: readonly ConfigCase[], parallel: number, timeoutMs: number): Promise<SectionResult & { results: CaseResult[] }> {
  const started = performance.now();
  const results: CaseResult[] = new Array<CaseResult>(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < cases.length) {
        const i = next++;
        results[i] = await runCase(cases[i] as ConfigCase, timeoutMs);
      }
    }),
  );
  const bad = results.filter((r) => !r.ok);
  const byVariable = new Map<string, CaseResult[]>();
  for (const r of results) byVariable.set(r.case.variable, [...(byVariable.get(r.case.variable) ?? []), r]);
  const failures = bad.map((r) => `Configuration: ${r.case.variable}=${shown(r.case.bytes === undefined ? r.case.value : `bytes ${r.case.bytes}`, 60)}${r.case.env === undefined ? '' : ` (with ${Object.entries(r.case.env).map(([k, v]) => (v === undefined ? `${k} unset` : `${k}=${v}`)).join(', ')})`}: ${r.problem ?? ''}${r.case.note === undefined ? '' : ` [${r.case.note}]`}`);
  const count = (o: Outcome): number => results.filter((r) => r.outcome === o).length;
  const traces = results.filter((r) => r.problem?.startsWith('a stack trace') === true).length;
  const hung = count('hung');
  const row: Row = {
    check: 'Configuration: every variable, every kind of bad value',
    server: 'each',
    tried: `${results.length} starts: ${byVariable.size} variables`,
    outcome: `${count('started')} started, ${count('refused')} refused, ${hung} hung; ${bad.length} wrong (${traces} with a stack trace)`,
    fiveXX: '-',
    crashes: traces,
    hangs: hung,
    seconds: (performance.now() - started) / 1000,
    pass: bad.length === 0,
  };
  const detailRows = results.map((r) => [
    r.case.variable,
    r.case.bytes === undefined ? shown(r.case.value, 40) : `bytes ${r.case.bytes}`,
    r.case.env === undefined ? '' : Object.entries(r.case.env).map(([k, v]) => (v === undefined ? `${k} unset` : `${k}=${v}`)).join(', '),
    r.case.expect,
    r.outcome === 'refused' ? `refused (exit ${String(r.code)})` : r.outcome,
    shown(r.message, 140),
    r.ok ? 'ok' : `**${r.problem ?? ''}**`,
  ]);
  const details = [`### Configuration: what each value did (${results.length} starts)`, '', markdownTable(['variable', 'value', 'with', 'expected', 'outcome', 'message', 'verdict'], detailRows), ''].join('\n');
  return { rows: [row], failures, details: [details], results };
}
