/**
 * Adapts the engine's renderers to the controller's {@link BankRenderer}: a RenderWorkerClient (rendering in a
 * Web Worker, when a worker URL is given: worker-bank-renderer.ts, which imports no tfjs) or a NoteRenderer on the
 * page's thread (here). Both render at the AudioContext's rate and report the model's name and whether it is
 * untrained (shown in the status line).
 */
import { selectBackendExplained, type BackendChoice } from '../engine/backend.ts';
import { NoteRenderer } from '../engine/renderer.ts';
import { loadModel, type LoadedModel } from '../engine/weights.ts';
import type { ClientInvertOptions } from '../engine/worker-client.ts';
import { type InvertedSound, invertWavBytes } from '../engine/invert.ts';
import { filesFetch } from '../engine/model-files.ts';
import type { BankRenderer, RenderBankOptions } from './audio-engine-controller.ts';
import { type RendererOptions, type SoundInverter, WorkerBankRenderer, backendChoiceOf } from './worker-bank-renderer.ts';

export { type RendererOptions, type SoundInverter, canInvert } from './worker-bank-renderer.ts';

/** The default: a Worker renderer when `workerUrl` is set, else a NoteRenderer on the page's thread. */
export function createBankRenderer(options: RendererOptions): BankRenderer {
  const backend = backendChoiceOf(options);
  return options.workerUrl ? new WorkerBankRenderer(options, backend) : new MainThreadBankRenderer(options, backend);
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
