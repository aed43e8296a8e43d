/**
 * The Worker half of the renderer adapter (renderer-adapter.ts): a RenderWorkerClient as the controller's
 * {@link BankRenderer}. Imports no tfjs, so code that always renders in a Worker (the WAM plugin) can use it without
 * bundling the engine.
 */
import type { BackendChoice } from '../engine/backend.ts';
import { type ClientInvertOptions, RenderWorkerClient } from '../engine/worker-client.ts';
import type { InvertedSound } from '../engine/invert.ts';
import type { ModelFileMap } from '../engine/model-files.ts';
import type { BankRenderer, RenderBankOptions } from './audio-engine-controller.ts';

/** What the instrument knows when it makes a renderer. */
export interface RendererOptions {
  /** Model directory URL. */
  readonly modelUrl: string;
  /** Rate of the buffers (the AudioContext's). */
  readonly sampleRateHz: number;
  /** tfjs backend; empty or 'auto' = webgpu > webgl > wasm > cpu. */
  readonly backend?: string;
  /** Where tfjs-backend-wasm's .wasm files are served. */
  readonly wasmPath?: string;
  /** A render-worker.js URL: render off the main thread when the engine provides a worker client. */
  readonly workerUrl?: string;
  /** The model's files chosen by the user (then `modelUrl` is only a label). */
  readonly modelFiles?: ModelFileMap;
  /** Weight download progress. */
  readonly onLoadProgress?: (loadedBytes: number, totalBytes: number) => void;
}

const BACKENDS = new Set(['webgpu', 'webgl', 'wasm', 'cpu', 'auto']);

/** The backend option as a BackendChoice; throws naming the value when it is none. */
export function backendChoiceOf(options: RendererOptions): BackendChoice {
  const backend = (options.backend || 'auto') as BackendChoice;
  if (!BACKENDS.has(backend)) throw new Error(`unknown backend "${options.backend}" (webgpu, webgl, wasm, cpu or auto)`);
  return backend;
}

/** A renderer in a Worker: `options.workerUrl` must be set. */
export function createWorkerBankRenderer(options: RendererOptions): BankRenderer & SoundInverter {
  if (!options.workerUrl) throw new Error('createWorkerBankRenderer: workerUrl is required');
  return new WorkerBankRenderer(options, backendChoiceOf(options));
}

/** A renderer that can also turn a WAV file into a latent (sound → preset) on its model and backend. */
export interface SoundInverter {
  invert(bytes: Uint8Array, source: string, options: ClientInvertOptions): Promise<InvertedSound>;
}

/** True when `r` can invert sounds (both renderers made here can; a host's own BankRenderer may not). */
export function canInvert(r: unknown): r is SoundInverter {
  return typeof (r as Partial<SoundInverter> | undefined)?.invert === 'function';
}

/** RenderWorkerClient: the generator runs in a Worker, so rendering never blocks the page. */
export class WorkerBankRenderer implements BankRenderer, SoundInverter {
  backend = '';
  backendReason = '';
  modelName: string | undefined;
  untrained: boolean | undefined;
  latentSize = 0;
  private readonly client: RenderWorkerClient;

  constructor(private readonly options: RendererOptions, backend: BackendChoice) {
    this.client = new RenderWorkerClient(options.workerUrl!, {
      model: options.modelFiles ? '' : options.modelUrl, sampleRateHz: options.sampleRateHz, backend,
      ...(options.modelFiles ? { modelFiles: options.modelFiles } : {}),
      ...(options.wasmPath ? { wasmPath: options.wasmPath } : {}),
      ...(options.onLoadProgress ? { onLoadProgress: options.onLoadProgress } : {}),
    });
  }

  async initialize(): Promise<void> {
    const info = await this.client.initialize();
    this.backend = info.backend;
    this.backendReason = info.backendReason;
    this.modelName = info.modelName;
    this.untrained = info.untrained;
    this.latentSize = info.latentSize;
  }

  async renderBank(latent: Float32Array, pitches: readonly number[], o: RenderBankOptions): Promise<void> {
    const rate = this.options.sampleRateHz;
    await this.client.renderBank(latent, pitches, { signal: o.signal, onNote: (pitch, samples) => o.onNote(pitch, samples, rate) });
  }

  /** In the Worker, like the renders. */
  invert(bytes: Uint8Array, source: string, options: ClientInvertOptions): Promise<InvertedSound> {
    return this.client.invert(bytes, source, options);
  }

  dispose(): void {
    this.client.dispose();
  }
}

