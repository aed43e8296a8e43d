/**
 * tfjs backend selection in a page or Worker (webgpu > webgl > wasm > cpu, the first that initialises) and the
 * batch-size rule: how many notes one generator call may hold given the adapter's limits.
 *
 * Batch rule (documented in src/engine/README.md): per note, the largest single activation of the generator is
 * max over blocks of H·W·max(inCh, outCh)·4 bytes (paper: block 7's upscaled input, 128·1024·64·4 = 33.5 MB), and
 * on WebGL, whose conv2d materialises im2col, H·W·k²·inCh·4 bytes (paper: 302 MB). A batch must fit
 *   - webgpu: one buffer ≤ min(maxStorageBufferBindingSize, maxBufferSize) of the device tfjs opened;
 *   - webgl: one texture ≤ MAX_TEXTURE_SIZE² RGBA texels (4 floats each, packed);
 *   - all: peak live activations (≈ 3 × the largest: input, output, a temporary) ≤ memoryBudgetBytes.
 * When not even one note's im2col fits a WebGL texture, WEBGL_CONV_IM2COL is turned off (direct conv).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, blockShape } from '../shared/model-config.ts';

/** Backends a page or Worker can ask for; 'current' keeps whatever tfjs already runs (e.g. set up by Node). */
export type BackendChoice = 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'auto' | 'current';

/** Preference order of 'auto'. */
export const AUTO_BACKEND_ORDER: readonly BackendChoice[] = Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu']);

/** Options of backend selection. */
export interface BackendSelectOptions {
  /** Where tfjs-backend-wasm's .wasm files are served (e.g. '/wasm/'); default: next to the bundle. */
  wasmPath?: string;
}

async function tryBackend(name: Exclude<BackendChoice, 'auto' | 'current'>, opts: BackendSelectOptions): Promise<boolean> {
  try {
    switch (name) {
      case 'webgpu':
        if (typeof navigator === 'undefined' || !(navigator as { gpu?: unknown }).gpu) return false;
        await import('@tensorflow/tfjs-backend-webgpu');
        break;
      case 'webgl':
        await import('@tensorflow/tfjs-backend-webgl');
        break;
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (opts.wasmPath) wasm.setWasmPaths(opts.wasmPath);
        break;
      }
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        break;
      default: {
        const never: never = name;
        throw new Error(`unknown backend ${String(never)}`);
      }
    }
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return true;
  } catch {
    return false;
  }
}

/**
 * Initialises `choice` (or, for 'auto', the first of webgpu > webgl > wasm > cpu that works) and returns the
 * backend tfjs now runs. Throws naming the backend when an explicit choice cannot start.
 */
export async function selectBackend(choice: BackendChoice = 'auto', opts: BackendSelectOptions = {}): Promise<string> {
  if (choice === 'current') {
    await tf.ready();
    return tf.getBackend();
  }
  const order = choice === 'auto' ? AUTO_BACKEND_ORDER : [choice];
  for (const name of order) {
    if (await tryBackend(name as Exclude<BackendChoice, 'auto' | 'current'>, opts)) return name;
  }
  throw new Error(choice === 'auto' ? 'no tfjs backend could be initialised (tried webgpu, webgl, wasm, cpu)' : `backend ${choice} could not be initialised here`);
}

/** What bounds a batch on the current backend. */
export interface BackendLimits {
  readonly backend: string;
  /** Largest single tensor, bytes (buffer or texture capacity). */
  readonly maxTensorBytes: number;
  /** Where maxTensorBytes came from, for logs and the bench. */
  readonly source: string;
}

/** Default budget for live activations of one batch (bytes). */
export const DEFAULT_MEMORY_BUDGET_BYTES = 1024 * 1024 * 1024;

