/**
 * What the suite found, as rows of one table (RESULTS.md and stdout), plus details.
 */
export interface Row {
  /** What was tried. */
  readonly check: string;
  /** Which server configuration ("flask", "sealed", "sealed+migrate"), or "-" for in-process checks. */
  readonly server: string;
  /** How many, of what. */
  readonly tried: string;
  /** What happened, briefly. */
  readonly outcome: string;
  /** Answers 500-599: unexplained, and explained ones with their reason. */
  readonly fiveXX: string;
  readonly crashes: number | '-';
  readonly hangs: number | '-';
  readonly slowestProbeMs?: number;
  /** Server memory, MiB: e.g. "61 → 63 (max 64)". */
  readonly rss?: string;
  readonly seconds: number;
  readonly pass: boolean;
}

export interface SectionResult {
  readonly rows: Row[];
  /** One sentence per failed check, naming what failed and how. */
  readonly failures: string[];
  /** Markdown for the details part of RESULTS.md. */
  readonly details: string[];
}

export const emptySection = (): SectionResult => ({ rows: [], failures: [], details: [] });

export function merge(target: SectionResult, source: SectionResult): void {
  target.rows.push(...source.rows);
  target.failures.push(...source.failures);
  target.details.push(...source.details);
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const ms = (n: number | undefined): string => (n === undefined ? '-' : n < 10 ? n.toFixed(1) : fmt(n));
const cell = (text: string | number): string => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(rows: readonly Row[]): string {
  const lines = [
    '| check | server | tried | what happened | 5xx | crashes | hangs | slowest probe ms | RSS MiB | s | verdict |',
    '|---|---|---|---|---|---:|---:|---:|---|---:|---|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${[row.check, row.server, row.tried, row.outcome, row.fiveXX, row.crashes, row.hangs, ms(row.slowestProbeMs), row.rss ?? '-', row.seconds.toFixed(0), row.pass ? 'pass' : '**FAIL**'].map(cell).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** A small markdown table from a header and rows of cells. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** Text shown in a table: control characters and non-ASCII escaped, cut to `max`. */
export function shown(text: string, max = 120): string {
  const escaped = JSON.stringify(text.length > max ? text.slice(0, max) : text).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > max ? `${escaped}… (${fmt(text.length)} chars)` : escaped;
}
