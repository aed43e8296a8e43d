/**
 * The GANSynth generator as data: parameter specs derived from a ModelConfig, seeded initialisation, and a
 * functional forward pass shared by inference (engine) and training (trainer/). Layout and semantics follow
 * Magenta's `networks.generator` (magenta/models/gansynth/lib/networks.py, layers.py) with magenta-js's
 * weight scaling (see `kernelScale`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, blockShape, pitchCount } from '../shared/model-config.ts';
import { SeededRandom } from '../shared/random.ts';
import { phaseKernels, upscaledConv3x3 } from './upscale-conv.ts';
import { GENERATOR_SCOPE } from './variable-names.ts';

export { EMA_SUFFIX, GENERATOR_SCOPE } from './variable-names.ts';

/** Leaky ReLU slope (tf.nn.leaky_relu default, used by Magenta's `_conv2d`). */
const LRELU_ALPHA = 0.2;
/** layers.pixel_norm epsilon. */
const PIXEL_NORM_EPSILON = 1e-8;

/** One trainable variable of the generator. */
export interface ParamSpec {
  /** Magenta-layout variable name without the `/ExponentialMovingAverage` suffix. */
  name: string;
  /** [kh, kw, inChannels, outChannels] for kernels, [outChannels] for biases. */
  shape: number[];
  /** kh·kw·inChannels of the layer (for biases: that of their kernel); drives the equalised-lr scale. */
  fanIn: number;
  kind: 'kernel' | 'bias';
}

/** Options for the parameter set. */
export interface ParamOptions {
  /** Include a to_rgb layer for every block (training with progressive growing); inference needs only the last. */
  allToRgb?: boolean;
}

/** Options of the forward pass. */
export interface ForwardOptions {
  /**
   * Magenta's training progress in [0, blocks-1]; default blocks-1 (the full-resolution generator).
   * See `generatorForward` for the exact semantics.
   */
  progress?: number;
  /**
   * He slope used for the to_rgb kernel scale sqrt(2 / ((1 + slope²)·fanIn)). Default 0, i.e. sqrt(2/fanIn),
   * which is what magenta-js applies to every kernel. Magenta's Python code uses slope 1 (sqrt(1/fanIn)) for
   * to_rgb; pass 1 to reproduce the Python graph exactly (see README "Generator and weights").
   */
  toRgbHeSlope?: number;
  /**
   * Inference only: each hidden conv as one tf.fused.conv2d (conv + bias + leaky ReLU in one kernel on WebGL,
   * WebGPU and wasm) instead of three ops; same numbers within fp32 rounding. tfjs has no gradient for a fused leaky
   * ReLU, so training leaves it off (the default).
   */
  fused?: boolean;
  /**
   * Each block's box upscale + conv0 computed at the lower resolution as four 2×2 convs (upscale-conv.ts): 2.25×
   * fewer multiply-adds in conv0, the same numbers within fp32 rounding. Needs scaleBase 2 and kernelSize 3 (else
   * ignored). Worth it where convs are the cost: on wasm and cpu (`prefersPhaseUpscale`).
   */
  phaseUpscale?: boolean;
  /**
   * With `phaseUpscale`: the phase kernels made once by `preparePhaseKernels` for these params (else they are
   * made on every call: ≈ 85 ms per paper note on wasm, mostly slices of the kernels).
   */
  phaseKernels?: PhaseKernels;
  /**
   * Resolution of the output: that of block `outputBlocks` (1-based; default the last block, full resolution).
   * Training passes its stage's block count, so each block's image is box-upscaled only as far as the
   * discriminator looks, instead of to full resolution and averaged back down (the same numbers: box downscaling
   * a box upscale is the identity). Must be at least the highest block `progress` uses (⌈progress⌉ + 1).
   */
  outputBlocks?: number;
}

/** Variable-name prefix of block `blockId` (1-based). */
export function blockScope(blockId: number): string {
  return `${GENERATOR_SCOPE}/progressive_gan_block_${blockId}`;
}

