/**
 * The run's JSON-lines metrics log (RUN/metrics.jsonl, one StepMetrics record per line, plus `imagesPerSec`
 * and `timeSec`). On resume the records after the checkpoint's step are dropped: those steps are re-run. The
 * shortened log replaces the old one in one rename, so a kill or a full disk during a resume loses no line.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeError, writeFileAtomic } from 'gansynth-web/node/atomic-file';

/** Path of a run's metrics log. */
export function metricsPath(runDir: string): string {
  return join(runDir, 'metrics.jsonl');
}

/** Every record of a run's log (a torn last line from a kill is skipped). */
export function readMetrics(runDir: string): Record<string, number>[] {
  const p = metricsPath(runDir);
  if (!existsSync(p)) return [];
  const out: Record<string, number>[] = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, number>);
    } catch {
      /* a line cut by a kill */
    }
  }
  return out;
}

/** Keeps only the records with step ≤ `step` (atomically: the old log stays whole if the write fails). */
export function truncateMetrics(runDir: string, step: number): void {
  const kept = readMetrics(runDir).filter((r) => (r.step ?? 0) <= step);
  writeFileAtomic(metricsPath(runDir), kept.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Appends one record; a failed write names the log ("cannot write RUN/metrics.jsonl: disk full (ENOSPC)"). */
export function appendMetrics(runDir: string, record: Record<string, number>): void {
  const p = metricsPath(runDir);
  try {
    appendFileSync(p, JSON.stringify(record) + '\n');
  } catch (e) {
    throw writeError(p, e, false);
  }
}
