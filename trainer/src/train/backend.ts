/**
 * Backend choice for training: the one selection policy (gansynth-web's src/shared/backend-policy.ts, README.md
 * "Backends") with purpose 'training', started by the `gansynth` CLI's Node runtime (src/node/backends.ts): `auto`
 * takes tensorflow when tfjs-node(-gpu) is installed, else WebGPU on a hardware adapter, else cpu, passing over a
 * software adapter such as SwiftShader; wasm is refused (no Conv2DBackpropFilter kernel, so no weight gradients). A
 * named backend is used as asked (`webgpu` on SwiftShader included). On cpu, tfjs's Conv2DBackpropFilter is
 * replaced by ours (cpu-kernels.ts: the same results, faster).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendChoices } from 'gansynth-web/shared/backend-policy';
import { NODE_BACKENDS, type NodeBackendName, type NodeBackendSelection, selectNodeBackend } from 'gansynth-web/node/backends';
import { installFastCpuKernels } from './cpu-kernels.ts';
import { registerTrainingGradients } from './gradients.ts';

/** Backends the trainer accepts: 'auto' and Node's backends that can train, in the policy's order. */
export const TRAIN_BACKENDS = backendChoices(NODE_BACKENDS, 'training');

/** useTrainingBackend with the reason line of the choice. */
export async function selectTrainingBackend(name: string): Promise<NodeBackendSelection> {
  if (name !== 'wasm' && !(TRAIN_BACKENDS as readonly string[]).includes(name)) throw new Error(`--backend must be one of ${TRAIN_BACKENDS.join(', ')}, got '${name}'`);
  const selection = await selectNodeBackend(name as NodeBackendName | 'auto', 'training');
  await registerTrainingGradients();
  await tf.ready();
  if (selection.backend === 'cpu') installFastCpuKernels();
  return selection;
}

/** Initialises `name` (or the first that works, for 'auto') and the gradient registry; returns the backend. */
export async function useTrainingBackend(name: string): Promise<NodeBackendName> {
  return (await selectTrainingBackend(name)).backend;
}
