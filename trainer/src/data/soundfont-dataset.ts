/**
 * Our NSynth-like dataset rendered from a General MIDI SoundFont: every melodic program (bank 0, drum kits
 * excluded) × pitches within the preset's key range ∩ [24, 84] × velocities, 3 s held + 1 s release at 16 kHz
 * (64,000 samples, as NSynth), written in NSynth's json+wav layout, split train/valid/test by instrument.
 * Rendering runs on a worker_threads pool; output bytes do not depend on the worker count.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { listMelodicPresets, FLUIDR3_MONO } from './soundfont.ts';
import { PITCH_MAX, PITCH_MIN } from 'gansynth-web/shared/constants';
import { SeededRandom } from 'gansynth-web/shared/random';
import { gmProgramFamily } from './gm-families.ts';
import { EXAMPLES_JSON, nsynthWavPath } from './nsynth-json.ts';
import type { NsynthMeta } from './nsynth.ts';

/** Dataset splits, in NSynth's directory naming (`nsynth-train`, ...). */
export const SPLITS = Object.freeze(['train', 'valid', 'test'] as const);
/** A split name. */
export type Split = (typeof SPLITS)[number];

/** Options of the SoundFont dataset. */
export interface SoundfontDatasetConfig {
  /** `'fluidr3mono'` or a path to an SF2/SF3 file. */
  soundfont: string;
  /** GM programs to render (default: all 0–127 the bank has). */
  programs: readonly number[];
  /** Candidate pitches (default 24–84); each program keeps those its key ranges cover. */
  pitches: readonly number[];
  /** MIDI velocities (default 75, 100, 127). */
  velocities: readonly number[];
  heldSec: number;
  releaseSec: number;
  sampleRateHz: number;
  /** Fractions of instruments in train / valid / test (normalised). */
  splitFractions: readonly [number, number, number];
  /** Seed of the instrument split and of `limit`'s sample. */
  seed: number;
  /** Render at most this many notes (a seeded sample of the plan); 0 = all. */
  limit: number;
  /** Notes whose peak stays below this (linear) are dropped as silent. Default 1e-4 (−80 dBFS). */
  silencePeak: number;
}

/** Defaults: FluidR3Mono, all programs, 24–84, velocities 75/100/127, 80/10/10 split by instrument. */
export const SOUNDFONT_DATASET_DEFAULTS: SoundfontDatasetConfig = Object.freeze({
  soundfont: FLUIDR3_MONO,
  programs: Object.freeze(Array.from({ length: 128 }, (_, i) => i)),
  pitches: Object.freeze(Array.from({ length: PITCH_MAX - PITCH_MIN + 1 }, (_, i) => PITCH_MIN + i)),
  velocities: Object.freeze([75, 100, 127]),
  heldSec: 3,
  releaseSec: 1,
  sampleRateHz: 16000,
  splitFractions: Object.freeze([0.8, 0.1, 0.1]) as readonly [number, number, number],
  seed: 1234,
  limit: 0,
  silencePeak: 1e-4,
});

/** A note to render. */
export interface PlannedNote {
  program: number;
  bank: number;
  pitch: number;
  velocity: number;
  split: Split;
  meta: NsynthMeta & { preset_name: string; soundfont: string };
}

/** What a worker is asked to render. */
export interface RenderJob {
  index: number;
  program: number;
  bank: number;
  pitch: number;
  velocity: number;
}

/** What a worker sends back. */
export type RenderResult = { index: number; wav: Uint8Array; peak: number; error?: undefined } | { index: number; error: string };

function validateIntList(name: string, xs: readonly number[], min: number, max: number): void {
  if (xs.length === 0) throw new Error(`${name}: empty list`);
  for (const x of xs) if (!Number.isInteger(x) || x < min || x > max) throw new Error(`${name}: ${x} is not an integer in ${min}..${max}`);
}

/** Validates a config (throws naming the bad field). */
export function validateSoundfontDatasetConfig(c: SoundfontDatasetConfig): void {
  validateIntList('programs', c.programs, 0, 127);
  validateIntList('pitches', c.pitches, 0, 127);
  validateIntList('velocities', c.velocities, 1, 127);
  if (!(c.heldSec >= 0 && c.releaseSec >= 0 && c.heldSec + c.releaseSec > 0)) throw new Error('heldSec/releaseSec must be >= 0 with a positive sum');
  if (!(c.sampleRateHz >= 3000)) throw new Error(`sampleRateHz must be >= 3000, got ${c.sampleRateHz}`);
  if (c.splitFractions.length !== 3 || c.splitFractions.some((f) => !(f >= 0)) || !(c.splitFractions[0] > 0)) {
    throw new Error(`splitFractions must be three non-negative numbers with train > 0, got ${c.splitFractions.join(',')}`);
  }
  if (!Number.isInteger(c.limit) || c.limit < 0) throw new Error(`limit must be a non-negative integer, got ${c.limit}`);
}

