/**
 * On-disk cache of raw features (log mel magnitude, mel IF; see features.ts): one `.bin` per example (float16 or
 * float32, little-endian, `[frames, bins, 2]`) plus `index.json`, written last, naming the dataset fingerprint and a
 * hash of the spectral config. A cache whose index matches is reused as is; anything else is rebuilt.
 *
 * A note shorter than the model's input (`spec.audioLengthSamples`: a WAV cut short by a failed copy, say) is not
 * padded with silence and trained on: it is left out and listed in the index (`skipped`), or, with
 * `shortNotes: 'fail'`, it stops the build naming its file. Longer notes are cut, as Magenta's crop_or_pad does.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeError, writeFileAtomic } from 'gansynth-web/node/atomic-file';
import type { SpectralConfig } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { computeFeatures, featureSize } from './features.ts';
import { decodeHalf, encodeHalf } from './float16.ts';
import { NORMALIZER_DEFAULTS, RangeAccumulator, type NormalizerFile } from './normalizer.ts';
import type { NoteRef } from './listing.ts';

/** Bumped when the feature computation changes meaning, so old caches are rebuilt. */
const FEATURE_VERSION = 'raw-logmel-melif/1';
/** /2: short notes are skipped and listed (a /1 cache may hold them zero-padded, so it is rebuilt). */
const FORMAT = 'gansynth-web/feature-cache/2';

/** Storage precision of cached features. */
export type CacheDtype = 'float16' | 'float32';

/** One cached example. */
export interface CacheEntry {
  note_str: string;
  pitch: number;
  velocity: number;
  instrument_str: string;
  file: string;
}

/** What to do with a note shorter than the model's input: leave it out and count it, or stop naming its file. */
export const SHORT_NOTES = ['skip', 'fail'] as const;
/** One of {@link SHORT_NOTES}. */
export type ShortNotes = (typeof SHORT_NOTES)[number];

/** A note left out of the cache because it is shorter than the model's input. */
export interface ShortNote {
  note_str: string;
  /** Where its audio is (the WAV's path, or TFRECORD@offset). */
  source: string;
  /** Samples it has (the model takes `spec.audioLengthSamples`). */
  lengthSamples: number;
}

interface CacheIndex {
  format: typeof FORMAT;
  datasetFingerprint: string;
  specHash: string;
  dtype: CacheDtype;
  shape: [number, number, 2];
  entries: CacheEntry[];
  skipped: ShortNote[];
}

function seconds(samples: number, spec: SpectralConfig): string {
  return `${+(samples / spec.sampleRateHz).toFixed(2)} s`;
}

/** The error of `shortNotes: 'fail'`, naming the file. */
export function shortNoteError(n: ShortNote, spec: SpectralConfig): Error {
  return new Error(`${n.source}: ${n.lengthSamples} of ${spec.audioLengthSamples} samples (${seconds(n.lengthSamples, spec)} of ${seconds(spec.audioLengthSamples, spec)}): ` +
    'shorter than the model\'s input (a truncated WAV?); it is not padded with silence for training');
}

/** "skipped 3 notes shorter than the model's input of 64000 samples (4 s), truncated WAVs? First: PATH, 41234 of 64000 samples; …". */
export function describeSkipped(skipped: readonly ShortNote[], spec: SpectralConfig): string {
  const first = skipped[0];
  if (!first) return 'no note skipped';
  const what = skipped.length === 1 ? '1 note' : `${skipped.length} notes`;
  return `skipped ${what} shorter than the model's input of ${spec.audioLengthSamples} samples (${seconds(spec.audioLengthSamples, spec)}), truncated WAVs? ` +
    `First: ${first.source}, ${first.lengthSamples} of ${spec.audioLengthSamples} samples; all are listed in the feature cache's index.json ("skipped")`;
}

/** sha256 of the spectral config (sorted keys) and the feature version. */
export function spectralHash(spec: SpectralConfig): string {
  const keys = Object.keys(spec).sort() as (keyof SpectralConfig)[];
  return createHash('sha256').update(FEATURE_VERSION + JSON.stringify(keys.map((k) => [k, spec[k]]))).digest('hex');
}

/** Options of {@link FeatureCache.open}. */
export interface FeatureCacheOptions {
  /** Default 'float16' (half the disk; ≤ 0.1 % relative error, far below the normalised data's noise). */
  dtype?: CacheDtype;
  /** Waves per feature computation (one tfjs call). Default 8. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Notes shorter than the model's input: 'skip' (default; listed in `skipped`) or 'fail' (an error naming the file). */
  shortNotes?: ShortNotes;
}

/** A built (or reused) cache. */
export class FeatureCache {
  private constructor(
    readonly dir: string,
    private readonly index: CacheIndex,
    /** True when an existing cache matched and nothing was computed. */
    readonly reused: boolean,
  ) {}

  /** Cached examples, in dataset order. */
  get entries(): readonly CacheEntry[] {
    return this.index.entries;
  }
  get size(): number {
    return this.index.entries.length;
  }
  /** Notes left out because they are shorter than the model's input, in dataset order. */
  get skipped(): readonly ShortNote[] {
    return this.index.skipped;
  }
  get dtype(): CacheDtype {
    return this.index.dtype;
  }
  /** Values per example (frames · bins · 2). */
  get featureSize(): number {
    return this.index.shape[0] * this.index.shape[1] * 2;
  }

