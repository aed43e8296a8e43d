/**
 * Progressive-growing schedule, as Magenta's train_util.get_stage_info / get_batch_size and
 * networks.compute_progress. Stages alternate stable (even id) and transition (odd id); there are
 * 2·blocks − 1 of them. `progress` p drives the generator's and discriminator's fade-in (generator.ts
 * `generatorAlpha`, discriminator.ts): p = k is the stable stage of block k+1, p = k + f a transition.
 */
import type { TrainConfig } from './configs.ts';

/** Where training stands at a given image count. */
export interface StagePoint {
  /** Stage id, 0 .. 2·blocks − 2. */
  stage: number;
  /** Blocks built in this stage (Magenta's num_blocks). */
  numBlocks: number;
  /** Real images per step in this stage. */
  batchSize: number;
  /** Training progress in [0, numBlocks − 1]. */
  progress: number;
  /** Image count at which this stage ends. */
  stageEndImages: number;
}

/** Number of stages: 2·resolutions − 1. */
export function totalStages(cfg: TrainConfig): number {
  return 2 * cfg.model.filters.length - 1;
}

/** Blocks of stage `stage`: ⌊(stage + 1) / 2⌋ + 1. */
export function stageBlocks(stage: number): number {
  return Math.floor((stage + 1) / 2) + 1;
}

/** Accumulated image count at the end of `stage` (get_stage_info's num_images). */
export function stageEndImages(cfg: TrainConfig, stage: number): number {
  const n = totalStages(cfg);
  if (!(Number.isInteger(stage) && stage >= 0 && stage < n)) throw new Error(`stage must be in [0, ${n}), got ${stage}`);
  const end = (Math.floor(stage / 2) + 1) * cfg.stableStageImages + Math.floor((stage + 1) / 2) * cfg.transitionStageImages;
  return stage >= n - 1 ? cfg.totalImages : Math.min(end, cfg.totalImages);
}

/** Batch size of `stage`, the schedule padded at the front with its first entry. */
export function stageBatchSize(cfg: TrainConfig, stage: number): number {
  const res = cfg.model.filters.length;
  const s = cfg.batchSizeSchedule;
  const padded = s.length < res ? [...Array<number>(res - s.length).fill(s[0]!), ...s] : s;
  return padded[Math.floor((stage + 1) / 2)]!;
}

/** networks.compute_progress(imageId, stable, transition, numBlocks). */
export function computeProgress(cfg: TrainConfig, imageId: number, numBlocks: number): number {
  const minTotal = numBlocks * cfg.stableStageImages + (numBlocks - 1) * cfg.transitionStageImages;
  const capped = Math.min(imageId, minTotal - 1);
  const stageImages = cfg.stableStageImages + cfg.transitionStageImages;
  const integer = Math.floor(capped / stageImages);
  const fraction = Math.max(0, ((capped % stageImages) - cfg.stableStageImages) / cfg.transitionStageImages);
  return integer + fraction;
}

/**
 * The stage containing image `imageId` (Magenta trains stage s while current_image_id < its end), its blocks,
 * batch size and progress.
 */
export function stageAt(cfg: TrainConfig, imageId: number): StagePoint {
  const n = totalStages(cfg);
  let stage = 0;
  while (stage < n - 1 && imageId >= stageEndImages(cfg, stage)) stage++;
  const numBlocks = stageBlocks(stage);
  return {
    stage,
    numBlocks,
    batchSize: stageBatchSize(cfg, stage),
    progress: computeProgress(cfg, imageId, numBlocks),
    stageEndImages: stageEndImages(cfg, stage),
  };
}
