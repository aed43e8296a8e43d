/**
 * tfjs backends in Node: `webgpu` through the `webgpu` package (Dawn; Vulkan → NVIDIA on a GPU machine,
 * SwiftShader on a CPU one), `wasm`, `cpu`, and `tensorflow` when `@tensorflow/tfjs-node(-gpu)` is installed
 * (optional peers; never required). One call per process picks and initialises a backend.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isSoftwareWebgpu } from '../engine/backend.ts';

/** Backends a Node process can ask for. */
export type NodeBackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/**
 * Vulkan ICDs tried, in order, when none was chosen: Chromium's SwiftShader (Debian package `chromium`), then the
 * one @sparticuz/chromium unpacks into the temp folder.
 */
const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', join(tmpdir(), 'vk_swiftshader_icd.json')];

/**
 * Points Vulkan at SwiftShader when no ICD was chosen, so Dawn finds an adapter on a CPU-only machine (Debian's
 * Mesa lavapipe is too old for Dawn). On a GPU machine set VK_DRIVER_FILES to the vendor's ICD, e.g. NVIDIA's.
 */
function ensureVulkanIcd(): void {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
  if (icd) process.env.VK_ICD_FILENAMES = icd;
}

let gpuInstalled = false;
async function installNavigatorGpu(): Promise<void> {
  if (gpuInstalled) return;
  ensureVulkanIcd();
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new Error(`backend webgpu needs the 'webgpu' package (npm install webgpu): ${(e as Error).message}`);
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis as { navigator?: object }).navigator, gpu }, configurable: true, writable: true });
  gpuInstalled = true;
}

async function tryBackend(name: NodeBackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow': {
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          await import(pkg);
          return await tf.setBackend('tensorflow');
        } catch {
          /* not installed */
        }
      }
      return false;
    }
    case 'webgpu':
      await installNavigatorGpu();
      await import('@tensorflow/tfjs-backend-webgpu');
      return await tf.setBackend('webgpu').catch(() => false);
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return await tf.setBackend('wasm').catch(() => false);
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return await tf.setBackend('cpu');
    default: {
      const never: never = name;
      throw new Error(`unknown backend ${String(never)}`);
    }
  }
}

/**
 * Initialises `name`, or the first that works of tensorflow > webgpu > wasm > cpu when `name` is 'auto'; `auto`
 * passes over a software WebGPU adapter (SwiftShader: ~0.01–0.3 GFLOP/s measured, far slower than wasm on the same
 * CPU). Throws with the reason when a named backend cannot start. Returns the backend in use.
 */
export async function useNodeBackend(name: NodeBackendName | 'auto' = 'auto'): Promise<NodeBackendName> {
  const order: NodeBackendName[] = name === 'auto' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : [name];
  for (const b of order) {
    let started: boolean;
    try {
      started = await tryBackend(b);
    } catch (e) {
      // A named backend says why it cannot start; `auto` goes on (e.g. the optional `webgpu` package not installed).
      if (name !== 'auto') throw e;
      started = false;
    }
    if (started) {
      await tf.ready();
      if (name === 'auto' && b === 'webgpu' && isSoftwareWebgpu()) continue;
      return b;
    }
  }
  throw new Error(`backend ${name} could not be initialised on this machine`);
}
