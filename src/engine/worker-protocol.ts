/**
 * Messages between a page and the render Worker (worker.ts ⇄ worker-client.ts). Note buffers travel in the
 * transfer list, never copied. Handlers `switch (m.type)` with a `never` default (STYLE.md §3).
 */
import type { BackendChoice } from './backend.ts';
import type { ResamplerOptions } from './resample.ts';
import type { InvertedSound } from './invert.ts';

/** invertWavBytes options that survive structured cloning. */
export interface WorkerInvertOptions {
  steps?: number;
  starts?: number;
  seed?: number;
  pitch?: number;
}

/** NoteRenderer options that survive structured cloning: the model is a URL the Worker fetches. */
export interface WorkerRendererOptions {
  /** Absolute model directory URL (worker-client resolves relative ones against the page); a label with `modelFiles`. */
  model: string;
  /** Files the user chose (model-files.ts: path → Blob; Blobs cross postMessage): the Worker loads the model from them. */
  modelFiles?: ReadonlyMap<string, Blob>;
  sampleRateHz: number;
  backend?: BackendChoice;
  maxBatch?: number;
  memoryBudgetBytes?: number;
  /** Absolute URL of tfjs-backend-wasm's .wasm files. */
  wasmPath?: string;
  resampler?: ResamplerOptions;
  /** loadModel's `cache` (Cache Storage in the Worker; default true). */
  cache?: boolean;
  /** loadModel's `toRgbHeSlope` override (default: the model's; Magenta checkpoints 1). */
  toRgbHeSlope?: number;
}

/** What the Worker reports once initialised. */
export interface RenderWorkerInfo {
  backend: string;
  /** Why that backend (selectBackendExplained's reason: software adapters passed over, wasm SIMD and threads…). */
  backendReason: string;
  maxBatch: number;
  /** Samples per note at sampleRateHz. */
  outputLength: number;
  sampleRateHz: number;
  /** The model's name (model.json meta.name, "Magenta GANSynth (…)"), else its config's name. */
  modelName: string;
  /** Where the batch bound came from (adapter limit), for the UI's status line. */
  limitSource: string;
  /** The loaded model's format ('gansynth-web/1' or 'magenta'), latent size, and whether it is seeded-untrained. */
  modelFormat: string;
  latentSize: number;
  untrained: boolean;
}

/** Page → Worker. */
export type ToRenderWorker =
  | { type: 'init'; options: WorkerRendererOptions }
  | { type: 'render'; id: number; latent: Float32Array; pitches: number[]; priority: number[] }
  /** Sound → preset (invert.ts invertWavBytes): the WAV file's bytes (transferred) and its name; cancelled by 'cancel'. */
  | { type: 'invert'; id: number; bytes: ArrayBuffer; source: string; options: WorkerInvertOptions }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

/** Worker → page. */
export type FromRenderWorker =
  | { type: 'ready'; info: RenderWorkerInfo }
  /** Model download progress (loadModel's onProgress), before 'ready'. */
  | { type: 'progress'; loadedBytes: number; totalBytes: number }
  | { type: 'note'; id: number; pitch: number; index: number; samples: Float32Array }
  | { type: 'done'; id: number }
  /** One inversion step (InversionProgress without the per-start losses). */
  | { type: 'invert-step'; id: number; step: number; steps: number; bestLoss: number; bestDistanceDb: number }
  | { type: 'inverted'; id: number; result: InvertedSound }
  /** id null: an init failure. name 'AbortError' for superseded or cancelled renders. */
  | { type: 'error'; id: number | null; name: string; message: string };

/** The part of a Worker / MessagePort / DedicatedWorkerGlobalScope both sides use. */
export interface RenderPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  /** MessagePort needs start() when used with addEventListener. */
  start?(): void;
}
