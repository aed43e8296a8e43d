/**
 * tfjs backend selection in a page or Worker, and the batch-size rule: how many notes one generator call may hold
 * given the adapter's limits.
 *
 * Selection is the one policy of src/shared/backend-policy.ts (README.md, "Backends"): this file supplies what a
 * page or Worker has: the WebGPU adapter and a WebGL context, probed before tfjs opens either (adapter-probe.ts),
 * and tfjs-wasm with SIMD and, when the page is cross-origin isolated, threads (~1.5 s per paper note on one
 * thread). `selectBackendExplained` says why.
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
import { type BackendEnvironment, planBackends, runBackendPlan } from '../shared/backend-policy.ts';
import { probeWebgl, probeWebgpu, runningSoftwareAdapter } from './adapter-probe.ts';

export { type AdapterDescription, isSoftwareWebgpu, softwareAdapterName, webgpuAdapterDescription } from './adapter-probe.ts';
/** The selection policy's `auto` order (README.md, "Backends"), for pages that show or log it. */
export { AUTO_ORDER, type AutoRow } from '../shared/backend-policy.ts';

/** Backends a page or Worker can ask for; 'current' keeps whatever tfjs already runs (e.g. set up by Node). */
export type BackendChoice = 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'auto' | 'current';

/** A backend tfjs can be asked to start. */
type Startable = Exclude<BackendChoice, 'auto' | 'current'>;

/** tfjs-backend-wasm's pthread pool holds 8 Workers; asking for more threads than that spawns more mid-render. */
export const MAX_WASM_THREADS = 8;

/** Options of backend selection. */
export interface BackendSelectOptions {
  /** Where tfjs-backend-wasm's .wasm files are served (e.g. '/wasm/'); default: next to the bundle. */
  wasmPath?: string;
  /**
   * Threads of the wasm backend (1..8, counting the calling thread) when the page is cross-origin isolated;
   * default: `navigator.hardwareConcurrency` (at most 8). Takes effect on the first wasm start in a page or Worker.
   */
  wasmThreads?: number;
}

/** What the wasm backend runs with. */
export interface WasmFeatures {
  readonly simd: boolean;
  /** Threads XNNPACK uses, the calling one included (1 = single-threaded). */
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
}

/** The backend tfjs runs and why it was chosen, for the status line, logs and the bench. */
export interface BackendSelection {
  /** tfjs backend name: 'webgpu' | 'webgl' | 'wasm' | 'cpu' (or what 'current' found). */
  readonly backend: string;
  /**
   * One clause per backend considered, `; `-separated, e.g. 'webgpu: software adapter (SwiftShader) passed over;
   * webgl: software renderer (SwiftShader) passed over; wasm: SIMD, 2 threads'.
   */
  readonly reason: string;
  /** Set when the backend is wasm. */
  readonly wasm?: WasmFeatures;
  /** The software rasteriser the chosen GPU backend runs on (an explicit choice), e.g. 'SwiftShader'. */
  readonly softwareAdapter?: string;
}

/** The wasm thread count asked for: the option, else the logical cores (at most MAX_WASM_THREADS). */
function wantedWasmThreads(opts: BackendSelectOptions): number {
  const n = opts.wasmThreads ?? Math.min(MAX_WASM_THREADS, Math.max(1, (globalThis as { navigator?: Navigator }).navigator?.hardwareConcurrency ?? 1));
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) throw new RangeError(`wasmThreads must be an integer 1..${MAX_WASM_THREADS}, got ${n}`);
  return n;
}

/**
 * tfjs-backend-wasm 4.22 caps its threads at navigator.hardwareConcurrency / 2 (it assumes two hyperthreads per
 * core), read once while the module instantiates: 1 thread on a 2-core machine whatever setThreadsCount says. For
 * the duration of the start, report enough cores for the count asked for; returns the function that undoes it.
 */
function allowWasmThreads(threads: number): () => void {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (!nav || threads <= Math.floor((nav.hardwareConcurrency ?? 0) / 2)) return () => {};
  Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  return () => delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
}

/** Starts tfjs-backend-wasm with SIMD and threads where the browser allows them. */
async function startWasm(opts: BackendSelectOptions): Promise<WasmFeatures | null> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Paths and threads can only be set before the module first starts in this thread (tfjs throws after): a second
  // renderer on the same page reuses the running module as it is.
  const started = tf.findBackend('wasm') !== null;
  if (opts.wasmPath && !started) {
    try {
      wasm.setWasmPaths(opts.wasmPath);
    } catch (e) {
      // tfjs-backend-wasm fixes its paths at the first start, even one that failed (e.g. .wasm files not found).
      throw new Error(`an earlier start of the wasm backend in this page or Worker failed, and its .wasm path cannot change now (${(e as Error).message})`);
    }
  }
  const threads = wantedWasmThreads(opts);
  if (!started) wasm.setThreadsCount(threads);
  const restore = started ? () => {} : allowWasmThreads(threads);
  try {
    if (!(await tf.setBackend('wasm'))) return null;
    await tf.ready();
  } finally {
    restore();
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { simd, threads: wasm.getThreadsCount(), crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true };
}