  /** Reads example `i`'s raw features into `out` (allocated when omitted). */
  read(i: number, out?: Float32Array): Float32Array {
    const e = this.index.entries[i];
    if (!e) throw new Error(`feature cache: no example ${i} (size ${this.size})`);
    const buf = readFileSync(join(this.dir, e.file));
    const n = this.featureSize;
    const bytesPer = this.index.dtype === 'float16' ? 2 : 4;
    if (buf.length !== n * bytesPer) throw new Error(`feature cache: ${e.file} has ${buf.length} bytes, expected ${n * bytesPer}`);
    const aligned = new Uint8Array(buf).buffer; // copy: Buffer pool slices are not 4-byte aligned
    if (bytesPer === 2) return decodeHalf(new Uint16Array(aligned), out);
    const f = new Float32Array(aligned);
    if (out) {
      out.set(f);
      return out;
    }
    return f;
  }

  /**
   * Opens the cache in `dir` for `notes`, reusing it when its dataset fingerprint, spectral hash and dtype match,
   * else computing every example's raw features (needs an initialised tfjs backend).
   */
  static async open(dir: string, notes: readonly NoteRef[], datasetFingerprint: string, spec: SpectralConfig, options: FeatureCacheOptions = {}): Promise<FeatureCache> {
    const dtype = options.dtype ?? 'float16';
    const batchSize = options.batchSize ?? 8;
    const shortNotes = options.shortNotes ?? 'skip';
    if (!SHORT_NOTES.includes(shortNotes)) throw new Error(`shortNotes must be ${SHORT_NOTES.join(' or ')}, got ${String(shortNotes)}`);
    if (dtype !== 'float16' && dtype !== 'float32') throw new Error(`cache dtype must be float16 or float32, got ${String(dtype)}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    const specHash = spectralHash(spec);
    const indexPath = join(dir, 'index.json');
    let reused: FeatureCache | undefined;
    if (existsSync(indexPath)) {
      try {
        const idx = JSON.parse(readFileSync(indexPath, 'utf8')) as CacheIndex;
        if (idx.format === FORMAT && idx.datasetFingerprint === datasetFingerprint && idx.specHash === specHash && idx.dtype === dtype &&
          idx.entries.length + idx.skipped.length === notes.length && idx.entries.every((e) => existsSync(join(dir, e.file)))) {
          reused = new FeatureCache(dir, idx, true);
        }
      } catch {
        // unreadable index: rebuild below
      }
    }
    if (reused) {
      if (shortNotes === 'fail' && reused.skipped[0]) throw shortNoteError(reused.skipped[0], spec);
      return reused;
    }
    rmSync(join(dir, 'features'), { recursive: true, force: true });
    rmSync(indexPath, { force: true });
    mkdirSync(join(dir, 'features'), { recursive: true });
    const entries: CacheEntry[] = [];
    const skipped: ShortNote[] = [];
    const size = featureSize(spec);
    for (let start = 0; start < notes.length; start += batchSize) {
      const kept: NoteRef[] = [];
      const waves: Float32Array[] = [];
      for (const n of notes.slice(start, start + batchSize)) {
        const wave = n.load();
        if (wave.length >= spec.audioLengthSamples) {
          kept.push(n);
          waves.push(wave);
          continue;
        }
        const short: ShortNote = { note_str: n.meta.note_str, source: n.source, lengthSamples: wave.length };
        if (shortNotes === 'fail') throw shortNoteError(short, spec);
        skipped.push(short);
      }
      const feats = await computeFeatures(waves, spec);
      feats.forEach((f, j) => {
        if (f.length !== size) throw new Error(`feature size ${f.length} != ${size}`);
        const file = join('features', `${String(entries.length).padStart(6, '0')}.bin`);
        const bytes = dtype === 'float16' ? encodeHalf(f) : f;
        try {
          writeFileSync(join(dir, file), new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        } catch (e) {
          throw writeError(join(dir, file), e, false); // "cannot write PATH: disk full (ENOSPC)"
        }
        const m = kept[j]!.meta;
        entries.push({ note_str: m.note_str, pitch: m.pitch, velocity: m.velocity, instrument_str: m.instrument_str, file });
      });
      options.onProgress?.(Math.min(notes.length, start + batchSize), notes.length);
    }
    const idx: CacheIndex = { format: FORMAT, datasetFingerprint, specHash, dtype, shape: [spec.frames, spec.bins, 2], entries, skipped };
    writeFileAtomic(indexPath, JSON.stringify(idx)); // the index appears only once every .bin is written
    return new FeatureCache(dir, idx, false);
  }
}

/**
 * Magenta's SpecgramsSimpleNormalizer from cached training features: per-channel range over a seeded sample of
 * `numExamples` examples (Magenta: the first 1000 of its shuffled stream), margin 0.8.
 */
export function rangeNormalizerFromCache(cache: FeatureCache, options: { numExamples?: number; margin?: number; seed?: number } = {}): NormalizerFile {
  const numExamples = Math.min(options.numExamples ?? NORMALIZER_DEFAULTS.numExamples, cache.size);
  const order = new SeededRandom(options.seed ?? 0).shuffle(Array.from({ length: cache.size }, (_, i) => i)).slice(0, numExamples);
  const acc = new RangeAccumulator();
  const buf = new Float32Array(cache.featureSize);
  for (const i of order) acc.add(cache.read(i, buf));
  return acc.result(options.margin ?? NORMALIZER_DEFAULTS.margin);
}
