/**
 * One GANSynth training run in memory: G and D weights (tf.Variables), EMA, both Adam optimisers, the trainer
 * RNG and the progressive schedule. `step()` does what one Magenta iteration does (TF-GAN sequential hooks:
 * one generator update, then one discriminator update, then current_image_id += batch size).
 * All randomness (latents, fake pitches, GP interpolation weights) comes from one SeededRandom whose state a
 * checkpoint saves, so a resumed run continues bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pitchCount } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { boxUpscale, generatorAlpha, generatorForward, initGeneratorParams } from 'gansynth-web/engine/generator';
import { boxDownscale, initDiscriminatorParams, toBlockResolution } from '../model/discriminator.ts';
import { type CheckpointMeta, type CheckpointTensors, NonFiniteError, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { TrainConfig } from './configs.ts';
import type { TrainData } from './data-source.ts';
import { Ema } from './ema.ts';
import { type LossTerms, discriminatorLoss, generatorLoss } from './losses.ts';
import { Adam } from './optimizer.ts';
import { type StagePoint, stageAt } from './schedule.ts';

/** One step's numbers (the JSON-lines log record). */
export interface StepMetrics {
  step: number;
  /** Real images seen after this step. */
  images: number;
  stage: number;
  numBlocks: number;
  batchSize: number;
  progress: number;
  /** Fade-in of the newest block in a transition stage (fraction of progress), 0 in stable stages. */
  alpha: number;
  g_loss: number;
  d_loss: number;
  [term: string]: number;
}

type Vars = Record<string, tf.Variable>;

function toVariables(params: Record<string, tf.Tensor>): Vars {
  const out: Vars = {};
  for (const [name, t] of Object.entries(params)) {
    out[name] = tf.variable(t, true);
    t.dispose();
  }
  return out;
}

/** Seeds derived from the run seed, one per consumer, so they never share a stream. */
function subSeed(seed: number, k: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + k * 0x85ebca6b) >>> 0;
}

/**
 * Real images as D sees them at `numBlocks` blocks: Magenta's blend_images (a sum over blocks of
 * generatorAlpha(b)·upscale(downscale(x))) done at block `numBlocks`'s resolution, where it is identical.
 */
export function blendReal(x: tf.Tensor4D, cfg: TrainConfig, numBlocks: number, progress: number): tf.Tensor4D {
  return tf.tidy(() => {
    const low = toBlockResolution(x, cfg.model, numBlocks);
    let out: tf.Tensor4D | null = null;
    for (let b = 1; b <= numBlocks; b++) {
      const a = generatorAlpha(b, progress);
      if (a === 0) continue;
      const s = cfg.model.scaleBase ** (numBlocks - b);
      const term = tf.mul(boxUpscale(boxDownscale(low, s), s), a) as tf.Tensor4D;
      out = out ? (tf.add(out, term) as tf.Tensor4D) : term;
    }
    return out!;
  });
}

/**
 * Restores one optimiser. Without second moments (a compact checkpoint packed without them) Adam restarts at
 * t = 0 with bias correction from scratch, as at a stage change. First moments may be absent when β1 = 0: the
 * next update sets m = g whatever m held.
 */
function restoreAdam(adam: Adam, steps: number, m: Record<string, tf.Tensor> | undefined, v: Record<string, tf.Tensor> | undefined, source: string): void {
  if (!v || Object.keys(v).length === 0) {
    if (m) tf.dispose(Object.values(m));
    adam.reset();
    return;
  }
  if (!m && adam.config.beta1 !== 0) throw new Error(`${source}: Adam's first moments are missing and β1 = ${adam.config.beta1} needs them`);
  adam.restore({ t: steps, m: m ?? {}, v });
}

/** A training run's live state. */
export class Trainer {
  step = 0;
  imageId = 0;
  stage = 0;
  readonly rng: SeededRandom;
  readonly adamG: Adam;
  readonly adamD: Adam;
  readonly ema: Ema;