/** Names of the kernel and bias of a conv layer ('conv0', 'conv1' or 'to_rgb') in block `blockId`. */
export function layerNames(blockId: number, layer: 'conv0' | 'conv1' | 'to_rgb'): { kernel: string; bias: string } {
  const s = `${blockScope(blockId)}/${layer}`;
  return { kernel: `${s}/conv2d/kernel`, bias: `${s}/bias` };
}

/**
 * The generator's variables for `config`, in Magenta's order (block by block: conv0 kernel, bias, conv1
 * kernel, bias; to_rgb kernel and bias last, for the last block only unless `allToRgb`).
 */
export function generatorParamSpecs(config: ModelConfig, opts: ParamOptions = {}): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const conv = (blockId: number, layer: 'conv0' | 'conv1' | 'to_rgb', kh: number, kw: number, cin: number, cout: number) => {
    const names = layerNames(blockId, layer);
    const fanIn = kh * kw * cin;
    specs.push({ name: names.kernel, shape: [kh, kw, cin, cout], fanIn, kind: 'kernel' });
    specs.push({ name: names.bias, shape: [cout], fanIn, kind: 'bias' });
  };
  const inputChannels = config.latentSize + pitchCount(config);
  const k = config.kernelSize;
  const blocks = config.filters.length;
  config.filters.forEach((cout, i) => {
    const blockId = i + 1;
    if (blockId === 1) conv(1, 'conv0', config.startShape[0], config.startShape[1], inputChannels, cout);
    else conv(blockId, 'conv0', k, k, config.filters[i - 1]!, cout);
    conv(blockId, 'conv1', k, k, cout, cout);
  });
  for (let blockId = 1; blockId <= blocks; blockId++) {
    if (opts.allToRgb || blockId === blocks) conv(blockId, 'to_rgb', 1, 1, config.filters[blockId - 1]!, config.colors);
  }
  return specs;
}

/** Total number of scalars in `specs`. */
export function countParams(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Seeded parameters: kernels N(0,1) (the equalised-learning-rate storage scale), biases zero. The same seed
 * gives the same weights on every backend and runtime (SeededRandom is pure integer math). The caller owns
 * (and must dispose) the returned tensors.
 */
export function initGeneratorParams(config: ModelConfig, seed: number, opts: ParamOptions = {}): Record<string, tf.Tensor> {
  const rng = new SeededRandom(seed);
  const params: Record<string, tf.Tensor> = {};
  for (const spec of generatorParamSpecs(config, opts)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    params[spec.name] = spec.kind === 'kernel' ? tf.tensor(rng.normals(size), spec.shape, 'float32') : tf.zeros(spec.shape, 'float32');
  }
  return params;
}

/**
 * Equalised learning rate: the runtime multiplier of a kernel stored at N(0,1) scale, He's
 * sqrt(2 / ((1 + slope²)·fanIn)). Magenta's hidden convs use slope 0 → sqrt(2/fanIn).
 */
export function kernelScale(fanIn: number, heSlope = 0): number {
  return Math.sqrt(2 / ((1 + heSlope * heSlope) * fanIn));
}

/** One-hot pitch conditioning [b, pitchCount]; throws for a pitch outside config's range. */
export function pitchesToOneHot(pitches: readonly number[], config: ModelConfig): tf.Tensor2D {
  for (const p of pitches) {
    if (!Number.isInteger(p) || p < config.pitchMin || p > config.pitchMax) {
      throw new Error(`pitch ${p} outside the model's range ${config.pitchMin}..${config.pitchMax} (MIDI integers)`);
    }
  }
  return tf.tidy(() => tf.oneHot(tf.tensor1d(pitches.map((p) => p - config.pitchMin), 'int32'), pitchCount(config)) as tf.Tensor2D);
}

/**
 * Magenta's `_generator_alpha`: weight of block `blockId`'s (upscaled) output at `progress`,
 * max(0, min(progress - (blockId - 2), blockId - progress)). A triangle peaking at progress = blockId - 1;
 * the weights of all blocks sum to 1.
 */
export function generatorAlpha(blockId: number, progress: number): number {
  return Math.max(0, Math.min(progress - (blockId - 2), blockId - progress));
}

function param(params: Record<string, tf.Tensor>, name: string): tf.Tensor {
  const t = params[name];
  if (!t) throw new Error(`generator parameter missing: ${name}`);
  return t;
}

function pixelNorm(x: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), 3, true), PIXEL_NORM_EPSILON)));
}

