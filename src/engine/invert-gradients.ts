/**
 * The gradient functions the latent inversion (invert.ts) differentiates through: the generator's ops and the
 * spectral analysis / synthesis ops, first order, w.r.t. their inputs. `@tensorflow/tfjs-core` registers no gradients
 * (the `@tensorflow/tfjs` union does), and its `register_all_gradients` cannot load in Node (a directory import), so
 * the configs tfjs-core ships are imported one by one; bundlers and tsx resolve them. Comparisons and logical ops
 * (the IF's phase wrapping, leaky ReLU's mask) are piecewise constant: zero gradient (zero-gradients.ts; tfjs has none).
 * Registration is global and idempotent: a gradient already registered (by the trainer, or tfjs) is left alone,
 * except the four fixed below (GatherV2, Cumsum, Atan2, Sqrt), which replace tfjs's: same values where those work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerPiecewiseConstantGradients } from './zero-gradients.ts';
import { addGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Add_grad.js';
import { addNGradConfig } from '@tensorflow/tfjs-core/dist/gradients/AddN_grad.js';
import { batchMatMulGradConfig } from '@tensorflow/tfjs-core/dist/gradients/BatchMatMul_grad.js';
import { castGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Cast_grad.js';
import { concatGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Concat_grad.js';
import { conv2DGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Conv2D_grad.js';
import { cosGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Cos_grad.js';
import { expGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Exp_grad.js';
import { floorGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Floor_grad.js';
import { gatherGradConfig } from '@tensorflow/tfjs-core/dist/gradients/GatherV2_grad.js';
import { leakyReluGradConfig } from '@tensorflow/tfjs-core/dist/gradients/LeakyRelu_grad.js';
import { logGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Log_grad.js';
import { meanGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Mean_grad.js';
import { multiplyGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Multiply_grad.js';
import { padV2GradConfig } from '@tensorflow/tfjs-core/dist/gradients/PadV2_grad.js';
import { divGradConfig } from '@tensorflow/tfjs-core/dist/gradients/RealDiv_grad.js';
import { reshapeGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Reshape_grad.js';
import { resizeNearestNeighborGradConfig } from '@tensorflow/tfjs-core/dist/gradients/ResizeNearestNeighbor_grad.js';
import { reverseGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Reverse_grad.js';
import { rsqrtGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Rsqrt_grad.js';
import { selectGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Select_grad.js';
import { sinGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sin_grad.js';
import { sliceGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Slice_grad.js';
import { squareGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Square_grad.js';
import { subGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sub_grad.js';
import { sumGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sum_grad.js';
import { tanhGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Tanh_grad.js';
import { tileGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Tile_grad.js';
import { transposeGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Transpose_grad.js';
import { packGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Pack_grad.js';
import { unpackGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Unpack_grad.js';
import { negGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Neg_grad.js';
import { identityGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Identity_grad.js';
import { squaredDifferenceGradConfig } from '@tensorflow/tfjs-core/dist/gradients/SquaredDifference_grad.js';
import { maximumGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Maximum_grad.js';

/**
 * GatherV2 with one axis of 1-D indices (the mel products' gathers, spectral.ts applyMelMatrix): dx scatters dy back
 * with tf.scatterND, which sums repeated indices. tfjs's own config uses UnsortedSegmentSum, which the wasm backend
 * lacks; other gathers keep it.
 */
const GATHER_GRADIENT: tf.GradConfig = {
  kernelName: 'GatherV2',
  inputsToSave: ['x', 'indices'],
  gradFunc: (dy, saved, attrs) => {
    const [x, indices] = saved as [tf.Tensor, tf.Tensor];
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims?: number };
    if (indices.rank !== 1 || (batchDims ?? 0) !== 0) return gatherGradConfig.gradFunc(dy, saved, attrs);
    const ax = axis < 0 ? axis + x.rank : axis;
    const order = [ax, ...x.shape.map((_, i) => i).filter((i) => i !== ax)];
    const inverse = order.map((_, i) => order.indexOf(i));
    return {
      x: () => {
        const moved = tf.transpose(dy as tf.Tensor, order);
        const scattered = tf.scatterND(tf.reshape(indices, [-1, 1]), moved, order.map((i) => x.shape[i]!));
        return tf.transpose(scattered, inverse);
      },
      indices: () => tf.zerosLike(indices),
    };
  },
};