/** Pure: the clause of a reason describing the wasm backend, e.g. 'SIMD, 2 threads'. */
export function describeWasm(f: WasmFeatures): string {
  const threads = `${f.threads} thread${f.threads === 1 ? '' : 's'}`;
  const why = f.crossOriginIsolated ? '' : ' (not cross-origin isolated: no threads)';
  return `${f.simd ? 'SIMD' : 'no SIMD'}, ${threads}${why}`;
}

async function startGpu(name: 'webgpu' | 'webgl'): Promise<boolean> {
  if (name === 'webgpu') {
    if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return false;
    await import('@tensorflow/tfjs-backend-webgpu');
  } else {
    await import('@tensorflow/tfjs-backend-webgl');
  }
  if (!(await tf.setBackend(name))) return false;
  await tf.ready();
  return true;
}

/** Starts `name`; when it cannot start here, says why (for the reason). A bad option (RangeError) is thrown. */
async function start(name: Startable, opts: BackendSelectOptions): Promise<{ ok: true; wasm?: WasmFeatures } | { ok: false; error: string }> {
  try {
    switch (name) {
      case 'webgpu':
      case 'webgl':
        return (await startGpu(name)) ? { ok: true } : { ok: false, error: 'did not start' };
      case 'wasm': {
        const f = await startWasm(opts);
        return f ? { ok: true, wasm: f } : { ok: false, error: 'did not start' };
      }
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        return (await tf.setBackend('cpu')) ? { ok: true } : { ok: false, error: 'did not start' };
      default: {
        const never: never = name;
        throw new Error(`unknown backend ${String(never)}`);
      }
    }
  } catch (e) {
    if (e instanceof RangeError) throw e; // a bad option, not a backend that cannot start
    return { ok: false, error: (e as Error)?.message ?? String(e) };
  }
}

let lastSelection: BackendSelection | undefined;

/** Why tfjs runs its current backend, when selectBackend(Explained) chose it in this page or Worker. */
export function currentBackendSelection(): BackendSelection | undefined {
  return lastSelection && lastSelection.backend === tf.getBackend() ? lastSelection : undefined;
}

/** The backends a page or Worker has, in the policy's terms; under `auto` with what the adapter probes found. */
async function pageEnvironment(probe: boolean): Promise<BackendEnvironment> {
  return {
    purpose: 'inference',
    backends: {
      webgpu: probe ? await probeWebgpu() : {},
      webgl: probe ? probeWebgl() : {},
      wasm: {},
      cpu: {},
    },
  };
}

/**
 * Runs the one selection policy (src/shared/backend-policy.ts) here: `auto` probes the adapters before tfjs opens a
 * device, so a software one costs no shader compile; an explicit choice starts exactly that backend, on a software
 * adapter too, and throws naming it when it cannot start.
 */
async function selectByPolicy(name: Startable | 'auto', opts: BackendSelectOptions): Promise<BackendSelection> {
  const plan = planBackends(name, await pageEnvironment(name === 'auto'));
  const outcome = await runBackendPlan<{ wasm?: WasmFeatures; software?: string }>(plan, async (step) => {
    const r = await start(step.backend as Startable, opts);
    if (!r.ok) return r;
    if (r.wasm) return { ok: true, clause: `wasm: ${plan.explicit ? 'as asked; ' : ''}${describeWasm(r.wasm)}`, value: { wasm: r.wasm } };
    const software = plan.explicit ? runningSoftwareAdapter(step.backend) : null;
    if (software) return { ok: true, clause: `${step.clause} (software ${step.backend === 'webgl' ? 'renderer' : 'adapter'}: ${software})`, value: { software } };
    return { ok: true };
  });
  const software = outcome.software ?? outcome.value?.software;
  return {
    backend: outcome.backend, reason: outcome.reason,
    ...(outcome.value?.wasm ? { wasm: outcome.value.wasm } : {}), ...(software ? { softwareAdapter: software } : {}),
  };
}

/**
 * Initialises `choice` and says why: 'auto' passes over software GPU adapters (see selectAuto) for wasm; an
 * explicit choice starts exactly that backend, on a software adapter too, and throws naming it when it cannot
 * start; 'current' keeps what tfjs runs.
 */
export async function selectBackendExplained(choice: BackendChoice = 'auto', opts: BackendSelectOptions = {}): Promise<BackendSelection> {
  wantedWasmThreads(opts); // validate at the boundary
  let selection: BackendSelection;
  if (choice === 'current') {
    await tf.ready();
    selection = currentBackendSelection() ?? { backend: tf.getBackend(), reason: `${tf.getBackend()}: kept (already running)` };
  } else {
    selection = await selectByPolicy(choice, opts);
  }
  lastSelection = selection;
  return selection;
}

/** `selectBackendExplained(choice, opts).backend`: the backend tfjs now runs. */
export async function selectBackend(choice: BackendChoice = 'auto', opts: BackendSelectOptions = {}): Promise<string> {
  return (await selectBackendExplained(choice, opts)).backend;
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
  /**
   * Upper bound from the caller (default 8 on GPUs, 1 on wasm/cpu: batches of 4 on wasm made the paper bank only 2 %
   * faster, 71.2 s vs 72.9 s, `FIRST_SOUND_CASES=auto,auto-b4 npm run bench -- first-sound`, not worth a superseded
   * render running 4 notes on before it stops).
   */
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
