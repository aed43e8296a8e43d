/**
 * Sound → preset, part 2: the latent whose note, at the target's pitch, sounds most like the target. Gradient
 * descent (Adam) on z only — input gradients through the generator and the spectral ops, never weight gradients, so
 * it runs on wasm and cpu as well as WebGPU/WebGL — from several starts at once (one batch), by analysis by synthesis:
 * the note is rendered to audio (featuresToWaves) and analysed again (wavesToFeatures), so it is compared with the
 * target as heard, in the model's own features (normalised log-mel magnitude + mel IF at 16 kHz, 4 s), magnitude
 * weighted over IF. A learnt gain per start absorbs the recording's level; a prior on |z| keeps z on the latent
 * distribution's typical set (z ~ N(0, I): |z| near √(d−1)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { generatorForward, pitchesToOneHot } from './generator.ts';
import { randomLatent } from './latent.ts';
import { featuresToWaves, wavesToFeatures } from './spectral.ts';
import { abortError } from './abort.ts';
import type { LoadedModel } from './weights.ts';
import { type InversionTarget, prepareInversionTarget } from './invert-target.ts';
import { decodeWav } from '../shared/wav.ts';
import { registerInversionGradients } from './invert-gradients.ts';

/** Options of {@link invertSound}; every field has a default. */
export interface InversionOptions {
  /** Gradient steps (default 60). */
  steps?: number;
  /** Random starts, optimised together as one batch (default 4). */
  starts?: number;
  /** Latents to start from as well (e.g. the bank's presets): each is one more start, before the random ones. */
  initialLatents?: readonly Float32Array[];
  /** Random start i is randomLatent(seed + i) (default 1): runs are reproducible. */
  seed?: number;
  /** Adam's step size on z (default 0.05). */
  learningRate?: number;
  /** Weight of the log-mel magnitude's mean squared error (default 1). */
  magnitudeWeight?: number;
  /** Weight of the mel IF's mean squared error (default 0.1: IF matters less to the ear, and is noisier). */
  ifWeight?: number;
  /** Weight of the latent prior (default 0.05); 0 lets |z| drift. */
  priorWeight?: number;
  /** Called after every step with the losses so far. */
  onStep?: (progress: InversionProgress) => void;
  /** Cancels between steps: the promise rejects with an AbortError and frees its tensors. */
  signal?: AbortSignal;
}

const DEFAULTS = Object.freeze({ steps: 60, starts: 4, seed: 1, learningRate: 0.05, magnitudeWeight: 1, ifWeight: 0.1, priorWeight: 0.05 });

/** One step's report. */
export interface InversionProgress {
  /** Updates done before these losses were measured: 0 = the starts, `steps` = the final latents. */
  readonly step: number;
  readonly steps: number;
  /** Objective of each start before this step's update (spectral + prior). */
  readonly lossPerStart: readonly number[];
  /** The lowest objective seen so far, any start, any step. */
  readonly bestLoss: number;
  /** Log-mel magnitude distance of that best note to the target, dB RMS. */
  readonly bestDistanceDb: number;
}

/** What {@link invertSound} found. */
export interface InversionResult {
  /** The best latent seen (lowest objective over all starts and steps). */
  readonly latent: Float32Array;
  readonly pitch: number;
  /** Its note's log-mel magnitude distance to the target, dB RMS (re-rendered and analysed as heard). */
  readonly spectralDistanceDb: number;
  /** The best distance among the starts before any step, dB RMS: what the descent improved on. */
  readonly startDistanceDb: number;
  /** Gain that matches the model's note to the recording's level, dB (the recording is that much louder). */
  readonly levelDb: number;
  /** Best objective after each step (length steps + 1: the starts, then after each update). */
  readonly lossHistory: readonly number[];
  /** Index of the winning start (initialLatents first, then the random ones). */
  readonly bestStart: number;
  readonly steps: number;
}

/** log-mel power (natural log) → dB: 10·log10(e). */
const NEPER_TO_DB = 10 / Math.LN10;

