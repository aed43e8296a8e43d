/**
 * Arithmetic cost of rendering one note, computed from the config (2 FLOPs per multiply-add; bias, activation
 * and normalisation ops are not counted: they are < 1 % of the convolutions). Used by the bench to report
 * achieved GFLOP/s.
 */
import { type ModelConfig, blockShape, pitchCount } from '../shared/model-config.ts';
import { designResampler, resampledLength } from './resample.ts';
import { featuresToWavesFlops } from './spectral.ts';

/** FLOPs of one note, by stage. */
export interface NoteFlops {
  generator: number;
  /** mel → linear and the iSTFT, as featuresToWaves computes them (spectral.ts / stft.ts). */
  spectral: number;
  resample: number;
  total: number;
}

/** How the generator is computed, where that changes its cost. */
export interface CostOptions {
  /** Blocks ≥ 2's upscale + conv0 as four 2×2 phase convs (generator.ts `phaseUpscale`): 4 instead of 9 taps. */
  phaseUpscale?: boolean;
}

/**
 * Generator FLOPs of one note: every conv as 2·H·W·kh·kw·inCh·outCh (at its output resolution); with
 * `phaseUpscale`, blocks ≥ 2's conv0 as 2·H·W·4·inCh·outCh.
 */
export function generatorFlops(config: ModelConfig, opts: CostOptions = {}): number {
  const k2 = config.kernelSize * config.kernelSize;
  const [h1, w1] = config.startShape;
  const f1 = config.filters[0]!;
  // Block 1: a 'valid' startH×startW conv of the padded 1×1 input (latent ‖ one-hot), then a k×k conv.
  let flops = 2 * h1 * w1 * (h1 * w1) * (config.latentSize + pitchCount(config)) * f1 + 2 * h1 * w1 * k2 * f1 * f1;
  for (let b = 2; b <= config.filters.length; b++) {
    const [h, w] = blockShape(config, b);
    const inCh = config.filters[b - 2]!;
    const outCh = config.filters[b - 1]!;
    const conv0Taps = opts.phaseUpscale && config.scaleBase === 2 && config.kernelSize === 3 ? 4 : k2;
    flops += 2 * h * w * (conv0Taps * inCh * outCh + k2 * outCh * outCh);
  }
  const [h, w] = blockShape(config, config.filters.length);
  flops += 2 * h * w * config.filters[config.filters.length - 1]! * config.colors; // to_rgb 1×1
  return flops;
}

/** Spectral inverse FLOPs of one note: what featuresToWaves computes (sparse mel→linear, split-DFT iSTFT). */
export function spectralFlops(config: ModelConfig): number {
  return featuresToWavesFlops(config.spectral);
}

/** Resampler FLOPs of one note at `outRateHz` (0 at the model's rate). */
export function resampleFlops(config: ModelConfig, outRateHz: number): number {
  const inHz = config.spectral.sampleRateHz;
  if (outRateHz === inHz) return 0;
  const d = designResampler(inHz, outRateHz);
  const blocks = Math.ceil(resampledLength(config.spectral.audioLengthSamples, inHz, outRateHz) / d.outPerBlock);
  return 2 * blocks * d.frameLength * d.outPerBlock;
}

/** All stages of one note. */
export function noteFlops(config: ModelConfig, outRateHz: number, opts: CostOptions = {}): NoteFlops {
  const generator = generatorFlops(config, opts);
  const spectral = spectralFlops(config);
  const resample = resampleFlops(config, outRateHz);
  return { generator, spectral, resample, total: generator + spectral + resample };
}
