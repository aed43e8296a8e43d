/**
 * Model configs are data (STYLE.md §8): the generator's shape, the spectral representation and its
 * normalisation. `paper` is Magenta's `mel_prog_hires` (DESIGN.md, model spec); the others are smaller
 * versions with the same spectral representation, for tests and fast training.
 */
import { LATENT_SIZE, MODEL_SAMPLE_RATE_HZ, NOTE_LENGTH_SAMPLES, PITCH_MAX, PITCH_MIN } from './constants.ts';

/** The STFT framing and mel representation (Magenta's SpecgramsHelper with mel_downscale=1, ifreq=True). */
export interface SpectralConfig {
  readonly sampleRateHz: number;
  readonly audioLengthSamples: number;
  /** FFT size and window length (Hann, periodic). */
  readonly nFft: number;
  readonly hopSamples: number;
  /** Spectrogram frames (time axis). */
  readonly frames: number;
  /** Frequency bins kept: nFft/2 (the DC bin is discarded, Nyquist kept, as Magenta's discard_dc=True). */
  readonly bins: number;
  /** Mel-scale the magnitude and IF (mel_prog_hires: true). */
  readonly mel: boolean;
}

/** Per-channel affine normalisation x·a + b (Magenta's prespecified specgram normaliser). */
export interface NormalizationConfig {
  readonly magA: number;
  readonly magB: number;
  readonly ifA: number;
  readonly ifB: number;
}

/** The generator/discriminator shape (Magenta networks.py, progressive GAN). */
export interface ModelConfig {
  readonly name: string;
  readonly latentSize: number;
  readonly pitchMin: number;
  readonly pitchMax: number;
  /** Spatial shape [frames, bins] of block 1's output. */
  readonly startShape: readonly [number, number];
  /** Upscale factor between consecutive blocks (both axes). */
  readonly scaleBase: number;
  /** Channels per block, block 1 first; its length is the number of blocks. */
  readonly filters: readonly number[];
  readonly kernelSize: number;
  /** Output channels: log-mel magnitude and mel instantaneous frequency. */
  readonly colors: number;
  readonly spectral: SpectralConfig;
  readonly normalization: NormalizationConfig;
}

/** GANSynth's spectral representation: 4 s at 16 kHz, n_fft 2048, hop 512 → 128 × 1024. */
export const GANSYNTH_SPECTRAL: SpectralConfig = Object.freeze({
  sampleRateHz: MODEL_SAMPLE_RATE_HZ,
  audioLengthSamples: NOTE_LENGTH_SAMPLES,
  nFft: 2048,
  hopSamples: 512,
  frames: 128,
  bins: 1024,
  mel: true,
});

/** Magenta's constants (magenta-js gansynth/constants.ts). */
export const MAGENTA_NORMALIZATION: NormalizationConfig = Object.freeze({
  magA: 0.0661371661726,
  magB: 0.113718730221,
  ifA: 0.8,
  ifB: 0.0,
});

const base = {
  latentSize: LATENT_SIZE,
  pitchMin: PITCH_MIN,
  pitchMax: PITCH_MAX,
  startShape: [2, 16] as const,
  scaleBase: 2,
  kernelSize: 3,
  colors: 2,
  spectral: GANSYNTH_SPECTRAL,
  normalization: MAGENTA_NORMALIZATION,
};

/** mel_prog_hires: filters min(4096 / 2^block, 256) for blocks 1..7; ≈ 7.3 M generator parameters. */
export const PAPER_CONFIG: ModelConfig = Object.freeze({
  ...base,
  name: 'paper',
  filters: Object.freeze([256, 256, 256, 256, 128, 64, 32]),
});

/** A quarter-width generator: trains in hours on one GPU, renders a bank in seconds on a laptop. */
export const SMALL_CONFIG: ModelConfig = Object.freeze({
  ...base,
  name: 'small',
  filters: Object.freeze([128, 128, 128, 64, 32, 16, 8]),
});

/** A few thousand parameters: for tests on the CPU backend and on SwiftShader. */
export const TINY_CONFIG: ModelConfig = Object.freeze({
  ...base,
  name: 'tiny',
  filters: Object.freeze([8, 8, 8, 8, 4, 4, 4]),
});

/** Named model configs. */
export const MODEL_CONFIGS: Readonly<Record<string, ModelConfig>> = Object.freeze({
  paper: PAPER_CONFIG,
  small: SMALL_CONFIG,
  tiny: TINY_CONFIG,
});

/** Spatial shape [frames, bins] of block `blockId` (1-based). */
export function blockShape(config: ModelConfig, blockId: number): [number, number] {
  const f = config.scaleBase ** (blockId - 1);
  return [config.startShape[0] * f, config.startShape[1] * f];
}

/** Number of pitch classes of `config`. */
export function pitchCount(config: ModelConfig): number {
  return config.pitchMax - config.pitchMin + 1;
}

/**
 * Checks a config read from JSON (model.json) and returns it typed; throws naming the first bad field.
 */
export function validateModelConfig(raw: unknown): ModelConfig {
  const fail = (field: string, why: string): never => {
    throw new Error(`invalid model config: ${field} ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('(root)', 'must be an object');
  const c = raw as Record<string, unknown>;
  const posInt = (k: string, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) <= 0) fail(k, `must be a positive integer, got ${JSON.stringify(v)}`);
  };
  if (typeof c.name !== 'string') fail('name', 'must be a string');
  for (const k of ['latentSize', 'pitchMin', 'pitchMax', 'scaleBase', 'kernelSize', 'colors']) posInt(k, c[k]);
  if ((c.pitchMax as number) < (c.pitchMin as number)) fail('pitchMax', 'must be ≥ pitchMin');
  if (!Array.isArray(c.startShape) || c.startShape.length !== 2) fail('startShape', 'must be [frames, bins]');
  (c.startShape as unknown[]).forEach((v, i) => posInt(`startShape[${i}]`, v));
  if (!Array.isArray(c.filters) || c.filters.length < 1) fail('filters', 'must be a non-empty array');
  (c.filters as unknown[]).forEach((v, i) => posInt(`filters[${i}]`, v));
  const s = c.spectral as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null) fail('spectral', 'must be an object');
  for (const k of ['sampleRateHz', 'audioLengthSamples', 'nFft', 'hopSamples', 'frames', 'bins']) posInt(`spectral.${k}`, s![k]);
  if (typeof s!.mel !== 'boolean') fail('spectral.mel', 'must be a boolean');
  const n = c.normalization as Record<string, unknown> | undefined;
  if (typeof n !== 'object' || n === null) fail('normalization', 'must be an object');
  for (const k of ['magA', 'magB', 'ifA', 'ifB']) {
    if (typeof n![k] !== 'number' || !Number.isFinite(n![k])) fail(`normalization.${k}`, 'must be a finite number');
  }
  const cfg = c as unknown as ModelConfig;
  const top = blockShape(cfg, cfg.filters.length);
  if (top[0] !== cfg.spectral.frames || top[1] !== cfg.spectral.bins) {
    fail('startShape', `× scaleBase^(blocks-1) gives ${top.join('×')}, but spectral is ${cfg.spectral.frames}×${cfg.spectral.bins}`);
  }
  return cfg;
}