function checkOptions(o: typeof DEFAULTS, initial: number): void {
  const int = (k: keyof typeof DEFAULTS, min: number, max: number) => {
    if (!Number.isInteger(o[k]) || o[k] < min || o[k] > max) throw new Error(`invert: ${k} must be an integer in ${min}..${max}, got ${o[k]}`);
  };
  int('steps', 0, 100000);
  int('starts', initial > 0 ? 0 : 1, 256);
  int('seed', 0, 0xffffffff);
  for (const k of ['learningRate', 'magnitudeWeight', 'ifWeight', 'priorWeight'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new Error(`invert: ${k} must be a finite number ≥ 0, got ${o[k]}`);
  }
  if (!(o.learningRate > 0)) throw new Error(`invert: learningRate must be > 0, got ${o.learningRate}`);
}

/**
 * The model's note for latents `z` [K, d] at `pitch`, as heard: generator → audio → features, scaled by
 * exp(logGain) [K, 1] in the waveform. Returns features [K, frames, bins, 2] (normalised) and the waves.
 */
function heardFeatures(model: LoadedModel, z: tf.Tensor2D, onehot: tf.Tensor2D, logGain: tf.Tensor2D): tf.Tensor4D {
  const { config } = model;
  const spectrum = generatorForward(model.params, config, z, onehot, { toRgbHeSlope: model.meta?.toRgbHeSlope });
  const waves = tf.mul(featuresToWaves(spectrum, config.spectral, model.normalization), tf.exp(logGain)) as tf.Tensor2D;
  return wavesToFeatures(waves, config.spectral, model.normalization);
}

/** How far below the target's loudest log-mel bin the magnitude is compared, dB; quieter bins count as this floor. */
export const DYNAMIC_RANGE_DB = 80;

/**
 * Per-start mean squared error of channel `c` between features [K, …, 2] and the target [1, …, 2]: [K]. With a
 * `floor` (normalised units), both sides are raised to it first: bins far below the note's peak are inaudible, and
 * without the floor their log values (down to ln 1e-6 for silence) dominate the error.
 */
function channelMse(features: tf.Tensor4D, target: tf.Tensor4D, c: number, floor?: number): tf.Tensor1D {
  const [k, t, f] = features.shape;
  let a = tf.slice(features, [0, 0, 0, c], [k, t, f, 1]);
  let b = tf.slice(target, [0, 0, 0, c], [1, t, f, 1]);
  if (floor !== undefined) {
    a = tf.maximum(a, floor);
    b = tf.maximum(b, floor);
  }
  return tf.mean(tf.squaredDifference(a, b), [1, 2, 3]) as tf.Tensor1D;
}

/** The magnitude floor for `target` features: its loudest bin less DYNAMIC_RANGE_DB, in normalised units. */
async function magnitudeFloor(model: LoadedModel, target: tf.Tensor4D): Promise<number> {
  const peak = tf.tidy(() => tf.max(tf.slice(target, [0, 0, 0, 0], [1, -1, -1, 1])));
  const value = (await peak.data())[0]!;
  peak.dispose();
  return value - (DYNAMIC_RANGE_DB / NEPER_TO_DB) * model.normalization.magA;
}

/**
 * Negative log-density of |z| under N(0, I_d), per dimension, minus its minimum: (r²/2 − (d−1)·ln r)/d, zero at
 * r = √(d−1). The direction of a standard normal draw is uniform, so this is the whole prior up to a constant.
 */
function radiusPrior(z: tf.Tensor2D): tf.Tensor1D {
  const d = z.shape[1];
  const rMin2 = d - 1;
  const floor = (rMin2 / 2 - ((d - 1) / 2) * Math.log(rMin2)) / d;
  const r2 = tf.sum(tf.square(z), 1);
  return tf.sub(tf.div(tf.sub(tf.div(r2, 2), tf.mul(tf.log(r2), (d - 1) / 2)), d), floor) as tf.Tensor1D;
}

/** ln of the RMS ratio target / note, per start: the level that matches each note to the recording. */
function levelMatch(model: LoadedModel, z: tf.Tensor2D, onehot: tf.Tensor2D, targetRms: number): tf.Tensor2D {
  return tf.tidy(() => {
    const { config } = model;
    const spectrum = generatorForward(model.params, config, z, onehot, { toRgbHeSlope: model.meta?.toRgbHeSlope });
    const waves = featuresToWaves(spectrum, config.spectral, model.normalization);
    const rms = tf.sqrt(tf.add(tf.mean(tf.square(waves), 1, true), 1e-20));
    return tf.log(tf.div(targetRms, rms)) as tf.Tensor2D;
  });
}

function rmsOf(x: Float32Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return Math.sqrt(e / x.length);
}

/** The target's features [1, frames, bins, 2]. */
function targetFeatures(model: LoadedModel, target: InversionTarget): tf.Tensor4D {
  const { spectral } = model.config;
  if (target.samples.length !== spectral.audioLengthSamples) {
    throw new Error(`invert: ${target.source} has ${target.samples.length} samples, the model's notes ${spectral.audioLengthSamples} (use prepareInversionTarget)`);
  }
  return tf.tidy(() => wavesToFeatures(tf.tensor2d(target.samples, [1, target.samples.length]), spectral, model.normalization));
}

/** RMS of normalised magnitude MSE → dB of log-mel power (bins below the floor count as the floor). */
function mseToDb(model: LoadedModel, mse: number): number {
  return (Math.sqrt(Math.max(0, mse)) / model.normalization.magA) * NEPER_TO_DB;
}

/**
 * Log-mel magnitude distance (dB RMS) of the model's note for each of `latents` to `target`, each note's level
 * matched to the target's RMS (as the inversion starts do). Forward only; for comparisons (tests, the CLI).
 */
export async function latentDistancesDb(model: LoadedModel, target: InversionTarget, latents: readonly Float32Array[]): Promise<number[]> {
  const out: number[] = [];
  const tgt = targetFeatures(model, target);
  try {
    const floor = await magnitudeFloor(model, tgt);
    for (const latent of latents) {
      const mse = tf.tidy(() => {
        const z = tf.tensor2d(latent, [1, latent.length]);
        const onehot = pitchesToOneHot([target.pitch], model.config);
        return channelMse(heardFeatures(model, z, onehot, levelMatch(model, z, onehot, rmsOf(target.samples))), tgt, 0, floor);
      });
      out.push(mseToDb(model, (await mse.data())[0]!));
      mse.dispose();
    }
  } finally {
    tgt.dispose();
  }
  return out;
}

/**
 * Finds the latent whose note at `target.pitch` best matches `target` (see the file comment). Starts: the
 * `initialLatents`, then `starts` random ones; all step together as one batch. Resolves with the best latent
 * seen; rejects with an AbortError when `signal` aborts (checked between steps). No tensor outlives the call.
 */
export async function invertSound(model: LoadedModel, target: InversionTarget, options: InversionOptions = {}): Promise<InversionResult> {
  const initial = options.initialLatents ?? [];
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in DEFAULTS && v !== undefined)) } as typeof DEFAULTS;
  checkOptions(o, initial.length);
  const { config } = model;
  const d = config.latentSize;
  initial.forEach((z, i) => {
    if (!(z instanceof Float32Array) || z.length !== d) throw new Error(`invert: initialLatents[${i}] must be a Float32Array of ${d}`);
  });
  if (options.signal?.aborted) throw abortError('inversion aborted');
  registerInversionGradients();

  const starts = [...initial, ...Array.from({ length: o.starts }, (_, i) => randomLatent(o.seed + i, d))];
  const k = starts.length;
  const flat = new Float32Array(k * d);
  starts.forEach((z, i) => flat.set(z, i * d));

  const tgt = targetFeatures(model, target);
  const floor = await magnitudeFloor(model, tgt);
  const onehot = pitchesToOneHot(new Array<number>(k).fill(target.pitch), config);
  const zStart = tf.tensor2d(flat, [k, d]);
  const z = tf.variable(zStart, true); // a variable holds its own reference to the data
  zStart.dispose();
  const startGain = levelMatch(model, z, onehot, rmsOf(target.samples));
  const logGain = tf.variable(startGain, true);
  startGain.dispose();
  const optimizer = tf.train.adam(o.learningRate);

  let best = { loss: Infinity, mse: Infinity, latent: starts[0]!, start: 0, logGain: 0 };
  let startMse = Infinity;
  const history: number[] = [];
  try {
    for (let step = 0; step <= o.steps; step++) {
      if (options.signal?.aborted) throw abortError('inversion aborted');
      const last = step === o.steps;
      let perStart: tf.Tensor1D | null = null;
      let magMse: tf.Tensor1D | null = null;
      const objective = () => {
        const heard = heardFeatures(model, z as unknown as tf.Tensor2D, onehot, logGain as unknown as tf.Tensor2D);
        const mag = channelMse(heard, tgt, 0, floor);
        const spectral = tf.add(tf.mul(mag, o.magnitudeWeight), tf.mul(channelMse(heard, tgt, 1), o.ifWeight));
        const total = tf.add(spectral, tf.mul(radiusPrior(z as unknown as tf.Tensor2D), o.priorWeight)) as tf.Tensor1D;
        perStart = tf.keep(total);
        magMse = tf.keep(mag);
        return tf.sum(total) as tf.Scalar;
      };
      // Read the latents these losses belong to before the update moves them.
      const snapshot = [tf.clone(z), tf.clone(logGain)];
      const zNow = snapshot[0]!.data();
      const gainNow = snapshot[1]!.data();
      if (last) {
        tf.tidy(objective).dispose();
      } else {
        const { value, grads } = tf.variableGrads(objective, [z, logGain]);
        optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
        value.dispose();
        tf.dispose(Object.values(grads));
      }
      const [losses, mses, zs, gains] = await Promise.all([perStart!.data(), magMse!.data(), zNow, gainNow]);
      tf.dispose([perStart!, magMse!, ...snapshot]);
      for (let i = 0; i < k; i++) {
        if (step === 0) startMse = Math.min(startMse, mses[i]!);
        if (losses[i]! < best.loss) {
          best = { loss: losses[i]!, mse: mses[i]!, latent: Float32Array.from(zs.subarray(i * d, (i + 1) * d)), start: i, logGain: gains[i]! };
        }
      }
      history.push(best.loss);
      if (!Number.isFinite(best.loss)) throw new Error(`invert: ${target.source}: the loss is not finite (${best.loss})`);
      options.onStep?.({ step, steps: o.steps, lossPerStart: Array.from(losses), bestLoss: best.loss, bestDistanceDb: mseToDb(model, best.mse) });
      // A macrotask turn between steps: on wasm/cpu data() resolves in microtasks, and a page or Worker must still
      // see clicks and cancel messages.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    optimizer.dispose();
    tf.dispose([z, logGain, tgt, onehot]);
  }
  return {
    latent: best.latent,
    pitch: target.pitch,
    spectralDistanceDb: mseToDb(model, best.mse),
    startDistanceDb: mseToDb(model, startMse),
    levelDb: best.logGain * (20 / Math.LN10),
    lossHistory: history,
    bestStart: best.start,
    steps: o.steps,
  };
}

/** A WAV file's inversion: what `invertSound` found, and how the file was read. */
export interface InvertedSound extends InversionResult {
  /** The file's name, as given. */
  readonly source: string;
  readonly pitchSource: InversionTarget['pitchSource'];
  /** "stereo → mono, 96000 Hz → 16000 Hz". */
  readonly conversion: string;
}

/**
 * Decodes WAV `bytes` (errors name `source`), prepares them (prepareInversionTarget, `pitch` if given) and inverts
 * them: what the page, the render Worker and the CLI's callers share.
 */
export async function invertWavBytes(
  model: LoadedModel, bytes: Uint8Array, source: string, options: InversionOptions & { pitch?: number } = {},
): Promise<InvertedSound> {
  let wav;
  try {
    wav = decodeWav(bytes);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message.replace(/^decodeWav: /, '')}`);
  }
  const target = prepareInversionTarget(wav, model.config, { source, ...(options.pitch !== undefined ? { pitch: options.pitch } : {}) });
  const result = await invertSound(model, target, options);
  return { ...result, source, pitchSource: target.pitchSource, conversion: target.conversion };
}
