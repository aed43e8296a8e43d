/**
 * Backend choice for training. `auto` is the `gansynth` CLI's rule (src/node/backends.ts `useNodeBackend('auto')`:
 * tensorflow when tfjs-node(-gpu) is installed, else WebGPU on a hardware adapter, passing over a software one such as
 * SwiftShader by the shared `softwareAdapterName` rule), except that where the CLI would fall back to wasm, training
 * takes cpu: WASM is refused, it has no Conv2DBackpropFilter kernel, so it cannot compute weight gradients. A named
 * backend is used as asked (`webgpu` on SwiftShader included). On cpu, tfjs's Conv2DBackpropFilter is replaced by
 * ours (cpu-kernels.ts: the same results, faster).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type NodeBackendName, useNodeBackend } from 'gansynth-web/node/backends';
import { installFastCpuKernels } from './cpu-kernels.ts';
import { registerTrainingGradients } from './gradients.ts';

/** Backends the trainer accepts. */
export const TRAIN_BACKENDS = ['auto', 'tensorflow', 'webgpu', 'cpu'] as const;

/** Initialises `name` (or the first that works, for 'auto') and the gradient registry; returns the backend. */
export async function useTrainingBackend(name: string): Promise<NodeBackendName> {
  if (name === 'wasm') throw new Error('backend wasm cannot train (tfjs-backend-wasm has no Conv2DBackpropFilter); use cpu, webgpu or tensorflow');
  if (!(TRAIN_BACKENDS as readonly string[]).includes(name)) throw new Error(`--backend must be one of ${TRAIN_BACKENDS.join(', ')}, got '${name}'`);
  let chosen: NodeBackendName;
  if (name === 'auto') {
    // The CLI's rule (which goes on past a missing optional `webgpu` package); where it lands on wasm, cpu trains.
    const byCliRule = await useNodeBackend('auto').catch(() => null);
    chosen = byCliRule === 'tensorflow' || byCliRule === 'webgpu' ? byCliRule : await useNodeBackend('cpu');
  } else {
    chosen = await useNodeBackend(name as NodeBackendName);
  }
  await registerTrainingGradients();
  await tf.ready();
  if (chosen === 'cpu') installFastCpuKernels();
  return chosen;
}
