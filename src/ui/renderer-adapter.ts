/**
 * Adapts the engine's renderers to the controller's {@link BankRenderer}: a RenderWorkerClient (rendering in a
 * Web Worker, when a worker URL is given) or a NoteRenderer on the page's thread. Both render at the
 * AudioContext's rate and report the model's name and whether it is untrained (shown in the status line).
 */
import { selectBackendExplained, type BackendChoice } from '../engine/backend.ts';
import { NoteRenderer } from '../engine/renderer.ts';
import { loadModel, type LoadedModel } from '../engine/weights.ts';
import { type ClientInvertOptions, RenderWorkerClient } from '../engine/worker-client.ts';
import { type InvertedSound, invertWavBytes } from '../engine/invert.ts';
import { filesFetch, type ModelFileMap } from '../engine/model-files.ts';
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

/** The default: a Worker renderer when `workerUrl` is set, else a NoteRenderer on the page's thread. */
export function createBankRenderer(options: RendererOptions): BankRenderer {
  const backend = (options.backend || 'auto') as BackendChoice;
  if (!BACKENDS.has(backend)) throw new Error(`unknown backend "${options.backend}" (webgpu, webgl, wasm, cpu or auto)`);
  return options.workerUrl ? new WorkerBankRenderer(options, backend) : new MainThreadBankRenderer(options, backend);
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
class WorkerBankRenderer implements BankRenderer, SoundInverter {
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

/** NoteRenderer with the model loaded here, so the model's name and training state are known. */
class MainThreadBankRenderer implements BankRenderer, SoundInverter {
  backend = '';
  backendReason = '';
  modelName: string | undefined;
  untrained: boolean | undefined;
  private model: LoadedModel | undefined;
  private renderer: NoteRenderer | undefined;

  constructor(private readonly options: RendererOptions, private readonly backendChoice: BackendChoice) {}

  async initialize(): Promise<void> {
    const selection = await selectBackendExplained(this.backendChoice, { wasmPath: this.options.wasmPath });
    this.backend = selection.backend;
    this.backendReason = selection.reason;
    // The backend must be chosen first: seeded weights are made as tensors on the current backend.
    const { modelFiles, onLoadProgress } = this.options;
    this.model = await loadModel(modelFiles ? '' : this.options.modelUrl, {
      ...(modelFiles ? { fetchFn: filesFetch(modelFiles) } : {}), ...(onLoadProgress ? { onProgress: onLoadProgress } : {}),
    });
    this.modelName = this.model.meta.name ?? this.options.modelUrl.replace(/^local:/, '');
    this.untrained = this.model.meta.untrained === true;
    this.renderer = new NoteRenderer({ model: this.model, sampleRateHz: this.options.sampleRateHz, backend: 'current' });
    await this.renderer.initialize();
  }

  get latentSize(): number {
    return this.model?.config.latentSize ?? 0;
  }

  async renderBank(latent: Float32Array, pitches: readonly number[], o: RenderBankOptions): Promise<void> {
    if (!this.renderer) throw new Error('renderer not initialised');
    const rate = this.options.sampleRateHz;
    await this.renderer.renderBank(latent, pitches, { signal: o.signal, onNote: (pitch, samples) => o.onNote(pitch, samples, rate) });
  }

  /** On the page's thread: invertSound yields a macrotask between steps, so the page stays responsive between them. */
  invert(bytes: Uint8Array, source: string, options: ClientInvertOptions): Promise<InvertedSound> {
    if (!this.model) return Promise.reject(new Error('renderer not initialised'));
    return invertWavBytes(this.model, bytes, source, options);
  }

  dispose(): void {
    this.renderer?.dispose();
    this.model?.dispose();
    this.renderer = this.model = undefined;
  }
}
