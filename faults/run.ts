/**
 * `npm run faults`: the whole fault suite at full size (README "Faults"); `FAULTS_SIZE=quick` runs the subset that
 * `npm test` runs (test/unit/faults-quick.test.ts). Writes bench/results/<date>-<host>-faults.json (figures of every
 * part plus the summary: cases tried, passed, kills survived, bytes lost) and prints a table. Exit 1 when any case
 * failed.
 */
import { mkdirSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { formatTable, resultFile } from '../bench/report.ts';
import type { BenchRow } from '../bench/types.ts';
import { writeFileAtomic } from '../src/node/atomic-file.ts';
import { runBrowserStorm } from './browser-storm.ts';
import { runDiskFull } from './disk-full.ts';
import { runKills } from './kills.ts';
import { runMidiFuzz } from './midi-fuzz.ts';
import { runModelCorruption } from './model-corruption.ts';

/** Sizes of one run of the suite. */
export const SIZES = {
  full: { midiFiles: 10_000, midiLive: 10_000, corruptionRepeats: 5, kills: { train: 20, export: 20, render: 20 }, storm: { floodSec: 5, notesPerSec: 1000, stormSec: 10, intervalMs: 50 } },
  quick: { midiFiles: 1000, midiLive: 1000, corruptionRepeats: 1, kills: { train: 1, export: 2, render: 2 }, storm: { floodSec: 1, notesPerSec: 1000, stormSec: 2, intervalMs: 50 } },
} as const;

/** Everything one run found. */
export interface FaultReport {
  size: keyof typeof SIZES;
  midi: ReturnType<typeof runMidiFuzz>;
  modelFiles: Awaited<ReturnType<typeof runModelCorruption>>;
  kills: Awaited<ReturnType<typeof runKills>>;
  diskFull: ReturnType<typeof runDiskFull>;
  storm: Awaited<ReturnType<typeof runBrowserStorm>>;
  summary: { casesTried: number; casesPassed: number; killsSurvived: number; kills: number; bytesLost: number; failures: string[] };
}

/** Runs every part at `size`, logging progress on stderr. */
export async function runFaultSuite(size: keyof typeof SIZES): Promise<FaultReport> {
  const s = SIZES[size];
  const step = async <T>(what: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    console.error(`faults: ${what} ...`);
    const r = await f();
    console.error(`faults: ${what} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };
  const midi = await step('MIDI fuzz', () => runMidiFuzz(s.midiFiles, s.midiLive));
  const modelFiles = await step('model-file corruption', () => runModelCorruption(s.corruptionRepeats));
  const kills = await step('kill -9', () => runKills(s.kills));
  const diskFull = await step('disk full', () => runDiskFull());
  const storm = await step('Chromium note flood and preset storm', () => runBrowserStorm(s.storm));
  const failures = [
    ...midi.failures.map((f) => `MIDI: ${f}`),
    ...modelFiles.failures.map((f) => `model files: ${f}`),
    ...kills.flatMap((k) => k.failures.map((f) => `${k.command} kill: ${f}`)),
    ...diskFull.failures.map((f) => `disk full: ${f}`),
    ...storm.failures.map((f) => `storm: ${f}`),
  ];
  const stormCases = storm.skipped ? 0 : 1;
  const casesTried = midi.fileCases + midi.liveCases + modelFiles.cases + kills.reduce((n, k) => n + k.kills, 0) + diskFull.cases + stormCases;
  const failedCases = midi.failureCount + modelFiles.failures.length + kills.reduce((n, k) => n + k.kills - k.survived, 0) + diskFull.failures.length + (storm.failures.length ? 1 : 0);
  return {
    size, midi, modelFiles, kills, diskFull, storm,
    summary: {
      casesTried, casesPassed: casesTried - failedCases,
      killsSurvived: kills.reduce((n, k) => n + k.survived, 0), kills: kills.reduce((n, k) => n + k.kills, 0),
      bytesLost: kills.reduce((n, k) => n + k.bytesLost, 0), failures,
    },
  };
}

/** The report as table rows. */
export function faultRows(r: FaultReport): BenchRow[] {
  const row = (name: string, value: number, unit: string): BenchRow => ({ suite: 'faults', name, value, unit });
  return [
    row('MIDI files fuzzed (parsed or clean error)', r.midi.parsed + r.midi.cleanErrors, `of ${r.midi.fileCases}`),
    row('live MIDI messages fuzzed (8 per case)', r.midi.liveCases, 'cases'),
    row('model-file corruptions (loaded or error naming the file)', r.modelFiles.loaded + r.modelFiles.cleanErrors, `of ${r.modelFiles.cases}`),
    ...r.kills.map((k) => row(`kill -9 of ${k.command} survived`, k.survived, `of ${k.kills}`)),
    row('disk-full cases passed', r.diskFull.passed, r.diskFull.skipped ? `skipped: ${r.diskFull.skipped}` : `of ${r.diskFull.cases}`),
    row('flood note-ons', r.storm.notesSent, r.storm.skipped ? `skipped: ${r.storm.skipped}` : 'notes'),
    row('storm preset changes', r.storm.presetChanges, 'changes'),
    row('tensors after − before', r.storm.tensorsAfter - r.storm.tensorsBefore, 'tensors'),
    row('JS heap after − before (after GC)', r.storm.heapAfterMb - r.storm.heapBeforeMb, 'MB'),
    row('cases tried', r.summary.casesTried, 'cases'),
    row('cases passed', r.summary.casesPassed, 'cases'),
    row('bytes lost', r.summary.bytesLost, 'bytes'),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = (process.env.FAULTS_SIZE ?? 'full') as keyof typeof SIZES;
  if (!(size in SIZES)) throw new Error(`FAULTS_SIZE must be ${Object.keys(SIZES).join(' or ')}, got '${size}'`);
  const report = await runFaultSuite(size);
  const header = { date: new Date().toISOString(), host: hostname(), node: process.version, cpus: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length };
  const outDir = join(import.meta.dirname, '..', 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = resultFile(outDir, header, '-faults');
  const rows = faultRows(report);
  writeFileAtomic(file, JSON.stringify({ ...header, failures: [], rows, faults: report }, null, 2) + '\n');
  console.log(formatTable(rows));
  for (const f of report.summary.failures) console.log(`FAILED ${f}`);
  console.error(`faults: ${rows.length} rows → ${file}`);
  process.exitCode = report.summary.failures.length ? 1 : 0;
}