  private constructor(
    readonly cfg: TrainConfig,
    readonly seed: number,
    readonly data: TrainData,
    readonly g: Vars,
    readonly d: Vars,
  ) {
    this.rng = new SeededRandom(subSeed(seed, 3));
    const adam = (lr: number) => new Adam({ learningRate: lr, beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, epsilon: cfg.adamEpsilon });
    this.adamG = adam(cfg.generatorLearningRate);
    this.adamD = adam(cfg.discriminatorLearningRate);
    this.ema = new Ema(cfg.emaDecay, g);
  }

  /** A fresh run: seeded G (a to_rgb per block) and D. */
  static create(cfg: TrainConfig, seed: number, data: TrainData): Trainer {
    const g = toVariables(initGeneratorParams(cfg.model, subSeed(seed, 1), { allToRgb: true }));
    const d = toVariables(initDiscriminatorParams(cfg.model, subSeed(seed, 2)));
    return new Trainer(cfg, seed, data, g, d);
  }

  /** Continues the run saved in checkpoint directory `dir`; `data` is repositioned to the saved cursor. */
  static resume(dir: string, data: TrainData): Trainer {
    return Trainer.restore(loadCheckpoint(dir), data, dir);
  }

  /**
   * Continues a run from a checkpoint's meta and tensors (a run directory's checkpoint or a compact checkpoint,
   * compact-checkpoint.ts); takes ownership of the tensors. `source` names it in errors.
   */
  static restore(state: { meta: CheckpointMeta; tensors: CheckpointTensors }, data: TrainData, source: string): Trainer {
    const { meta, tensors } = state;
    const need = (group: string) => {
      const t = tensors[group];
      if (!t) throw new Error(`${source}: checkpoint lacks tensor group "${group}"`);
      return t;
    };
    const t = new Trainer(meta.trainConfig, meta.seed, data, toVariables(need('g')), toVariables(need('d')));
    t.ema.restore(need('ema'));
    restoreAdam(t.adamG, meta.adamGSteps, tensors.adam_g_m, tensors.adam_g_v, source);
    restoreAdam(t.adamD, meta.adamDSteps, tensors.adam_d_m, tensors.adam_d_v, source);
    t.step = meta.step;
    t.imageId = meta.imageId;
    t.stage = meta.stage;
    t.rng.state = meta.rngState;
    data.restore(meta.dataCursor);
    return t;
  }

  /** Where the next step trains. */
  get point(): StagePoint {
    return stageAt(this.cfg, this.imageId);
  }

  /** True once the config's total image count is reached. */
  get done(): boolean {
    return this.imageId >= this.cfg.totalImages;
  }

  private latents(n: number): tf.Tensor2D {
    return tf.tensor2d(this.rng.normals(n * this.cfg.model.latentSize), [n, this.cfg.model.latentSize]);
  }

