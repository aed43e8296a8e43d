/**
 * The data path of training in one call: list a dataset's notes (filtered to GANSynth's subset by default),
 * build or reuse the raw-feature cache, pick the normaliser (Magenta's prespecified constants, or the range
 * normaliser computed from this training set), and hand back a seeded batcher. Notes shorter than the model's input
 * are skipped with one warning that counts them and names the first (or fail, with `shortNotes: 'fail'`).
 */
import type { NormalizationConfig, SpectralConfig } from 'gansynth-web/shared/model-config';
import { GANSYNTH_SPECTRAL } from 'gansynth-web/shared/model-config';
import { PITCH_COUNT, PITCH_MIN } from 'gansynth-web/shared/constants';
import { Batcher, pitchCounts } from './batcher.ts';
import { FeatureCache, describeSkipped, rangeNormalizerFromCache, type CacheDtype, type ShortNotes } from './feature-cache.ts';
import { makeNoteFilter, type NoteFilterConfig } from './nsynth-filter.ts';
import { prespecifiedNormalizer, NORMALIZER_DEFAULTS, type NormalizerFile } from './normalizer.ts';
import { listDatasetNotes } from './source.ts';

/** Options of {@link prepareTrainingData}. */
export interface TrainingDataOptions {
  /** Dataset path: json+wav split dir, a dir with nsynth-<split>/, a .tfrecord file, or a TFDS-prepared nsynth (source.ts). */
  dataset: string;
  /** Split to read when the dataset has several. Default 'train'. */
  split?: string;
  /** Note filter over GANSynth's subset (acoustic, 24–84). */
  filter?: Partial<NoteFilterConfig>;
  /** Where raw features are cached. */
  cacheDir: string;
  spec?: SpectralConfig;
  /** 'prespecified' (Magenta's constants, default) or 'range' (computed from the cached training features). */
  normalizer?: 'prespecified' | 'range';
  normalizerExamples?: number;
  normalizerMargin?: number;
  dtype?: CacheDtype;
  batchSize: number;
  seed: number;
  pitchMin?: number;
  pitchCount?: number;
  onProgress?: (done: number, total: number) => void;
  /** Notes shorter than the model's input (truncated WAVs): 'skip' and count them (default) or 'fail' naming the file. */
  shortNotes?: ShortNotes;
}

/** What training needs from the data. */
export interface TrainingData {
  cache: FeatureCache;
  normalizer: NormalizerFile;
  normalization: NormalizationConfig;
  batcher: Batcher;
  /** Examples per pitch (for Magenta-style generator label sampling). */
  pitchCounts: Map<number, number>;
}

/** Prepares cached features, the normaliser and a batcher (needs an initialised tfjs backend when it must compute). */
export async function prepareTrainingData(o: TrainingDataOptions): Promise<TrainingData> {
  const spec = o.spec ?? GANSYNTH_SPECTRAL;
  const pitchMin = o.pitchMin ?? PITCH_MIN;
  const pitchCount = o.pitchCount ?? PITCH_COUNT;
  const listing = listDatasetNotes(o.dataset, { split: o.split, filter: makeNoteFilter({ pitchMin, pitchMax: pitchMin + pitchCount - 1, ...o.filter }) });
  if (listing.notes.length === 0) throw new Error(`dataset '${o.dataset}' has no notes passing the filter`);
  const cache = await FeatureCache.open(o.cacheDir, listing.notes, listing.fingerprint, spec, { dtype: o.dtype, onProgress: o.onProgress, shortNotes: o.shortNotes });
  if (cache.skipped.length > 0) {
    if (cache.size === 0) throw new Error(`${listing.location}: no note left to train on: ${describeSkipped(cache.skipped, spec)}`);
    console.warn(`${listing.location}: ${describeSkipped(cache.skipped, spec)}`);
  }
  const method = o.normalizer ?? 'prespecified';
  if (method !== 'prespecified' && method !== 'range') throw new Error(`normalizer must be 'prespecified' or 'range', got ${String(method)}`);
  const normalizer = method === 'range'
    ? rangeNormalizerFromCache(cache, { numExamples: o.normalizerExamples ?? NORMALIZER_DEFAULTS.numExamples, margin: o.normalizerMargin, seed: o.seed })
    : prespecifiedNormalizer();
  const batcher = new Batcher(cache, { batchSize: o.batchSize, normalization: normalizer.normalization, seed: o.seed, pitchMin, pitchCount });
  return { cache, normalizer, normalization: normalizer.normalization, batcher, pitchCounts: pitchCounts(cache.entries.map((e) => e.pitch)) };
}
