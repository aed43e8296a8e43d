/**
 * Backend choice for training: tensorflow (tfjs-node(-gpu), when installed) > webgpu (Dawn) > cpu. WASM is
 * refused: it has no Conv2DBackpropFilter kernel, so it cannot compute weight gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type NodeBackendName, useNodeBackend } from '../../../src/node/backends.ts';
import { registerTrainingGradients } from './gradients.ts';

/** Backends the trainer accepts. */
export const TRAIN_BACKENDS = ['auto', 'tensorflow', 'webgpu', 'cpu'] as const;

/** Initialises `name` (or the first that works, for 'auto') and the gradient registry; returns the backend. */
export async function useTrainingBackend(name: string): Promise<NodeBackendName> {
  if (name === 'wasm') throw new Error('backend wasm cannot train (tfjs-backend-wasm has no Conv2DBackpropFilter); use cpu, webgpu or tensorflow');
  if (!(TRAIN_BACKENDS as readonly string[]).includes(name)) throw new Error(`--backend must be one of ${TRAIN_BACKENDS.join(', ')}, got '${name}'`);
  let chosen: NodeBackendName | null = null;
  if (name === 'auto') {
    for (const b of ['tensorflow', 'webgpu', 'cpu'] as const) {
      try {
        chosen = await useNodeBackend(b);
        break;
      } catch {
        /* try the next */
      }
    }
    if (!chosen) throw new Error('no training backend could be initialised');
  } else {
    chosen = await useNodeBackend(name as NodeBackendName);
  }
  await registerTrainingGradients();
  await tf.ready();
  return chosen;
}
