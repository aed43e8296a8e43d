/**
 * GANSynth's discriminator as data + a functional forward pass (Magenta networks.discriminator and
 * network_functions.discriminator_fn_specgram, simple_arch=False), with the AC-GAN pitch head.
 *
 * Per block b = N..2: from_rgb (1×1 conv, leaky ReLU) of the input downscaled to block b's resolution, then
 * conv0 3×3 (filters(b)), conv1 3×3 (filters(b−1)), 2× box downscale, faded with block b−1's from_rgb by
 * α = clip((b−1) − progress, 0, 1). Block 1: minibatch stddev channel → conv0 3×3 (filters(1)) → conv1
 * with a [startH, startW] 'valid' kernel (filters(0) = filters(1)) → `logits` dense → 1 score, and
 * `classification_logits` dense → one logit per pitch. Convs: custom_conv2d with He slope 0 (scale
 * sqrt(2/fanIn)) and leaky ReLU 0.2; the two dense layers use Magenta's default slope 1 (sqrt(1/fanIn)).
 *
 * Resolution: Magenta feeds D full-resolution images and box-downscales them inside. Box downscaling of a
 * box-upscaled image is the identity and box downscaling is linear, so we feed D the images already at the
 * resolution of its top block (`toBlockResolution`), which computes the same scores at a fraction of the
 * cost; losses.ts rescales the gradient-penalty norm accordingly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, blockShape, pitchCount } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { type ParamSpec, kernelScale } from 'gansynth-web/engine/generator';

/** Scope prefix of every discriminator variable (Magenta's tfgan scopes). */
export const DISCRIMINATOR_SCOPE = 'Discriminator/progressive_gan_discriminator';
/** Scope of the auxiliary classifier (network_functions.discriminator_fn_specgram). */
export const CLASSIFIER_SCOPE = 'Discriminator/discriminator_cond/classification_logits';
const LRELU_ALPHA = 0.2;
const MINIBATCH_STDDEV_EPSILON = 1e-6;

type Params = Record<string, tf.Tensor>;
type Layer = 'from_rgb' | 'conv0' | 'conv1';

/** Kernel and bias names of conv `layer` of block `blockId`. */
export function discriminatorLayerNames(blockId: number, layer: Layer): { kernel: string; bias: string } {
  const s = `${DISCRIMINATOR_SCOPE}/progressive_gan_block_${blockId}/${layer}`;
  return { kernel: `${s}/conv2d/kernel`, bias: `${s}/bias` };
}

const LOGITS = { kernel: `${DISCRIMINATOR_SCOPE}/progressive_gan_block_1/logits/dense/kernel`, bias: `${DISCRIMINATOR_SCOPE}/progressive_gan_block_1/logits/bias` };
const CLASSIFIER = { kernel: `${CLASSIFIER_SCOPE}/dense/kernel`, bias: `${CLASSIFIER_SCOPE}/bias` };

/** filters(b) of Magenta's num_filters_fn; block 0 (the last conv) has block 1's count, as fmap_max caps both. */
function filters(config: ModelConfig, blockId: number): number {
  return config.filters[Math.max(0, blockId - 1)]!;
}

/** The discriminator's variables for `config`: per block from_rgb, conv0, conv1; then the two dense heads. */
export function discriminatorParamSpecs(config: ModelConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const add = (names: { kernel: string; bias: string }, shape: number[]) => {
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    specs.push({ name: names.kernel, shape, fanIn, kind: 'kernel' });
    specs.push({ name: names.bias, shape: [shape[shape.length - 1]!], fanIn, kind: 'bias' });
  };
  const k = config.kernelSize;
  for (let b = config.filters.length; b >= 1; b--) {
    add(discriminatorLayerNames(b, 'from_rgb'), [1, 1, config.colors, filters(config, b)]);
    if (b > 1) {
      add(discriminatorLayerNames(b, 'conv0'), [k, k, filters(config, b), filters(config, b)]);
      add(discriminatorLayerNames(b, 'conv1'), [k, k, filters(config, b), filters(config, b - 1)]);
    } else {
      add(discriminatorLayerNames(1, 'conv0'), [k, k, filters(config, 1) + 1, filters(config, 1)]);
      add(discriminatorLayerNames(1, 'conv1'), [config.startShape[0], config.startShape[1], filters(config, 1), filters(config, 0)]);
    }
  }
  add(LOGITS, [filters(config, 0), 1]);
  add(CLASSIFIER, [filters(config, 0), pitchCount(config)]);
  return specs;
}