const pad3 = (n: number): string => String(n).padStart(3, '0');

/**
 * Assigns instruments to splits: a seeded shuffle, then the first ⌈train⌉ go to train, the next to valid, the rest
 * to test. Each non-empty fraction gets at least one instrument when there are enough instruments.
 */
export function splitInstruments(instruments: readonly string[], fractions: readonly [number, number, number], seed: number): Map<string, Split> {
  const order = new SeededRandom(seed).shuffle([...instruments].sort());
  const total = fractions[0] + fractions[1] + fractions[2];
  const n = order.length;
  let nValid = Math.round((fractions[1] / total) * n);
  let nTest = Math.round((fractions[2] / total) * n);
  if (fractions[1] > 0 && nValid === 0 && n >= 3) nValid = 1;
  if (fractions[2] > 0 && nTest === 0 && n >= 3) nTest = 1;
  while (nValid + nTest >= n && nValid + nTest > 0) {
    if (nTest >= nValid && nTest > 0) nTest--;
    else nValid--;
  }
  const nTrain = n - nValid - nTest;
  const out = new Map<string, Split>();
  order.forEach((name, i) => out.set(name, i < nTrain ? 'train' : i < nTrain + nValid ? 'valid' : 'test'));
  return out;
}

/** Plans the notes to render: presets, their pitch ranges, velocities, the instrument split and `limit`. */
export async function planSoundfontDataset(options: Partial<SoundfontDatasetConfig> = {}): Promise<PlannedNote[]> {
  const c: SoundfontDatasetConfig = { ...SOUNDFONT_DATASET_DEFAULTS, ...options };
  validateSoundfontDatasetConfig(c);
  const wanted = new Set(c.programs);
  const presets = (await listMelodicPresets(c.soundfont, c.pitches)).filter((p) => wanted.has(p.program) && p.pitches.length > 0);
  if (presets.length === 0) throw new Error(`SoundFont '${c.soundfont}' has no melodic preset among programs ${c.programs.join(',')} covering those pitches`);
  const instrumentStr = (program: number): string => `${gmProgramFamily(program).family}_acoustic_${pad3(program)}`;
  const split = splitInstruments(presets.map((p) => instrumentStr(p.program)), c.splitFractions, c.seed);
  let notes: PlannedNote[] = [];
  for (const p of presets) {
    const { family, familyIndex } = gmProgramFamily(p.program);
    const instrument_str = instrumentStr(p.program);
    for (const pitch of p.pitches) {
      for (const velocity of c.velocities) {
        notes.push({
          program: p.program, bank: p.bank, pitch, velocity, split: split.get(instrument_str)!,
          meta: {
            note_str: `${instrument_str}-${pad3(pitch)}-${pad3(velocity)}`,
            pitch, velocity, sample_rate: c.sampleRateHz,
            instrument: p.program, instrument_str,
            instrument_family: familyIndex, instrument_family_str: family,
            instrument_source: 0, instrument_source_str: 'acoustic',
            qualities: [], qualities_str: [],
            preset_name: p.name, soundfont: c.soundfont,
          },
        });
      }
    }
  }
  if (c.limit > 0 && c.limit < notes.length) notes = new SeededRandom(c.seed + 1).shuffle(notes).slice(0, c.limit);
  notes.sort((a, b) => (a.meta.note_str < b.meta.note_str ? -1 : 1));
  return notes;
}

/** Progress callback: notes done so far, of total. */
export type ProgressFn = (done: number, total: number) => void;

/** Summary of a render. */
export interface SoundfontDatasetReport {
  rendered: number;
  dropped: { note_str: string; reason: string }[];
  perSplit: Record<Split, number>;
  seconds: number;
  rendersPerSec: number;
  /** Worker threads that rendered: the option, or fewer when there are fewer program groups to hand out. */
  workers: number;
}

/** The export condition under which `gansynth-web/...` resolves to the library's sources (root package.json). */
const SOURCE_CONDITION = '--conditions=gansynth-source';

/**
 * What a render worker runs first, and its Node flags: a prebuilt `dataset-worker.mjs` beside this module when
 * there is one (the bench/gpu bundle puts it beside the bundle); the built render-worker.js beside it in a packed
 * package (dist/data/); else, running from sources, render-worker.ts through tsx's loader (workers start without
 * the parent's loaders) with the source condition.
 */