/** Magenta's custom_conv2d: conv(x, kernel·scale) + bias. Scaling the kernel (not x) keeps the trainer's gradient on the stored N(0,1) kernel. */
function customConv(
  params: Record<string, tf.Tensor>, x: tf.Tensor4D, blockId: number, layer: 'conv0' | 'conv1' | 'to_rgb',
  padding: 'same' | 'valid', heSlope: number,
): tf.Tensor4D {
  const names = layerNames(blockId, layer);
  const kernel = param(params, names.kernel) as tf.Tensor4D;
  const fanIn = kernel.shape[0] * kernel.shape[1] * kernel.shape[2];
  const scaled = tf.mul(kernel, kernelScale(fanIn, heSlope)) as tf.Tensor4D;
  return tf.add(tf.conv2d(x, scaled, 1, padding), param(params, names.bias));
}

/**
 * Block 1's conv0 before its activation: Magenta zero-pads the 1×1 input by (startH-1, startW-1) on each side and
 * runs a 'valid' [startH, startW] conv. Only the centre of the padded input is non-zero, so
 * out[i, j] = x · K[startH-1-i, startW-1-j] + bias: for each of the P = startH·startW kernel positions one matmul of
 * x [b, C] with K[position] [C, F] (a batched matmul over the kernel as stored, reshaped to [P, C, F]: no copy), then
 * the positions reversed. Same numbers as the padded conv (tested against it), and its gradient is a matmul too
 * instead of Conv2DBackpropFilter over mostly zeros (0.8 s per step on tfjs-cpu). The flip and the equalised-lr
 * scale are applied to the [b, P, F] output, not to the kernel: tfjs-cpu's Reverse of the paper kernel
 * [2, 16, 317, 256] took 2 s per call, three calls per training step.
 */
export function initialConv(params: Record<string, tf.Tensor>, x: tf.Tensor2D, config: ModelConfig): tf.Tensor4D {
  return tf.tidy(() => {
    const names = layerNames(1, 'conv0');
    const kernel = param(params, names.kernel) as tf.Tensor4D;
    const [kh, kw, inCh, outCh] = kernel.shape;
    const [startH, startW] = config.startShape;
    if (kh !== startH || kw !== startW || inCh !== x.shape[1]) {
      throw new Error(`${names.kernel} is [${kernel.shape.join(', ')}], expected [${startH}, ${startW}, ${x.shape[1]}, F]`);
    }
    const batch = x.shape[0];
    const positions = kh * kw;
    // tfjs's BatchMatMul gradient does not reduce broadcast batch dimensions, so x is tiled, not broadcast.
    const xs = tf.tile(tf.reshape(x, [1, batch, inCh]), [positions, 1, 1]) as tf.Tensor3D;
    const byPosition = tf.matMul(xs, tf.reshape(kernel, [positions, inCh, outCh]) as tf.Tensor3D); // [P, b, F]
    const flipped = tf.reverse(tf.transpose(byPosition, [1, 0, 2]), 1); // [b, P, F], position p ← P-1-p
    const y = tf.mul(tf.reshape(flipped, [batch, kh, kw, outCh]), kernelScale(positions * inCh, 0));
    return tf.add(y, param(params, names.bias));
  });
}