/** Seeded N(0,1) kernels and zero biases (equalised learning rate storage). Caller owns the tensors. */
export function initDiscriminatorParams(config: ModelConfig, seed: number): Params {
  const rng = new SeededRandom(seed);
  const out: Params = {};
  for (const s of discriminatorParamSpecs(config)) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    out[s.name] = s.kind === 'kernel' ? tf.tensor(rng.normals(size), s.shape, 'float32') : tf.zeros(s.shape, 'float32');
  }
  return out;
}

/** Magenta's `_discriminator_alpha`: clip(blockId − progress, 0, 1), the weight of block `blockId`'s from_rgb input. */
export function discriminatorAlpha(blockId: number, progress: number): number {
  return Math.min(1, Math.max(0, blockId - progress));
}

/**
 * Box downscale by an integer factor along frames and bins (layers.downscale = avg_pool). Inside the gradient penalty
 * it is differentiated twice: tfjs has no gradient for AvgPoolGrad, registerTrainingGradients (gradients.ts) adds it.
 * (The reshape + mean it replaces cost tfjs-cpu 0.3 s per 128×1024 call, its gradient's broadcast multiply 0.7 s.)
 */
export function boxDownscale(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  if (scale === 1) return x;
  const [, h, w] = x.shape;
  if (h % scale !== 0 || w % scale !== 0) throw new Error(`cannot downscale ${h}×${w} by ${scale}`);
  return tf.avgPool(x, scale, scale, 'valid');
}

/** Full-resolution images [b, frames, bins, colors] box-downscaled to block `numBlocks`'s resolution. */
export function toBlockResolution(x: tf.Tensor4D, config: ModelConfig, numBlocks: number): tf.Tensor4D {
  return boxDownscale(x, config.scaleBase ** (config.filters.length - numBlocks));
}

function param(params: Params, name: string): tf.Tensor {
  const t = params[name];
  if (!t) throw new Error(`discriminator parameter missing: ${name}`);
  return t;
}

function conv(params: Params, x: tf.Tensor4D, names: { kernel: string; bias: string }, padding: 'same' | 'valid'): tf.Tensor4D {
  const kernel = param(params, names.kernel) as tf.Tensor4D;
  const fanIn = kernel.shape[0] * kernel.shape[1] * kernel.shape[2];
  const y = tf.add(tf.conv2d(x, tf.mul(kernel, kernelScale(fanIn, 0)) as tf.Tensor4D, 1, padding), param(params, names.bias)) as tf.Tensor4D;
  return tf.leakyRelu(y, LRELU_ALPHA);
}

/**
 * Block 1's conv1: a [startH, startW] 'valid' kernel over a [startH, startW] input has one output pixel, so it is a
 * dense layer over the flattened input (the kernel's [kh, kw, C, F] layout flattens in the input's [h, w, c] order:
 * a reshape, no copy). As a matmul its gradients, the penalty's second-order ones included, are matmuls rather than
 * tfjs conv backprops (its Conv2DBackpropFilter was 12 % of a `small` stage-0 step on tfjs-cpu). The equalised-lr
 * scale multiplies the [b, F] output, not the kernel (the same product, fewer multiplies). Returns [b, F].
 */
