/**
 * `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (or those whose name contains a FILTER), one after
 * another, writes bench/results/<date>-<host>.json and prints a table. Not part of `npm test`.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runBenches, type BenchEntry } from './report.ts';
import type { BenchModule } from './types.ts';

const BENCH_DIR = resolve(import.meta.dirname);

async function main(filters: string[]): Promise<void> {
  const files = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
  if (files.length === 0) throw new Error(`no bench/*.bench.ts matches ${filters.join(' ') || '(none present)'}`);
  const entries = files.map((f): BenchEntry => [f, () => import(pathToFileURL(join(BENCH_DIR, f)).href) as Promise<Partial<BenchModule>>]);
  await runBenches(entries, join(BENCH_DIR, 'results'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