/** Hidden conv: custom_conv2d → leaky ReLU 0.2 → pixel norm (Magenta's `_conv2d`); `fused`: see ForwardOptions. */
function hiddenConv(params: Record<string, tf.Tensor>, x: tf.Tensor4D, blockId: number, layer: 'conv0' | 'conv1', padding: 'same' | 'valid', fused = false): tf.Tensor4D {
  if (!fused) return pixelNorm(tf.leakyRelu(customConv(params, x, blockId, layer, padding, 0), LRELU_ALPHA));
  const names = layerNames(blockId, layer);
  const kernel = param(params, names.kernel) as tf.Tensor4D;
  // Inference: its own scope, so the scaled kernel and pixel-norm temporaries go now, not at the end of the pass.
  return tf.tidy(() => {
    const filter = tf.mul(kernel, kernelScale(kernel.shape[0] * kernel.shape[1] * kernel.shape[2], 0)) as tf.Tensor4D;
    return pixelNorm(tf.fused.conv2d({ x, filter, strides: 1, pad: padding, bias: param(params, names.bias), activation: 'leakyrelu', leakyreluAlpha: LRELU_ALPHA }));
  });
}

/** Block `blockId`'s conv0 kernel, equalised-lr scale applied, as the four 2×2 phase kernels (upscale-conv.ts). */
function conv0PhaseKernels(params: Record<string, tf.Tensor>, blockId: number): tf.Tensor4D[][] {
  return tf.tidy(() => {
    const kernel = param(params, layerNames(blockId, 'conv0').kernel) as tf.Tensor4D;
    return phaseKernels(tf.mul(kernel, kernelScale(kernel.shape[0] * kernel.shape[1] * kernel.shape[2], 0)) as tf.Tensor4D);
  });
}

/** Blocks ≥ 2's conv0 phase kernels, made once for a model's params; the owner disposes them with the model. */
export interface PhaseKernels {
  readonly byBlock: ReadonlyMap<number, tf.Tensor4D[][]>;
  dispose(): void;
}

/** The phase kernels of every block ≥ 2 of `params` (for ForwardOptions.phaseKernels). */
export function preparePhaseKernels(params: Record<string, tf.Tensor>, config: ModelConfig): PhaseKernels {
  const byBlock = new Map<number, tf.Tensor4D[][]>();
  for (let b = 2; b <= config.filters.length; b++) {
    if (params[layerNames(b, 'conv0').kernel]) byBlock.set(b, conv0PhaseKernels(params, b));
  }
  return { byBlock, dispose: () => byBlock.forEach((k) => tf.dispose(k.flat())) };
}

/** Block `blockId`'s conv0 on the box-upscaled `x` (×2), as four phase convs at x's resolution (upscale-conv.ts). */
function upscaledHiddenConv(params: Record<string, tf.Tensor>, x: tf.Tensor4D, blockId: number, fused = false, prepared?: PhaseKernels): tf.Tensor4D {
  const bias = param(params, layerNames(blockId, 'conv0').bias);
  const conv = (padded: tf.Tensor4D, f: tf.Tensor4D): tf.Tensor4D => fused
    ? tf.fused.conv2d({ x: padded, filter: f, strides: 1, pad: 'valid', bias, activation: 'leakyrelu', leakyreluAlpha: LRELU_ALPHA })
    : tf.leakyRelu(tf.add(tf.conv2d(padded, f, 1, 'valid'), bias), LRELU_ALPHA) as tf.Tensor4D;
  // Its own scope: the pads, phases and concats are freed here, not when the whole forward pass ends.
  return tf.tidy(() => pixelNorm(upscaledConv3x3(x, prepared?.byBlock.get(blockId) ?? conv0PhaseKernels(params, blockId), conv)));
}

/**
 * Whether inference on `backendName` uses `phaseUpscale`: where it pays (measured on wasm: src/engine/README.md
 * "Generator speed"), wasm and cpu; in Node GSW_PHASE_UPSCALE=0 turns it off and =1 on for every backend (A/B runs).
 */
export function prefersPhaseUpscale(backendName: string): boolean {
  const forced = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GSW_PHASE_UPSCALE;
  if (forced === '0' || forced === '1') return forced === '1';
  return backendName === 'wasm' || backendName === 'cpu';
}

/** Box (nearest-neighbour) upscale by an integer factor along frames and bins (layers.upscale). */
export function boxUpscale(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  if (scale === 1) return x;
  const [, h, w] = x.shape;
  // Exact integer factor, no corner alignment: source index = floor(dst / scale), i.e. box upscaling.
  return tf.image.resizeNearestNeighbor(x, [h * scale, w * scale], false, false);
}

