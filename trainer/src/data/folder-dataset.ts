/**
 * `dataset --from-folder`: a folder of one's own recordings (WAV/FLAC/MP3, searched recursively; single notes or
 * long phrases) becomes a dataset in NSynth's json+wav layout, the one our SoundFont dataset and NSynth use, so
 * `train`, `features`, `eval` and `export` read it unchanged. Each file is decoded (audio-file.ts), mixed to mono at
 * 16 kHz and cut into pitched 4 s notes (note-slicer.ts); notes outside 24–84 or of unclear pitch are dropped and
 * listed with their file, time and reason, files that cannot be read are skipped and listed. Files are split
 * train/valid/test as instruments are in the SoundFont dataset (seeded, by source file: every note of a file lands
 * in one split). The output is written atomically (staging sibling + rename) and never inside the input folder.
 */
import { mkdirSync, readdirSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { MODEL_SAMPLE_RATE_HZ, PITCH_MAX, PITCH_MIN } from 'gansynth-web/shared/constants';
import { encodeWav } from 'gansynth-web/shared/wav';
import { stageDirAtomic } from 'gansynth-web/node/atomic-file';
import { decodeAudioFile, isAudioFileName } from './audio-file.ts';
import { sliceNotes, toModelRateMono, type NoteSlicerConfig } from './note-slicer.ts';
import { NSYNTH_FAMILIES, type NsynthMeta } from './nsynth.ts';
import { EXAMPLES_JSON, nsynthWavPath } from './nsynth-json.ts';
import { SPLITS, splitInstruments, type Split } from './soundfont-dataset.ts';

/** Options of {@link buildFolderDataset}. */
export interface FolderDatasetConfig {
  /** Fractions of source files in train / valid / test (default 0.8, 0.1, 0.1). */
  splitFractions: readonly [number, number, number];
  /** Seed of the split (default 1234, as the SoundFont dataset). */
  seed: number;
  /** NSynth family of every note (bass … vocal), or undefined: family -1, "unknown". */
  family?: string;
  /** Onset and pitch settings (note-slicer.ts). */
  slicer: Partial<NoteSlicerConfig>;
}

/** Defaults of {@link FolderDatasetConfig}. */
export const FOLDER_DATASET_DEFAULTS: FolderDatasetConfig = Object.freeze({
  splitFractions: Object.freeze([0.8, 0.1, 0.1]) as readonly [number, number, number],
  seed: 1234,
  slicer: Object.freeze({}),
});

/** Velocity written for every note: a recording does not say how hard it was played (the trainer ignores it). */
export const FOLDER_NOTE_VELOCITY = 100;

/** The entries `dataset --from-folder` writes into its output; an existing output holding only these is replaced. */
const OUTPUT_ENTRIES = new Set([...SPLITS.map((s) => `nsynth-${s}`), 'dataset.json']);

/** What the command found, printed and written as `dataset.json`. */
export interface FolderDatasetSummary {
  format: 'gansynth-web/folder-dataset/1';
  input: string;
  config: { splitFractions: readonly number[]; seed: number; family: string; sampleRateHz: number; velocity: number; slicer: Partial<NoteSlicerConfig> };
  counts: { files: number; filesWithNotes: number; skippedFiles: number; notesFound: number; kept: number; dropped: number } & Record<Split, number>;
  /** Kept notes per MIDI pitch 24–84, all splits. */
  notesPerPitch: Record<string, number>;
  /** Pitches 24–84 with no note at all, and with none in the train split. */
  missingPitches: number[];
  missingPitchesInTrain: number[];
  files: { file: string; split: Split | null; format: string; durationSec: number; sampleRateHz: number; channels: number; notes: number; dropped: number }[];
  dropped: { file: string; timeSec: number; reason: string }[];
  skipped: { file: string; reason: string }[];
}

/** Lists the files under `dir` (recursive, hidden entries left out), as sorted '/'-separated relative paths. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
    if (rel.split(sep).some((part) => part.startsWith('.'))) continue;
    out.push(rel.split(sep).join('/'));
  }
  return out.sort();
}

/** A file's name as an instrument name: its relative path without extension, [A-Za-z0-9_] only, unique. */
function sourceNames(files: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const f of files) {
    const base = f.replace(/\.[^./]+$/, '').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'file';
    let name = base;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base}_${k}`;
    used.add(name.toLowerCase());
    out.set(f, name);
  }
  return out;
}

const pad3 = (n: number): string => String(n).padStart(3, '0');

/** Pitches as compact ranges: [24, 25, 26, 30] → "24–26, 30". */
export function formatPitchRanges(pitches: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < pitches.length; ) {
    let j = i;
    while (j + 1 < pitches.length && pitches[j + 1] === pitches[j] + 1) j++;
    parts.push(j > i ? `${pitches[i]}–${pitches[j]}` : `${pitches[i]}`);
    i = j + 1;
  }
  return parts.join(', ') || 'none';
}

/** Refuses an output that is, holds or lies inside the input (the input must never be overwritten or listed as output). */
function checkFolders(inDir: string, outDir: string): void {
  const input = resolve(inDir);
  const output = resolve(outDir);
  let st;
  try {
    st = statSync(input);
  } catch {
    throw new Error(`--from-folder ${inDir}: no such folder`);
  }
  if (!st.isDirectory()) throw new Error(`--from-folder ${inDir}: not a folder`);
  const inside = (a: string, b: string): boolean => a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
  if (inside(output, input)) throw new Error(`--out ${outDir} is inside the input folder ${inDir}: choose an output outside it (the input is never written to)`);
  if (inside(input, output)) throw new Error(`the input folder ${inDir} is inside --out ${outDir}: choose another output (replacing it would delete the input)`);
}

/**
 * Builds the dataset: `outDir/nsynth-{train,valid,test}/{examples.json,audio/*.wav}` and `outDir/dataset.json`
 * (the summary). `onFile(done, total, file)` after each file. Throws when nothing usable was found.
 */
export async function buildFolderDataset(
  inDir: string,
  outDir: string,
  options: Partial<FolderDatasetConfig> & { onFile?: (done: number, total: number, file: string) => void } = {},
): Promise<FolderDatasetSummary> {
  const c: FolderDatasetConfig = { ...FOLDER_DATASET_DEFAULTS, ...options };
  const familyIndex = c.family === undefined ? -1 : NSYNTH_FAMILIES.indexOf(c.family as (typeof NSYNTH_FAMILIES)[number]);
  if (c.family !== undefined && familyIndex < 0) throw new Error(`--family: '${c.family}' is not one of NSynth's families (${NSYNTH_FAMILIES.join(', ')})`);
  if (c.splitFractions.length !== 3 || c.splitFractions.some((f) => !(f >= 0)) || !(c.splitFractions[0] > 0)) {
    throw new Error(`--split needs three non-negative fractions with train > 0, got ${c.splitFractions.join(',')}`);
  }
  checkFolders(inDir, outDir);
  const all = listFiles(inDir);
  const audioFiles = all.filter(isAudioFileName);
  const skipped: FolderDatasetSummary['skipped'] = all.filter((f) => !isAudioFileName(f)).map((file) => ({ file, reason: 'not a .wav, .flac or .mp3 file name' }));
  if (audioFiles.length === 0) throw new Error(`--from-folder ${inDir}: no .wav, .flac or .mp3 files in it (searched recursively)`);
  const names = sourceNames(audioFiles);
  const dropped: FolderDatasetSummary['dropped'] = [];
  const files: FolderDatasetSummary['files'] = [];
  const kept: { meta: NsynthMeta & Record<string, unknown>; file: string }[] = [];
  let notesFound = 0;

  const staged = stageDirAtomic(outDir, (n) => OUTPUT_ENTRIES.has(n));
  try {
    const pending = join(staged.path, 'pending');
    mkdirSync(pending);
    for (const [i, file] of audioFiles.entries()) {
      let decoded;
      try {
        decoded = await decodeAudioFile(join(inDir, file));
        const mono = toModelRateMono(decoded.channels, decoded.sampleRateHz);
        const sliced = sliceNotes(mono, c.slicer);
        notesFound += sliced.notes.length + sliced.dropped.length;
        for (const d of sliced.dropped) dropped.push({ file, timeSec: d.onsetSec, reason: d.reason });
        if (sliced.notes.length + sliced.dropped.length === 0) skipped.push({ file, reason: 'no onset found (silent, or no sound that starts)' });
        const instrument_str = names.get(file)!;
        for (const n of sliced.notes) {
          if (!n.pitch.ok) continue;
          const note_str = `${instrument_str}_t${String(Math.round(n.onsetSec * 1000)).padStart(7, '0')}ms-${pad3(n.pitch.pitch)}-${pad3(FOLDER_NOTE_VELOCITY)}`;
          writeFileSync(join(pending, `${note_str}.wav`), encodeWav([n.audio], MODEL_SAMPLE_RATE_HZ));
          kept.push({
            file,
            meta: {
              note_str, pitch: n.pitch.pitch, velocity: FOLDER_NOTE_VELOCITY, sample_rate: MODEL_SAMPLE_RATE_HZ,
              instrument: audioFiles.indexOf(file), instrument_str,
              instrument_family: familyIndex, instrument_family_str: c.family ?? 'unknown',
              // 0 (acoustic): GANSynth's filter (nsynth-filter.ts) keeps acoustic notes only.
              instrument_source: 0, instrument_source_str: 'acoustic',
              qualities: [], qualities_str: [],
              source_file: file, onset_sec: n.onsetSec, f0_hz: Math.round(n.pitch.f0Hz * 100) / 100, cents_off: n.pitch.centsOff, peak_dbfs: n.peakDbfs,
            },
          });
        }
        files.push({
          file, split: null, format: decoded.format, durationSec: Math.round((decoded.channels[0].length / decoded.sampleRateHz) * 1000) / 1000,
          sampleRateHz: decoded.sampleRateHz, channels: decoded.channels.length, notes: sliced.notes.length, dropped: sliced.dropped.length,
        });
      } catch (e) {
        const message = (e as Error).message;
        skipped.push({ file, reason: message.startsWith(join(inDir, file)) ? message.slice(join(inDir, file).length + 2) : message });
      }
      options.onFile?.(i + 1, audioFiles.length, file);
    }
    if (kept.length === 0) {
      const why = [...dropped.slice(0, 3).map((d) => `${d.file} @ ${d.timeSec} s: ${d.reason}`), ...skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`)];
      throw new Error(`--from-folder ${inDir}: no usable note in ${audioFiles.length} file(s) (${notesFound} found, ${dropped.length} dropped, ${skipped.length} file(s) skipped${why.length ? `; ${why.join('; ')}` : ''})`);
    }

    const sources = [...new Set(kept.map((k) => k.file))];
    const splitOf = splitInstruments(sources, c.splitFractions, c.seed);
    for (const f of files) f.split = splitOf.get(f.file) ?? null;
    const index: Record<Split, Record<string, unknown>> = { train: {}, valid: {}, test: {} };
    for (const s of SPLITS) mkdirSync(join(staged.path, `nsynth-${s}`, 'audio'), { recursive: true });
    kept.sort((a, b) => (a.meta.note_str < b.meta.note_str ? -1 : 1));
    kept.forEach((k, note) => {
      const split = splitOf.get(k.file)!;
      renameSync(join(pending, `${k.meta.note_str}.wav`), nsynthWavPath(join(staged.path, `nsynth-${split}`), k.meta.note_str));
      index[split][k.meta.note_str] = { ...k.meta, note };
    });
    rmdirSync(pending);
    for (const s of SPLITS) writeFileSync(join(staged.path, `nsynth-${s}`, EXAMPLES_JSON), JSON.stringify(index[s], null, 1) + '\n');

    const notesPerPitch: Record<string, number> = {};
    const trainPitches = new Set<number>();
    for (let p = PITCH_MIN; p <= PITCH_MAX; p++) notesPerPitch[p] = 0;
    for (const k of kept) {
      notesPerPitch[k.meta.pitch]++;
      if (splitOf.get(k.file) === 'train') trainPitches.add(k.meta.pitch);
    }
    const pitches = Array.from({ length: PITCH_MAX - PITCH_MIN + 1 }, (_, i) => PITCH_MIN + i);
    const summary: FolderDatasetSummary = {
      format: 'gansynth-web/folder-dataset/1',
      input: resolve(inDir),
      config: { splitFractions: c.splitFractions, seed: c.seed, family: c.family ?? 'unknown', sampleRateHz: MODEL_SAMPLE_RATE_HZ, velocity: FOLDER_NOTE_VELOCITY, slicer: c.slicer },
      counts: {
        files: audioFiles.length, filesWithNotes: sources.length, skippedFiles: skipped.length, notesFound, kept: kept.length, dropped: dropped.length,
        train: Object.keys(index.train).length, valid: Object.keys(index.valid).length, test: Object.keys(index.test).length,
      },
      notesPerPitch,
      missingPitches: pitches.filter((p) => notesPerPitch[p] === 0),
      missingPitchesInTrain: pitches.filter((p) => !trainPitches.has(p)),
      files, dropped, skipped,
    };
    writeFileSync(join(staged.path, 'dataset.json'), JSON.stringify(summary, null, 1) + '\n');
    staged.commit();
    return summary;
  } catch (e) {
    staged.abort();
    throw e;
  }
}

/** The summary as the command prints it: counts, notes per pitch, missing pitches, then what was dropped or skipped. */
export function formatFolderSummary(s: FolderDatasetSummary, outDir: string, maxListed = 20): string {
  const c = s.counts;
  const perPitch = Object.entries(s.notesPerPitch).filter(([, n]) => n > 0).map(([p, n]) => `${p}:${n}`).join(' ');
  const lines = [
    `${c.files} audio file(s), ${c.filesWithNotes} with notes, ${c.skippedFiles} skipped; ${c.notesFound} notes found, ${c.kept} kept (train ${c.train}, valid ${c.valid}, test ${c.test}), ${c.dropped} dropped → ${outDir}`,
    `notes per pitch: ${perPitch}`,
    `missing pitches (${PITCH_MIN}–${PITCH_MAX}): ${formatPitchRanges(s.missingPitches)}`,
    `missing in train: ${formatPitchRanges(s.missingPitchesInTrain)}`,
  ];
  const listed = [
    ...s.dropped.map((d) => `dropped ${d.file} @ ${d.timeSec.toFixed(3)} s: ${d.reason}`),
    ...s.skipped.map((k) => `skipped ${k.file}: ${k.reason}`),
  ];
  lines.push(...listed.slice(0, maxListed));
  if (listed.length > maxListed) lines.push(`… ${listed.length - maxListed} more in ${join(outDir, 'dataset.json')}`);
  return lines.join('\n');
}
