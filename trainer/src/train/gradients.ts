/**
 * Registers tfjs gradient functions for training. `@tensorflow/tfjs-core` (unlike the `@tensorflow/tfjs` union)
 * registers none, so tf.grad would fail with "gradient function not found for Sum". We load tfjs-core's own
 * gradient configs (dist/gradients/*_grad.js, ESM; tsx resolves their extensionless imports) and register them
 * with the core package we use; tfjs keeps its registries on globalThis, so both module copies share them.
 *
 * The WGAN-GP penalty differentiates a gradient (second order). Leaky ReLU's gradient is
 * where(x > 0, dy, α·dy): the Greater mask has no registered gradient, so second-order backprop through it
 * failed; comparisons are piecewise constant, so their gradient is zero (gansynth-web/engine/zero-gradients, shared
 * with the latent inversion). AvgPool's gradient kernel (AvgPoolGrad) has none either; it is linear in dy,
 * dx = Aᵀ·dy for the pooling map A, so its own gradient is A, i.e. avgPool of the incoming gradient, which we
 * register too: D box-downscales with tf.avgPool inside the penalty (discriminator.ts `boxDownscale`).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { registerPiecewiseConstantGradients } from 'gansynth-web/engine/zero-gradients';

/** Prod_grad.js imports '../gradients', which Node cannot resolve (file and folder share the name); unused here. */
const SKIPPED = new Set(['Prod_grad.js']);

/** Gradient of AvgPoolGrad(dy, input) w.r.t. dy: avgPool with the same window (the adjoint of its adjoint). */
const AVG_POOL_GRAD_GRADIENT: tf.GradConfig = {
  kernelName: 'AvgPoolGrad',
  inputsToSave: ['input'],
  gradFunc: (ddx, saved, attrs) => {
    const { filterSize, strides, pad } = attrs as unknown as { filterSize: [number, number]; strides: [number, number]; pad: 'valid' | 'same' | number };
    return { dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad), input: () => tf.zerosLike(saved[0]!) };
  },
};

let registered = false;

/** Registers every gradient the trainer needs, once per process. */
export async function registerTrainingGradients(): Promise<void> {
  if (registered) return;
  // Already registered when tfjs-core's register_all_gradients ran (the @tensorflow/tfjs union, or a bundle such as
  // bench/gpu's that imports it): then there is no node_modules folder to scan, and nothing to add but the gradients below.
  // AvgPool, not Conv2D: the latent inversion (src/engine/invert-gradients.ts) registers Conv2D and the other ops it
  // needs, and a process that ran it first (npm run bench runs invert before training) still needs the rest.
  if (!tf.getGradient('AvgPool')) await registerFromTfjsCoreFolder();
  if (!tf.getGradient('AvgPoolGrad')) tf.registerGradient(AVG_POOL_GRAD_GRADIENT);
  registerPiecewiseConstantGradients();
  registered = true;
}

/** Imports every dist/gradients/*_grad.js of tfjs-core and registers its configs. */
async function registerFromTfjsCoreFolder(): Promise<void> {
  const require = createRequire(import.meta.url);
  const coreDir = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  const gradDir = join(coreDir, 'dist', 'gradients');
  for (const file of readdirSync(gradDir).sort()) {
    if (!file.endsWith('_grad.js') || SKIPPED.has(file)) continue;
    const mod = (await import(pathToFileURL(join(gradDir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const cfg = value as tf.GradConfig | undefined;
      if (cfg && typeof cfg === 'object' && typeof cfg.kernelName === 'string' && !tf.getGradient(cfg.kernelName)) tf.registerGradient(cfg);
    }
  }
}