/**
 * Cumsum: dx = the reversed cumsum of dy along the same axis. tfjs 4.22's config transposes the result when the axis
 * is not the last, giving [b, bins, frames] for the IF's cumsum over frames (a shape error); this one does not.
 */
const CUMSUM_GRADIENT: tf.GradConfig = {
  kernelName: 'Cumsum',
  inputsToSave: ['x'],
  gradFunc: (dy, _saved, attrs) => {
    const { axis, exclusive, reverse } = attrs as unknown as { axis: number; exclusive: boolean; reverse: boolean };
    return { x: () => tf.cumsum(dy as tf.Tensor, axis, exclusive, !reverse) };
  },
};

/** Smallest denominator the two gradients below divide by: keeps 0/0 at silent bins finite (float32-normal). */
const TINY = 1e-30;

/**
 * Atan2 (the STFT's phase): d/dy = x/(x²+y²), d/dx = −y/(x²+y²), with TINY added to the denominator. tfjs's is NaN at
 * x = y = 0, which every all-zero frame (the STFT's front padding, a silent note) has, and one NaN poisons the whole
 * latent gradient. Same values elsewhere.
 */
const ATAN2_GRADIENT: tf.GradConfig = {
  kernelName: 'Atan2',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const denominator = () => tf.add(tf.add(tf.square(a), tf.square(b)), TINY);
    return {
      a: () => tf.mul(dy as tf.Tensor, tf.div(b, denominator())),
      b: () => tf.mul(dy as tf.Tensor, tf.div(tf.neg(a), denominator())),
    };
  },
};

/**
 * Sqrt: dy / (2·√x) with √x at least 1e-12: tfjs's is Infinity at x = 0 (a magnitude of an all-zero frame, mel→linear's
 * zero rows 0 and 1023), and Infinity · 0 is NaN downstream. Same values for √x ≥ 1e-12.
 */
const SQRT_GRADIENT: tf.GradConfig = {
  kernelName: 'Sqrt',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.maximum(tf.sqrt(saved[0]!), 1e-12), 2)) }),
};

/** Ours where tfjs's fails the inversion: registered over any other (same values where tfjs's is defined). */
const FIXED_CONFIGS: readonly tf.GradConfig[] = [GATHER_GRADIENT, CUMSUM_GRADIENT, ATAN2_GRADIENT, SQRT_GRADIENT];

const CONFIGS: readonly tf.GradConfig[] = [
  addGradConfig,
  addNGradConfig,
  batchMatMulGradConfig,
  castGradConfig,
  concatGradConfig,
  conv2DGradConfig,
  cosGradConfig,
  expGradConfig,
  floorGradConfig,
  leakyReluGradConfig,
  logGradConfig,
  meanGradConfig,
  multiplyGradConfig,
  padV2GradConfig,
  divGradConfig,
  reshapeGradConfig,
  resizeNearestNeighborGradConfig,
  reverseGradConfig,
  rsqrtGradConfig,
  selectGradConfig,
  sinGradConfig,
  sliceGradConfig,
  squareGradConfig,
  subGradConfig,
  sumGradConfig,
  tanhGradConfig,
  tileGradConfig,
  transposeGradConfig,
  packGradConfig,
  unpackGradConfig,
  negGradConfig,
  identityGradConfig,
  squaredDifferenceGradConfig,
  maximumGradConfig,
];

let registered = false;

/** Registers the gradients the inversion needs, once per realm (page, Worker, process). */
export function registerInversionGradients(): void {
  if (registered) return;
  for (const cfg of FIXED_CONFIGS) if (tf.getGradient(cfg.kernelName) !== cfg) tf.registerGradient(cfg);
  for (const cfg of CONFIGS) if (!tf.getGradient(cfg.kernelName)) tf.registerGradient(cfg);
  registerPiecewiseConstantGradients();
  registered = true;
}