function workerBootstrap(): { code: string; execArgv: string[] } {
  const prebuilt = new URL('./dataset-worker.mjs', import.meta.url);
  if (existsSync(fileURLToPath(prebuilt))) return { code: `import(${JSON.stringify(prebuilt.href)});`, execArgv: [] };
  if (import.meta.url.endsWith('.js')) {
    return { code: `import(${JSON.stringify(new URL('./render-worker.js', import.meta.url).href)});`, execArgv: [] };
  }
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./render-worker.ts', import.meta.url).href;
  return {
    code: `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
    execArgv: [SOURCE_CONDITION],
  };
}

/**
 * Renders planned notes into `outDir/nsynth-{train,valid,test}/{examples.json,audio/*.wav}` plus
 * `outDir/dataset.json` (config and counts). Notes that come out silent are dropped and listed.
 * @param workers worker threads (≥ 1).
 */
export async function renderSoundfontDataset(
  notes: readonly PlannedNote[],
  outDir: string,
  options: Partial<SoundfontDatasetConfig> & { workers?: number; onProgress?: ProgressFn } = {},
): Promise<SoundfontDatasetReport> {
  const c: SoundfontDatasetConfig = { ...SOUNDFONT_DATASET_DEFAULTS, ...options };
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`workers must be an integer 1..64, got ${workers}`);
  for (const s of SPLITS) mkdirSync(join(outDir, `nsynth-${s}`, 'audio'), { recursive: true });
  const t0 = performance.now();
  const peaks = new Float64Array(notes.length);
  // Work is handed out a program at a time: a worker keeps to one preset's notes, so each SF3 sample is
  // Vorbis-decoded by one worker only (decoding, not synthesis, dominates a preset's first note).
  const groups: number[][] = [];
  notes.forEach((n, i) => {
    const last = groups[groups.length - 1];
    if (last && notes[last[0]].program === n.program && notes[last[0]].bank === n.bank) last.push(i);
    else groups.push([i]);
  });
  let nextGroup = 0;
  let done = 0;
  const boot = workerBootstrap();
  const pool = Array.from({ length: Math.min(workers, Math.max(1, groups.length)) }, () =>
    new Worker(boot.code, { eval: true, execArgv: boot.execArgv, workerData: { soundfont: c.soundfont, heldSec: c.heldSec, releaseSec: c.releaseSec, sampleRateHz: c.sampleRateHz } }),
  );
  try {
    await Promise.all(pool.map((w) => new Promise<void>((resolve, reject) => {
      let queue: number[] = [];
      const send = (): void => {
        if (queue.length === 0) {
          if (nextGroup >= groups.length) return resolve();
          queue = [...groups[nextGroup++]];
        }
        const index = queue.shift()!;
        const n = notes[index];
        w.postMessage({ index, program: n.program, bank: n.bank, pitch: n.pitch, velocity: n.velocity } satisfies RenderJob);
      };
      w.on('message', (r: RenderResult) => {
        if (r.error !== undefined) return reject(new Error(`rendering ${notes[r.index].meta.note_str}: ${r.error}`));
        const n = notes[r.index];
        peaks[r.index] = r.peak;
        if (r.peak >= c.silencePeak) writeFileSync(nsynthWavPath(join(outDir, `nsynth-${n.split}`), n.meta.note_str), r.wav);
        options.onProgress?.(++done, notes.length);
        send();
      });
      w.on('error', reject);
      w.on('exit', (code) => { if (done < notes.length) reject(new Error(`render worker exited with code ${code}`)); });
      send();
    })));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  const seconds = (performance.now() - t0) / 1000;
  const dropped: SoundfontDatasetReport['dropped'] = [];
  const perSplit: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  const index: Record<Split, Record<string, unknown>> = { train: {}, valid: {}, test: {} };
  notes.forEach((n, i) => {
    if (peaks[i] < c.silencePeak) {
      dropped.push({ note_str: n.meta.note_str, reason: `silent (peak ${peaks[i].toExponential(2)})` });
      return;
    }
    index[n.split][n.meta.note_str] = { ...n.meta, note: i };
    perSplit[n.split]++;
  });
  for (const s of SPLITS) writeFileSync(join(outDir, `nsynth-${s}`, EXAMPLES_JSON), JSON.stringify(index[s], null, 1) + '\n');
  const rendered = notes.length - dropped.length;
  const summary = {
    format: 'gansynth-web/soundfont-dataset/1',
    config: { soundfont: c.soundfont, programs: [...new Set(notes.map((n) => n.program))].sort((a, b) => a - b), velocities: c.velocities, heldSec: c.heldSec, releaseSec: c.releaseSec, sampleRateHz: c.sampleRateHz, splitFractions: c.splitFractions, seed: c.seed, limit: c.limit, silencePeak: c.silencePeak },
    counts: { planned: notes.length, rendered, ...perSplit },
    instruments: Object.fromEntries(SPLITS.map((s) => [s, [...new Set(notes.filter((n) => n.split === s).map((n) => n.meta.instrument_str))].sort()])),
    dropped,
  };
  writeFileSync(join(outDir, 'dataset.json'), JSON.stringify(summary, null, 1) + '\n');
  return { rendered, dropped, perSplit, seconds, rendersPerSec: notes.length / seconds, workers: pool.length };
}