/** Reads the limits of the backend tfjs currently runs. */
export function backendLimits(): BackendLimits {
  const backend = tf.getBackend();
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (device) {
      const { maxStorageBufferBindingSize, maxBufferSize } = device.limits;
      return { backend, maxTensorBytes: Math.min(maxStorageBufferBindingSize, maxBufferSize), source: `webgpu maxStorageBufferBindingSize ${maxStorageBufferBindingSize}, maxBufferSize ${maxBufferSize}` };
    }
  }
  if (backend === 'webgl') {
    const maxTexture = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
    return { backend, maxTensorBytes: maxTexture * maxTexture * 4 * 4, source: `webgl MAX_TEXTURE_SIZE ${maxTexture} (RGBA float texels)` };
  }
  // wasm: 32-bit heap; cpu: JS typed arrays (2^31 - 1 elements). Neither gains from big batches.
  return { backend, maxTensorBytes: 2 ** 31 - 1, source: `${backend}: typed-array/heap bound` };
}

/** Activation sizes of one note through the generator (float32 bytes). */
export interface NoteActivationBytes {
  /** Largest single activation (upscaled input or conv output). */
  readonly largestActivation: number;
  /** Largest im2col matrix a materialising conv2d (WebGL) builds: H·W·k²·inCh. */
  readonly largestIm2col: number;
}

/** Computes `NoteActivationBytes` from the config (no hard-coded model sizes). */
export function noteActivationBytes(config: ModelConfig): NoteActivationBytes {
  let largestActivation = 0;
  let largestIm2col = 0;
  const k2 = config.kernelSize * config.kernelSize;
  config.filters.forEach((outCh, i) => {
    const [h, w] = blockShape(config, i + 1);
    const inCh = i === 0 ? outCh : config.filters[i - 1]!;
    largestActivation = Math.max(largestActivation, h * w * Math.max(inCh, outCh) * 4);
    largestIm2col = Math.max(largestIm2col, h * w * k2 * Math.max(inCh, outCh) * 4);
  });
  return { largestActivation, largestIm2col };
}

/** Inputs of the batch rule. */
export interface BatchRuleOptions {
  /** Upper bound from the caller (default 8 on GPUs, 1 on wasm/cpu where batching gains nothing). */
  maxBatch?: number;
  memoryBudgetBytes?: number;
}

/**
 * The largest batch the current backend can take for `config` under the rule in this file's header. Always ≥ 1
 * (a single note that does not fit still gets its chance, and the backend's own error explains it).
 */
export function maxBatchFor(config: ModelConfig, limits: BackendLimits, opts: BatchRuleOptions = {}): number {
  const gpu = limits.backend === 'webgpu' || limits.backend === 'webgl';
  const cap = opts.maxBatch ?? (gpu ? 8 : 1);
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`maxBatch must be a positive integer, got ${cap}`);
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  const act = noteActivationBytes(config);
  const single = limits.backend === 'webgl' && tf.env().getBool('WEBGL_CONV_IM2COL') ? Math.max(act.largestActivation, act.largestIm2col) : act.largestActivation;
  const byTensor = Math.floor(limits.maxTensorBytes / single);
  const byBudget = Math.floor(budget / (3 * single));
  return Math.max(1, Math.min(cap, byTensor, byBudget));
}

/**
 * On WebGL, turns im2col off when one note's im2col matrix would not fit a texture (the direct conv kernel
 * needs no extra memory). Returns whether it changed the flag.
 */
export function fitWebglConvToLimits(config: ModelConfig, limits: BackendLimits): boolean {
  if (limits.backend !== 'webgl' || !tf.env().getBool('WEBGL_CONV_IM2COL')) return false;
  if (noteActivationBytes(config).largestIm2col <= limits.maxTensorBytes) return false;
  tf.env().set('WEBGL_CONV_IM2COL', false);
  return true;
}

/** "vendor architecture" of the WebGPU adapter tfjs runs on ('' on other backends or when unknown). */
export function webgpuAdapterDescription(): string {
  if (tf.getBackend() !== 'webgpu') return '';
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return [info?.vendor, info?.architecture].filter(Boolean).join(' ');
}

/**
 * True when tfjs runs WebGPU on a software rasteriser (SwiftShader, llvmpipe/lavapipe): there a `paper` note takes
 * minutes (measured ~0.04–0.3 GFLOP/s), slower than tfjs-wasm on the same CPU.
 */
export function isSoftwareWebgpu(): boolean {
  return /swiftshader|llvmpipe|lavapipe|software/i.test(webgpuAdapterDescription());
}
