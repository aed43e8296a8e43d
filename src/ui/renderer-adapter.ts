/**
 * Adapts the engine's NoteRenderer (main thread) to the controller's {@link BankRenderer}: picks the tfjs
 * backend, loads the model (keeping its meta: name, untrained) and renders at the AudioContext's rate.
 */
import { selectBackend, type BackendChoice } from '../engine/backend.ts';
import { NoteRenderer } from '../engine/renderer.ts';
import { loadModel, type LoadedModel } from '../engine/weights.ts';
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
}

const BACKENDS = new Set(['webgpu', 'webgl', 'wasm', 'cpu', 'auto']);

/** The default: a NoteRenderer on the page's thread. */
export function createBankRenderer(options: RendererOptions): BankRenderer {
  const backend = (options.backend || 'auto') as BackendChoice;
  if (!BACKENDS.has(backend)) throw new Error(`unknown backend "${options.backend}" (webgpu, webgl, wasm, cpu or auto)`);
  return new MainThreadBankRenderer(options, backend);
}

/** NoteRenderer with the model loaded here, so the model's name and training state are known. */
class MainThreadBankRenderer implements BankRenderer {
  backend = '';
  modelName: string | undefined;
  untrained: boolean | undefined;
  private model: LoadedModel | undefined;
  private renderer: NoteRenderer | undefined;

  constructor(private readonly options: RendererOptions, private readonly backendChoice: BackendChoice) {}

  async initialize(): Promise<void> {
    this.backend = await selectBackend(this.backendChoice, { wasmPath: this.options.wasmPath });
    // The backend must be chosen first: seeded weights are made as tensors on the current backend.
    this.model = await loadModel(this.options.modelUrl);
    this.modelName = this.model.meta.name ?? this.options.modelUrl;
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

  dispose(): void {
    this.renderer?.dispose();
    this.model?.dispose();
    this.renderer = this.model = undefined;
  }
}
