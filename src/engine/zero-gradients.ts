/**
 * Zero gradients for tfjs's boolean-valued kernels (comparisons and logical ops). They are piecewise constant, so
 * their gradient is zero, but tfjs registers none: a backward pass through a mask (leaky ReLU's `x > 0`, the IF's
 * phase wrapping) fails with "gradient function not found". Used by the latent inversion (invert-gradients.ts) and
 * the trainer's second-order WGAN-GP penalty (trainer/src/train/gradients.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Boolean-valued kernels: zero gradient w.r.t. every input. */
export const PIECEWISE_CONSTANT_KERNELS = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot'] as const;

/**
 * Registers the zero gradient of each kernel above that has none yet (idempotent; one registry per realm). Float32
 * zeros of the input's shape: tfjs refuses a gradient of another dtype, and a logical op's inputs are bool.
 */
export function registerPiecewiseConstantGradients(): void {
  for (const kernelName of PIECEWISE_CONSTANT_KERNELS) {
    if (tf.getGradient(kernelName)) continue;
    const unary = kernelName === 'LogicalNot';
    tf.registerGradient({
      kernelName,
      inputsToSave: unary ? ['x'] : ['a', 'b'],
      gradFunc: (_dy, saved): Record<string, () => tf.Tensor> => (unary
        ? { x: () => tf.zeros(saved[0]!.shape) }
        : { a: () => tf.zeros(saved[0]!.shape), b: () => tf.zeros(saved[1]!.shape) }),
    });
  }
}
