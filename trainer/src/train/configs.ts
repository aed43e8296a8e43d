/**
 * Training configs as data (STYLE.md §8): the model shape plus Magenta's training hyperparameters
 * (magenta/models/gansynth/lib/model.py `set_flags`, configs/mel_prog_hires.py, train_util.py).
 * - `paper`: mel_prog_hires exactly (PAPER_CONFIG network, 800k images per stage, 11M total, batch 8).
 * - `quick`: Magenta's quick-test defaults (set_flags): batch schedule [16, 8], 32 images per stage, 320 total,
 *   lr 4e-4, AC weights 1, fake batch 16, filters fmap_base 512 / fmap_max 128, on our 2×16 → 128×1024 shape.
 * - `small`: ours; SMALL_CONFIG network, paper losses, 80k images per stage.
 * - `tiny`: tests; TINY_CONFIG network, 8 images per stage.
 */
import {
  type ModelConfig, PAPER_CONFIG, SMALL_CONFIG, TINY_CONFIG, validateModelConfig,
} from 'gansynth-web/shared/model-config';

/** Everything a training run needs besides data and seed. */
export interface TrainConfig {
  readonly name: string;
  readonly model: ModelConfig;
  /** Batch size per resolution (padded at the front with its first entry, as train_util.get_batch_size). */
  readonly batchSizeSchedule: readonly number[];
  readonly stableStageImages: number;
  readonly transitionStageImages: number;
  readonly totalImages: number;
  readonly generatorLearningRate: number;
  readonly discriminatorLearningRate: number;
  readonly adamBeta1: number;
  readonly adamBeta2: number;
  /** TF1 AdamOptimizer's default epsilon ("epsilon hat", added after bias correction). */
  readonly adamEpsilon: number;
  /** Samples rendered per checkpoint for monitoring (Magenta's fake_batch_size, used for summaries only). */
  readonly fakeBatchSize: number;
  readonly gradientPenaltyWeight: number;
  readonly gradientPenaltyTarget: number;
  /** Drift penalty on D(real)² ("real_score_penalty_weight"). */
  readonly realScorePenaltyWeight: number;
  readonly generatorAcLossWeight: number;
  readonly discriminatorAcLossWeight: number;
  /** tf.train.ExponentialMovingAverage decay of the generator weights (the exported weights). */
  readonly emaDecay: number;
  /** He slope of to_rgb's kernel scale; 0 = what the engine (magenta-js) applies at inference. */
  readonly toRgbHeSlope: number;
}

const MAGENTA_LOSSES = {
  adamBeta1: 0.0,
  adamBeta2: 0.99,
  adamEpsilon: 1e-8,
  gradientPenaltyWeight: 10.0,
  gradientPenaltyTarget: 1.0,
  realScorePenaltyWeight: 0.001,
  emaDecay: 0.999,
  toRgbHeSlope: 0,
};

/** networks.num_filters(block) = min(fmap_base / 2^block, fmap_max) for blocks 1..7. */
function magentaFilters(fmapBase: number, fmapMax: number, blocks = 7): number[] {
  return Array.from({ length: blocks }, (_, i) => Math.floor(Math.min(fmapBase / 2 ** (i + 1), fmapMax)));
}

/** Magenta's quick-test network (fmap_base 512, fmap_max 128) on GANSynth's hires shape. */
export const QUICK_MODEL_CONFIG: ModelConfig = Object.freeze({
  ...PAPER_CONFIG,
  name: 'quick',
  filters: Object.freeze(magentaFilters(512, 128)),
});

/** mel_prog_hires. */
export const PAPER_TRAIN: TrainConfig = Object.freeze({
  ...MAGENTA_LOSSES,
  name: 'paper',
  model: PAPER_CONFIG,
  batchSizeSchedule: Object.freeze([8]),
  stableStageImages: 800_000,
  transitionStageImages: 800_000,
  totalImages: 11_000_000,
  generatorLearningRate: 8e-4,
  discriminatorLearningRate: 8e-4,
  fakeBatchSize: 61,
  generatorAcLossWeight: 10.0,
  discriminatorAcLossWeight: 10.0,
});

