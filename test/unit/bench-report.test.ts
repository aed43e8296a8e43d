/**
 * bench/report.ts: the results file is rewritten as a bench reports each measurement, so a run killed midway (a
 * device call's time limit) keeps what it measured; a bench that fails keeps its earlier rows and is listed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBenches } from '../../bench/report.ts';
import type { BenchReport, BenchRow } from '../../bench/types.ts';

const row = (name: string, value: number): BenchRow => ({ suite: 'test', name, value, unit: 'ms' });

test('runBenches writes rows as they arrive, keeps a failed bench\'s earlier rows, and records the failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gsw-bench-report-'));
  const read = () => JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as BenchReport;
  const seen: number[] = [];
  const exitCode = process.exitCode;
  try {
    const file = await runBenches([
      ['a.bench.ts', async () => ({ run: async () => [row('a', 1)] })],
      ['b.bench.ts', async () => ({
        run: async (progress) => {
          progress?.([row('b1', 2)]);
          seen.push(read().rows.length); // a's row and b1 are on disk already
          progress?.([row('b2', 3)]);
          seen.push(read().rows.length);
          throw new Error('device time ran out');
        },
      })],
      ['c.bench.ts', async () => ({ run: async () => [row('c', 4)] })],
    ], dir);
    assert.deepEqual(seen, [2, 3]);
    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    assert.deepEqual(report.rows.map((r) => r.name), ['a', 'b1', 'b2', 'c']);
    assert.deepEqual(report.failures, [{ bench: 'b.bench.ts', message: 'device time ran out' }]);
    assert.equal(process.exitCode, 1);
  } finally {
    process.exitCode = exitCode;
    rmSync(dir, { recursive: true, force: true });
  }
});
