/**
 * Running a list of benches into one BenchReport: the JSON file under an output folder and a printed table. Shared
 * by `npm run bench` (bench/run.ts, which finds bench/*.bench.ts) and the GPU bundle (bench/gpu/entry.ts, which
 * imports them statically).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type { BenchModule, BenchReport, BenchRow } from './types.ts';

/** Formats rows as an aligned text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [
    r.suite, r.name, r.backend ?? '', `${r.extra?.lowerBound ? '>' : ''}${formatValue(r.value)}`, r.unit,
    [r.extra?.extrapolated && 'extrapolated', r.extra?.lowerBound && 'lower bound (cut off)', r.extra?.noisy && 'noisy (machine busy)'].filter(Boolean).join(', '),
  ]);
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

/** bench/results/<date>-<host><suffix>.json for a report (the one naming rule for bench and fault-suite results). */
export function resultFile(outDir: string, report: { date: string; host: string }, suffix: string): string {
  return join(outDir, `${report.date.slice(0, 19).replace(/[:T]/g, '-')}-${report.host.replace(/[^\w.-]/g, '_')}${suffix}.json`);
}

/** A bench to run: its file name and how to load its module (a dynamic import here, a static one in bench/gpu). */
export type BenchEntry = [file: string, load: () => Promise<Partial<BenchModule>>];

/**
 * Runs `entries` one after another, writes `<outDir>/<date>-<host>.json`, prints the table; a bench that throws is
 * recorded under `failures` and sets a non-zero exit code, the others still run. The file is rewritten as rows
 * arrive (benches report each measurement), so a run killed midway keeps what it measured. Returns the file.
 */
export async function runBenches(entries: readonly BenchEntry[], outDir: string): Promise<string> {
  const report: BenchReport = {
    date: new Date().toISOString(), host: hostname(), node: process.version, cpus: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length, failures: [], rows: [],
  };
  mkdirSync(outDir, { recursive: true });
  const file = resultFile(outDir, report, '');
  const save = (rows: readonly BenchRow[]) => writeFileSync(file, JSON.stringify({ ...report, rows }, null, 2) + '\n');
  for (const [f, load] of entries) {
    console.error(`bench: ${f} ...`);
    const t0 = performance.now();
    const pending: BenchRow[] = [];
    try {
      const mod = await load();
      if (typeof mod.run !== 'function') throw new Error('does not export run()');
      const rows = await mod.run((r) => {
        pending.push(...r);
        save([...report.rows, ...pending]);
      });
      report.rows.push(...rows);
      console.error(`bench: ${f} done in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${rows.length} rows`);
    } catch (e) {
      report.rows.push(...pending); // what it measured before it failed
      report.failures.push({ bench: f, message: (e as Error).message });
      console.error(`bench: ${f} FAILED: ${(e as Error).stack}`);
    }
  }
  save(report.rows);
  console.log(formatTable(report.rows));
  console.log(`\n${report.rows.length} rows → ${file}${report.failures.length ? `; ${report.failures.length} bench(es) failed` : ''}`);
  if (report.failures.length) process.exitCode = 1;
  return file;
}
