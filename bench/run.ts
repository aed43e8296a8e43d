/**
 * `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (or those whose name contains a FILTER), one after
 * another, writes bench/results/<date>-<host>.json and prints a table. Not part of `npm test`.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchModule, BenchReport, BenchRow } from './types.ts';

const BENCH_DIR = resolve(import.meta.dirname);

/** Formats rows as an aligned text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [r.suite, r.name, r.backend ?? '', formatValue(r.value), r.unit, r.extra?.extrapolated ? 'extrapolated' : '']);
  const head = ['suite', 'name', 'backend', 'value', 'unit', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => (i === 3 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

async function main(filters: string[]): Promise<void> {
  const files = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
  if (files.length === 0) throw new Error(`no bench/*.bench.ts matches ${filters.join(' ') || '(none present)'}`);
  const report: BenchReport = {
    date: new Date().toISOString(), host: hostname(), node: process.version, cpus: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length, failures: [], rows: [],
  };
  for (const f of files) {
    console.error(`bench: ${f} ...`);
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(join(BENCH_DIR, f)).href)) as Partial<BenchModule>;
      if (typeof mod.run !== 'function') throw new Error('does not export run()');
      const rows = await mod.run();
      report.rows.push(...rows);
      console.error(`bench: ${f} done in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${rows.length} rows`);
    } catch (e) {
      report.failures.push({ bench: f, message: (e as Error).message });
      console.error(`bench: ${f} FAILED: ${(e as Error).stack}`);
    }
  }
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.slice(0, 19).replace(/[:T]/g, '-')}-${report.host.replace(/[^\w.-]/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(formatTable(report.rows));
  console.log(`\n${report.rows.length} rows → ${file}${report.failures.length ? `; ${report.failures.length} bench(es) failed` : ''}`);
  if (report.failures.length) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