/**
 * The generator: z [b, latentSize] and one-hot pitch [b, pitchCount] → [b, frames, bins, colors] in (-1, 1)
 * (channel 0 normalised log-mel magnitude, channel 1 normalised mel IF).
 *
 * Architecture (Magenta networks.generator, simple_arch=False): concat(z, pitch) as a 1×1 image →
 * pixel norm → zero-pad H by startH-1 and W by startW-1 on each side → 'valid' conv with a
 * [startH, startW] kernel (block 1 conv0; computed as one matmul, see initialConv) → then per block: [box upscale ×scaleBase (blocks ≥ 2), conv0]
 * and conv1 (3×3 'same'); each hidden conv is custom_conv2d → leaky ReLU 0.2 → pixel norm (eps 1e-8).
 * to_rgb is a 1×1 conv to `colors` channels followed by tanh.
 *
 * Equalised learning rate: every kernel is stored N(0,1)-scale and multiplied at use by
 * sqrt(2/fanIn) (fanIn = kh·kw·inChannels); to_rgb by sqrt(2/((1+s²)·fanIn)) with s = opts.toRgbHeSlope
 * (default 0 = magenta-js; Magenta's Python graph used s = 1).
 *
 * Progressive growing (`opts.progress` = p ∈ [0, N-1], N = blocks; Magenta's compute_progress: p = k means the
 * stable stage of block k+1, p = k + f (0 < f < 1) the transition from block k+1 to k+2 with fade-in f):
 *   output = Σ_{b=1..N} α_b(p) · upscale(tanh(to_rgb_b(h_b)), scaleBase^(N-b))
 * with α_b(p) = max(0, min(p - (b - 2), b - p)) (`generatorAlpha`). So at p = k only block k+1's to_rgb
 * contributes; during a transition the output is (1-f)·[block k+1, box-upscaled] + f·[block k+2]. The output
 * is full resolution unless `opts.outputBlocks` says otherwise (lower-resolution images are nearest-upscaled),
 * tanh is applied per block before upscaling and blending, and h_b is the hidden state of block b. Blocks above
 * ⌈p⌉+1 are not computed (their α is 0): in a stable stage p = k, block k+2 is skipped. The discriminator side
 * (Magenta's `_discriminator_alpha` = clip(b - p, 0, 1)) must match this. `opts.outputBlocks` = M < N gives the
 * same sum at block M's resolution (what the discriminator sees in training).
 */