/** Magenta's quick-test defaults. */
export const QUICK_TRAIN: TrainConfig = Object.freeze({
  ...MAGENTA_LOSSES,
  name: 'quick',
  model: QUICK_MODEL_CONFIG,
  batchSizeSchedule: Object.freeze([16, 8]),
  stableStageImages: 32,
  transitionStageImages: 32,
  totalImages: 320,
  generatorLearningRate: 4e-4,
  discriminatorLearningRate: 4e-4,
  fakeBatchSize: 16,
  generatorAcLossWeight: 1.0,
  discriminatorAcLossWeight: 1.0,
});

/** Ours: the small network with paper losses and a 10× shorter schedule (1.2M images). */
export const SMALL_TRAIN: TrainConfig = Object.freeze({
  ...PAPER_TRAIN,
  name: 'small',
  model: SMALL_CONFIG,
  stableStageImages: 80_000,
  transitionStageImages: 80_000,
  totalImages: 1_200_000,
  fakeBatchSize: 8,
});

/** Tests: a few thousand parameters, every stage in 13·8 images. */
export const TINY_TRAIN: TrainConfig = Object.freeze({
  ...PAPER_TRAIN,
  name: 'tiny',
  model: TINY_CONFIG,
  batchSizeSchedule: Object.freeze([4]),
  stableStageImages: 8,
  transitionStageImages: 8,
  totalImages: 120,
  fakeBatchSize: 4,
});

/** Named training configs. */
export const TRAIN_CONFIGS: Readonly<Record<string, TrainConfig>> = Object.freeze({
  paper: PAPER_TRAIN,
  quick: QUICK_TRAIN,
  small: SMALL_TRAIN,
  tiny: TINY_TRAIN,
});

/** A named config with overrides applied, validated; throws naming the bad field. */
export function resolveTrainConfig(name: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const base = TRAIN_CONFIGS[name];
  if (!base) throw new Error(`unknown training config "${name}" (known: ${Object.keys(TRAIN_CONFIGS).join(', ')})`);
  return validateTrainConfig({ ...base, ...overrides });
}

/** Checks a config (e.g. read back from a checkpoint) and returns it typed. */
export function validateTrainConfig(raw: TrainConfig): TrainConfig {
  const fail = (field: string, why: string): never => {
    throw new Error(`invalid training config: ${field} ${why}`);
  };
  validateModelConfig(raw.model);
  const posInt = (k: keyof TrainConfig) => {
    const v = raw[k];
    if (!Number.isInteger(v) || (v as number) <= 0) fail(k, `must be a positive integer, got ${JSON.stringify(v)}`);
  };
  for (const k of ['stableStageImages', 'transitionStageImages', 'totalImages', 'fakeBatchSize'] as const) posInt(k);
  if (!Array.isArray(raw.batchSizeSchedule) || raw.batchSizeSchedule.length === 0) fail('batchSizeSchedule', 'must be a non-empty array');
  raw.batchSizeSchedule.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 2) fail(`batchSizeSchedule[${i}]`, `must be an integer ≥ 2 (minibatch stddev), got ${b}`);
  });
  if (raw.batchSizeSchedule.length > raw.model.filters.length) fail('batchSizeSchedule', 'has more entries than resolutions');
  for (const k of ['generatorLearningRate', 'discriminatorLearningRate', 'adamEpsilon'] as const) {
    if (!(raw[k] > 0)) fail(k, 'must be > 0');
  }
  for (const k of ['adamBeta1', 'adamBeta2', 'emaDecay'] as const) {
    if (!(raw[k] >= 0 && raw[k] < 1)) fail(k, 'must be in [0, 1)');
  }
  for (const k of ['gradientPenaltyWeight', 'gradientPenaltyTarget', 'realScorePenaltyWeight', 'generatorAcLossWeight', 'discriminatorAcLossWeight', 'toRgbHeSlope'] as const) {
    if (!(raw[k] >= 0) || !Number.isFinite(raw[k])) fail(k, 'must be a finite number ≥ 0');
  }
  return raw;
}