  private fakePitches(n: number): tf.Tensor2D {
    const labels = Array.from({ length: n }, () => this.data.pitches[this.rng.nextInt(this.data.pitches.length)]! - this.cfg.model.pitchMin);
    return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), pitchCount(this.cfg.model)) as tf.Tensor2D);
  }

  /** One generator update and one discriminator update. Throws NonFiniteError on a NaN/Inf loss. */
  async trainStep(): Promise<StepMetrics> {
    const point = this.point;
    if (point.stage !== this.stage) {
      // Magenta builds a new graph per stage with fresh optimiser slots (train_util.make_scaffold).
      this.adamG.reset();
      this.adamD.reset();
      this.stage = point.stage;
    }
    const { batchSize: b, numBlocks: nb, progress: p } = point;
    const model = this.cfg.model;
    // Fakes come out at D's resolution (block nb's), as Magenta's full-resolution fakes box-downscaled would.
    const fwd = { progress: p, toRgbHeSlope: this.cfg.toRgbHeSlope, outputBlocks: nb };
    const terms: LossTerms = {};
    const gVarList = Object.values(this.g);
    const dVarList = Object.values(this.d);

    // Generator update.
    const zG = this.latents(b);
    const labelsG = this.fakePitches(b);
    const gStep = tf.variableGrads(() => {
      const fakeLow = generatorForward(this.g, model, zG, labelsG, fwd);
      return generatorLoss(this.cfg, this.d, fakeLow, labelsG, nb, p, terms);
    }, gVarList);
    const gradsG = this.byParamName(this.g, gStep.grads);
    this.adamG.apply(this.g, gradsG);
    this.ema.update(this.g, Object.keys(gradsG));
    tf.dispose([zG, labelsG, ...Object.values(gStep.grads)]);

    // Discriminator update.
    const real = this.data.nextBatch(b);
    const realLow = blendReal(real.features, this.cfg, nb, p);
    const zD = this.latents(b);
    const labelsD = this.fakePitches(b);
    const fakeLow = generatorForward(this.g, model, zD, labelsD, fwd);
    const mix = tf.tensor4d(Array.from({ length: b }, () => this.rng.next()), [b, 1, 1, 1]);
    const dStep = tf.variableGrads(() => discriminatorLoss(this.cfg, this.d, realLow, real.pitchOneHot, fakeLow, mix, nb, p, terms), dVarList);
    this.adamD.apply(this.d, this.byParamName(this.d, dStep.grads));
    tf.dispose([real.features, real.pitchOneHot, realLow, zD, labelsD, fakeLow, mix, ...Object.values(dStep.grads)]);

    this.step += 1;
    this.imageId += b;
    const metrics: StepMetrics = {
      step: this.step,
      images: this.imageId,
      stage: point.stage,
      numBlocks: nb,
      batchSize: b,
      progress: p,
      alpha: p - Math.floor(p),
      g_loss: (await gStep.value.data())[0]!,
      d_loss: (await dStep.value.data())[0]!,
    };
    tf.dispose([gStep.value, dStep.value]);
    for (const [name, t] of Object.entries(terms)) {
      metrics[name] = (await t.data())[0]!;
      t.dispose();
    }
    for (const [name, v] of Object.entries(metrics)) {
      if (!Number.isFinite(v)) {
        throw new NonFiniteError(`non-finite ${name} (${v}) at step ${this.step} (images ${this.imageId}, stage ${point.stage}); training stopped, the last checkpoint is the last good state`);
      }
    }
    return metrics;
  }

  private byParamName(vars: Vars, grads: tf.NamedTensorMap): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [param, v] of Object.entries(vars)) {
      const g = grads[v.name];
      if (g) out[param] = g;
    }
    return out;
  }

  /** The checkpoint's scalars. */
  meta(info: Record<string, unknown> = {}): CheckpointMeta {
    return {
      step: this.step,
      imageId: this.imageId,
      stage: this.stage,
      seed: this.seed,
      rngState: this.rng.state,
      dataCursor: this.data.cursor(),
      adamGSteps: this.adamG.t,
      adamDSteps: this.adamD.t,
      trainConfig: this.cfg,
      info,
    };
  }

  /** The checkpoint's tensors (shared, not copied). */
  tensors(): CheckpointTensors {
    return {
      g: this.g,
      d: this.d,
      ema: this.ema.shadows,
      adam_g_m: this.adamG.m,
      adam_g_v: this.adamG.v,
      adam_d_m: this.adamD.m,
      adam_d_v: this.adamD.v,
    };
  }

  /** Saves a checkpoint under `runDir` (atomic; keeps the newest `keep`). */
  save(runDir: string, keep: number, info: Record<string, unknown> = {}): Promise<string> {
    return saveCheckpoint(runDir, this.meta(info), this.tensors(), keep);
  }

  /** Frees every tensor of the run. */
  dispose(): void {
    tf.dispose([...Object.values(this.g), ...Object.values(this.d)]);
    this.ema.dispose();
    this.adamG.reset();
    this.adamD.reset();
  }
}

