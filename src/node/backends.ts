/**
 * tfjs backends in Node: `webgpu` through the `webgpu` package (Dawn; Vulkan → NVIDIA on a GPU machine,
 * SwiftShader on a CPU one), `wasm`, `cpu`, and `tensorflow` when `@tensorflow/tfjs-node(-gpu)` is installed
 * (optional peers; never required). Which one runs is the one selection policy (src/shared/backend-policy.ts); this
 * file supplies what a Node process has and starts it.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendEnvironment, type BackendOffer, type BackendPurpose, planBackends, runBackendPlan } from '../shared/backend-policy.ts';
import { probeWebgpu } from '../engine/adapter-probe.ts';

/** Backends a Node process can ask for. */
export type NodeBackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** The optional peers that provide the `tensorflow` backend, preferred in this order. */
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

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
    throw new Error(`the 'webgpu' package is not installed (npm install webgpu): ${(e as Error).message}`);
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis as { navigator?: object }).navigator, gpu }, configurable: true, writable: true });
  gpuInstalled = true;
}

/** Starts `name`; false (or a throw) when it cannot start here. */
async function tryBackend(name: NodeBackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow': {
      let lastError: unknown;
      for (const pkg of TENSORFLOW_PACKAGES) {
        try {
          await import(pkg);
          return await tf.setBackend('tensorflow');
        } catch (e) {
          lastError = e; // not installed, or its native library failed to load: try the next
        }
      }
      throw new Error(`neither ${TENSORFLOW_PACKAGES.join(' nor ')} loads: ${(lastError as Error)?.message ?? lastError}`);
    }
    case 'webgpu':
      await installNavigatorGpu();
      await import('@tensorflow/tfjs-backend-webgpu');
      return await tf.setBackend('webgpu');
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return await tf.setBackend('wasm');
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return await tf.setBackend('cpu');
    default: {
      const never: never = name;
      throw new Error(`unknown backend ${String(never)}`);
    }
  }
}

/** Whether `pkg` resolves from here (installed), without loading it (tfjs-node loads libtensorflow). */
function resolvable(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * The backends this process has, in the policy's terms: tensorflow when a tfjs-node package is installed, webgpu
 * with what its adapter probe finds (the same probe and software rule as a page: src/engine/adapter-probe.ts),
 * wasm and cpu. Only `auto` probes; an explicit choice just starts.
 */
async function nodeEnvironment(purpose: BackendPurpose, probe: boolean): Promise<BackendEnvironment> {
  let webgpu: BackendOffer = {};
  if (probe) {
    try {
      await installNavigatorGpu();
      webgpu = await probeWebgpu();
    } catch (e) {
      webgpu = { unavailable: (e as Error).message };
    }
  }
  const tensorflow = !probe || TENSORFLOW_PACKAGES.some(resolvable) ? {} : { unavailable: 'tfjs-node not installed' };
  return { purpose, backends: { tensorflow, webgpu, wasm: {}, cpu: {} } };
}

/** Backends a Node process has, in the policy's table order. */
export const NODE_BACKENDS: readonly NodeBackendName[] = Object.freeze(['tensorflow', 'webgpu', 'wasm', 'cpu']);

/** What selectNodeBackend chose, and why (one clause per backend considered, as a page's selection says). */
export interface NodeBackendSelection {
  readonly backend: NodeBackendName;
  readonly reason: string;
}

/**
 * Initialises `choice` for `purpose` by the one selection policy (src/shared/backend-policy.ts; README.md,
 * "Backends"): `auto` takes tensorflow when tfjs-node is installed, else webgpu on a hardware adapter, else wasm
 * (inference) or cpu (training), passing over a software WebGPU adapter (SwiftShader); an explicit choice starts
 * exactly that backend or throws naming it.
 */
export async function selectNodeBackend(choice: NodeBackendName | 'auto' = 'auto', purpose: BackendPurpose = 'inference'): Promise<NodeBackendSelection> {
  const plan = planBackends(choice, await nodeEnvironment(purpose, choice === 'auto'));
  const outcome = await runBackendPlan(plan, async (step) => {
    try {
      if (!(await tryBackend(step.backend as NodeBackendName))) return { ok: false, error: 'did not start' };
      await tf.ready();
      return { ok: true };
    } catch (e) {
      return { ok: false, error: (e as Error)?.message ?? String(e) };
    }
  });
  return { backend: outcome.backend as NodeBackendName, reason: outcome.reason };
}

/** `selectNodeBackend(name, 'inference').backend`: initialises a backend for inference and returns it. */
export async function useNodeBackend(name: NodeBackendName | 'auto' = 'auto'): Promise<NodeBackendName> {
  return (await selectNodeBackend(name, 'inference')).backend;
}