export function generatorForward(
  params: Record<string, tf.Tensor>, config: ModelConfig, z: tf.Tensor2D, pitchOneHot: tf.Tensor2D, opts: ForwardOptions = {},
): tf.Tensor4D {
  const blocks = config.filters.length;
  const progress = opts.progress ?? blocks - 1;
  if (!(progress >= 0 && progress <= blocks - 1)) throw new Error(`progress must be in [0, ${blocks - 1}], got ${progress}`);
  if (z.shape[1] !== config.latentSize) throw new Error(`z must be [batch, ${config.latentSize}], got [${z.shape.join(', ')}]`);
  if (pitchOneHot.shape[1] !== pitchCount(config) || pitchOneHot.shape[0] !== z.shape[0]) {
    throw new Error(`pitchOneHot must be [${z.shape[0]}, ${pitchCount(config)}], got [${pitchOneHot.shape.join(', ')}]`);
  }
  const toRgbHeSlope = opts.toRgbHeSlope ?? 0;
  // Blocks with a non-zero α: b < progress + 2, i.e. up to ⌈progress⌉ + 1; the ones above are never computed.
  const lastBlock = Math.min(blocks, Math.ceil(progress) + 1);
  const outputBlocks = opts.outputBlocks ?? blocks;
  if (!(Number.isInteger(outputBlocks) && outputBlocks >= lastBlock && outputBlocks <= blocks)) {
    throw new Error(`outputBlocks must be an integer in [${lastBlock}, ${blocks}] at progress ${progress}, got ${outputBlocks}`);
  }
  const phases = opts.phaseUpscale === true && config.scaleBase === 2 && config.kernelSize === 3;
  return tf.tidy(() => {
    const batch = z.shape[0];
    const zc = tf.reshape(pixelNorm(tf.reshape(tf.concat([z, pitchOneHot], 1), [batch, 1, 1, -1]) as tf.Tensor4D), [batch, -1]) as tf.Tensor2D;
    let x = pixelNorm(tf.leakyRelu(initialConv(params, zc, config), LRELU_ALPHA));
    x = hiddenConv(params, x, 1, 'conv1', 'same', opts.fused);
    let out: tf.Tensor4D | null = null;
    for (let b = 1; b <= lastBlock; b++) {
      if (b > 1) {
        x = phases
          ? upscaledHiddenConv(params, x, b, opts.fused, opts.phaseKernels)
          : hiddenConv(params, boxUpscale(x, config.scaleBase), b, 'conv0', 'same', opts.fused);
        x = hiddenConv(params, x, b, 'conv1', 'same', opts.fused);
      }
      const alpha = generatorAlpha(b, progress);
      if (alpha === 0) continue;
      const rgb = tf.tanh(customConv(params, x, b, 'to_rgb', 'same', toRgbHeSlope));
      const up = boxUpscale(rgb, config.scaleBase ** (outputBlocks - b));
      const term: tf.Tensor4D = alpha === 1 ? up : tf.mul(up, alpha);
      out = out === null ? term : (tf.add(out, term) as tf.Tensor4D);
    }
    const [frames, bins] = blockShape(config, outputBlocks);
    if (out === null || out.shape[1] !== frames || out.shape[2] !== bins) throw new Error('generator produced no output (internal)');
    return out;
  });
}

/** What a Generator needs from a loaded model (weights.ts `LoadedModel` satisfies it). */
export interface GeneratorModel {
  readonly config: ModelConfig;
  readonly params: Record<string, tf.Tensor>;
  readonly meta?: { readonly toRgbHeSlope?: number };
  dispose(): void;
}

/**
 * A generator bound to a loaded model (magenta-js lifecycle: the constructor does no I/O; `dispose()` frees
 * the model's weights, which the Generator owns from then on).
 */
export class Generator {
  private model: GeneratorModel | null;
  /** Made at the first predict on a backend that prefers phase upscaling (see preparePhaseKernels). */
  private phaseKernels: PhaseKernels | null = null;

  constructor(model: GeneratorModel) {
    this.model = model;
  }

  /** The model's config; throws after dispose(). */
  get config(): ModelConfig {
    return this.live().config;
  }

  /**
   * Spectrograms for latents `z` ([b, latentSize] tensor or b arrays) at MIDI `pitches` (length b):
   * [b, frames, bins, colors] in (-1, 1). The caller owns (disposes) the result.
   */
  predict(z: tf.Tensor2D | readonly ArrayLike<number>[], pitches: readonly number[]): tf.Tensor4D {
    const model = this.live();
    const { config } = model;
    const phaseUpscale = prefersPhaseUpscale(tf.getBackend());
    if (phaseUpscale) this.phaseKernels ??= preparePhaseKernels(model.params, config);
    return tf.tidy(() => {
      const zt: tf.Tensor2D = z instanceof tf.Tensor ? z : tf.tensor2d(z.map((row) => Array.from(row)), [z.length, config.latentSize], 'float32');
      if (zt.shape[0] !== pitches.length) throw new Error(`got ${zt.shape[0]} latents but ${pitches.length} pitches`);
      const onehot = pitchesToOneHot(pitches, config);
      return generatorForward(model.params, config, zt, onehot, { toRgbHeSlope: model.meta?.toRgbHeSlope, fused: true, phaseUpscale, phaseKernels: this.phaseKernels ?? undefined });
    });
  }

  /** Frees the model's tensors; the Generator is unusable afterwards. */
  dispose(): void {
    this.phaseKernels?.dispose();
    this.phaseKernels = null;
    this.model?.dispose();
    this.model = null;
  }

  private live(): GeneratorModel {
    if (!this.model) throw new Error('Generator used after dispose()');
    return this.model;
  }
}