function fullKernelConv(params: Params, x: tf.Tensor4D, names: { kernel: string; bias: string }): tf.Tensor2D {
  const kernel = param(params, names.kernel) as tf.Tensor4D;
  const [kh, kw, inCh, outCh] = kernel.shape;
  if (x.shape[1] !== kh || x.shape[2] !== kw || x.shape[3] !== inCh) {
    throw new Error(`${names.kernel} [${kernel.shape.join(', ')}] does not cover its input [${x.shape.join(', ')}]`);
  }
  const fanIn = kh * kw * inCh;
  const y = tf.matMul(tf.reshape(x, [x.shape[0], fanIn]) as tf.Tensor2D, tf.reshape(kernel, [fanIn, outCh]) as tf.Tensor2D);
  return tf.leakyRelu(tf.add(tf.mul(y, kernelScale(fanIn, 0)), param(params, names.bias)), LRELU_ALPHA) as tf.Tensor2D;
}

function dense(params: Params, x: tf.Tensor2D, names: { kernel: string; bias: string }): tf.Tensor2D {
  const kernel = param(params, names.kernel) as tf.Tensor2D;
  return tf.add(tf.matMul(x, tf.mul(kernel, kernelScale(kernel.shape[0], 1)) as tf.Tensor2D), param(params, names.bias)) as tf.Tensor2D;
}

/** layers.minibatch_mean_stddev + scalar_concat: one extra channel holding mean(sqrt(var_batch + 1e-6)). */
function minibatchStddev(x: tf.Tensor4D): tf.Tensor4D {
  const { variance } = tf.moments(x, 0);
  const s = tf.mean(tf.sqrt(tf.add(variance, MINIBATCH_STDDEV_EPSILON)));
  const [b, h, w] = x.shape;
  return tf.concat([x, tf.mul(tf.ones([b, h, w, 1]), s)], 3) as tf.Tensor4D;
}

/** D's outputs. */
export interface DiscriminatorOutput {
  /** Wasserstein critic score [b, 1]. */
  score: tf.Tensor2D;
  /** Pitch classifier logits [b, pitchCount]. */
  classLogits: tf.Tensor2D;
}

/**
 * The discriminator on images at block `numBlocks`'s resolution ([b, ...blockShape(numBlocks), colors]),
 * with fade-in `progress` ∈ [0, numBlocks − 1] (same meaning as the generator's). Not tidied: training
 * calls it inside tf.variableGrads / tf.grad, which own the intermediate tensors.
 */
export function discriminatorForward(params: Params, config: ModelConfig, x: tf.Tensor4D, numBlocks: number, progress: number): DiscriminatorOutput {
  const n = config.filters.length;
  if (!(Number.isInteger(numBlocks) && numBlocks >= 1 && numBlocks <= n)) throw new Error(`numBlocks must be in [1, ${n}], got ${numBlocks}`);
  if (!(progress >= 0 && progress <= numBlocks - 1)) throw new Error(`progress must be in [0, ${numBlocks - 1}], got ${progress}`);
  const [h, w] = blockShape(config, numBlocks);
  if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== config.colors) {
    throw new Error(`discriminator input must be [batch, ${h}, ${w}, ${config.colors}] for ${numBlocks} blocks, got [${x.shape.join(', ')}]`);
  }
  const fromRgb = (b: number) => conv(params, boxDownscale(x, config.scaleBase ** (numBlocks - b)), discriminatorLayerNames(b, 'from_rgb'), 'same');
  let y = fromRgb(numBlocks);
  for (let b = numBlocks; b >= 2; b--) {
    y = conv(params, y, discriminatorLayerNames(b, 'conv0'), 'same');
    y = conv(params, y, discriminatorLayerNames(b, 'conv1'), 'same');
    y = boxDownscale(y, config.scaleBase);
    const alpha = discriminatorAlpha(b - 1, progress);
    if (alpha > 0) y = tf.add(tf.mul(fromRgb(b - 1), alpha), tf.mul(y, 1 - alpha)) as tf.Tensor4D;
  }
  y = minibatchStddev(y);
  y = conv(params, y, discriminatorLayerNames(1, 'conv0'), 'same');
  const flat = fullKernelConv(params, y, discriminatorLayerNames(1, 'conv1'));
  return { score: dense(params, flat, LOGITS), classLogits: dense(params, flat, CLASSIFIER) };
}
