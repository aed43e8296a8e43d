/**
 * The plugin's main-thread half: the same AudioEngineController, SoundController and ModelLoader as the element,
 * driving the WamNode's voices. The bank renders in the render Worker (GPU side); morph and preset moves that the
 * processor reports re-render it through the element's render scheduler, so held notes crossfade as in the element.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { AudioEngineController } from '../ui/audio-engine-controller.ts';
import { loadPresetBankFile, savePresetBankFile } from '../ui/bank-file.ts';
import { ModelLoader, type LoadedModelInfo } from '../ui/model-loader.ts';
import { createWorkerBankRenderer } from '../ui/worker-bank-renderer.ts';
import { SoundController } from '../ui/sound-controller.ts';
import { PITCH_MAX, PITCH_MIN } from '../shared/constants.ts';
import type { GansynthWamNode } from './node.ts';
import { PARAM } from './params.ts';
import { parseWamState, type WamOptions, type WamState } from './state.ts';

/** Where the plugin finds what it loads besides itself: dist/render-worker.js, dist/wasm/, models/default/. */
export interface PluginUrls {
  readonly renderWorker: string;
  readonly wasm: string;
  readonly builtinModel: string;
}

/** A module Worker started from `url` even when that is another origin (a host loads plugins from anywhere). */
function workerShimUrl(url: string): string {
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(url)};`], { type: 'text/javascript' }));
}

/** What the GUI shows. */
export interface InstrumentStatus {
  readonly backend: string;
  readonly backendReason: string;
  readonly bankDone: number;
  readonly bankTotal: number;
  readonly model: string;
  readonly untrained: boolean;
  readonly notice: string;
  readonly loading: string;
  readonly error: string;
}

/** See the module comment. */
export class WamInstrument implements ReactiveControllerHost {
  readonly engine: AudioEngineController;
  readonly sound: SoundController;
  private readonly loader: ModelLoader;
  private readonly listeners = new Set<() => void>();
  private modelValue = 'auto';
  private modelLabel = '';
  private untrained = false;
  private error = '';
  private readonly workerUrl: string;
  /** The morph and preset values last acted on (a processor report of the same value changes nothing). */
  private readonly applied = { morph: 0, preset: 0 };

  constructor(private readonly node: GansynthWamNode, private readonly context: BaseAudioContext, private readonly urls: PluginUrls, private readonly options: WamOptions) {
    this.engine = new AudioEngineController(this, {
      bankProgress: () => this.sound.scheduler.noteDelivered(),
      error: (e) => this.report(e),
    });
    this.sound = new SoundController(this, {
      renderLatent: (latent) => this.engine.renderLatent(latent),
      modelName: () => this.modelLabel,
      report: (e) => this.report(e),
      presetsChanged: () => this.node.setPresetNames(this.presetNames()),
    });
    this.workerUrl = workerShimUrl(urls.renderWorker);
    this.loader = new ModelLoader({
      makeRenderer: (source, onLoadProgress) => createWorkerBankRenderer({
        modelUrl: source.url, sampleRateHz: this.context.sampleRate, workerUrl: this.workerUrl,
        backend: options.backend ?? 'auto', wasmPath: options.wasmPath ?? urls.wasm, onLoadProgress,
      }),
      install: (info) => this.install(info),
      changed: () => this.requestUpdate(),
      settingsKey: () => '',
    }, () => urls.builtinModel);
    node.owner = { instrumentState: () => this.state(), restore: (s) => this.restore(s) };
    node.onSoundParam((id, value) => this.soundParam(id, value));
  }

  // --- ReactiveControllerHost (the controllers are the element's; here nothing renders but the GUI) ---
  addController(_c: ReactiveController): void {}
  removeController(_c: ReactiveController): void {}
  requestUpdate(): void {
    for (const l of this.listeners) l();
  }
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Calls `listener` on every change of what the GUI shows; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the voices, applies `initial` and loads its model; the first bank starts rendering (not awaited). */
  async start(initial: WamState): Promise<void> {
    const low = this.options.lowPitch ?? PITCH_MIN;
    const high = this.options.highPitch ?? PITCH_MAX;
    await this.engine.start({ audioContext: this.context, voices: this.node.voiceLink() });
    this.engine.bankPitches = Array.from({ length: high - low + 1 }, (_, i) => low + i);
    await this.restore(initial);
  }

  /** What getState adds to the parameter values. */
  state(): WamState {
    return { model: this.modelValue, presetBank: savePresetBankFile(this.sound.presetBank) };
  }

  /** Applies a state: presets first, then the model, then the processor's parameters; the bank re-renders. */
  async restore(input: unknown): Promise<void> {
    const s = parseWamState(input);
    if (s.presetBank !== undefined) {
      this.sound.presetBank = loadPresetBankFile(s.presetBank);
      this.node.setPresetNames(this.presetNames());
    }
    if (s.model !== undefined || !this.loader.current) {
      this.modelValue = s.model ?? this.modelValue;
      await this.loader.load({ value: this.modelValue });
    }
    if (s.parameterValues) {
      await this.node.setProcessorState({ parameterValues: s.parameterValues });
      // The preset selects, then the morph (the sound's own position) wins, as both are restored together.
      const preset = s.parameterValues[PARAM.preset]?.value;
      if (preset !== undefined) {
        this.applied.preset = Math.round(preset);
        this.sound.bank.select(Math.min(this.applied.preset, this.sound.bank.presets.length - 1));
      }
      const morph = s.parameterValues[PARAM.morph]?.value;
      if (morph !== undefined) {
        this.applied.morph = morph;
        this.sound.bank.position = Math.min(1, Math.max(0, morph));
      }
    }
    void this.sound.renderNow().catch((e: unknown) => this.report(e));
  }

  /** The presets' names, in bank order: the preset parameter's choices. */
  presetNames(): string[] {
    return this.sound.bank.presets.map((p) => p.name);
  }

  /** Resolves once the current sound's whole bank is in the voices (no render running or waiting). */
  whenBankReady(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const e = this.engine;
        if (e.rendering || this.sound.scheduler.pending || !e.hasRenderer || e.bankDone < e.bankTotal) return false;
        unsubscribe();
        resolve();
        return true;
      };
      const unsubscribe = this.subscribe(() => void check());
      check();
    });
  }

  get status(): InstrumentStatus {
    const e = this.engine;
    return {
      backend: e.backend, backendReason: e.backendReason, bankDone: e.bankDone, bankTotal: e.bankTotal,
      model: this.modelLabel, untrained: this.untrained, notice: this.loader.notice, loading: this.loader.progressText, error: this.error,
    };
  }

  dispose(): void {
    this.sound.scheduler.cancel();
    this.engine.dispose();
    URL.revokeObjectURL(this.workerUrl);
    this.listeners.clear();
  }

  private install({ renderer, source }: LoadedModelInfo): void {
    this.engine.useRenderer(renderer);
    if (renderer.latentSize !== this.sound.bank.latentSize) this.sound.bank.latentSize = renderer.latentSize;
    this.modelLabel = renderer.modelName ?? source.label;
    this.untrained = renderer.untrained ?? false;
  }

  /** The processor's morph or preset moved (automation, setParameterValues, CC1, program change). */
  private soundParam(id: typeof PARAM.morph | typeof PARAM.preset, value: number): void {
    const bank = this.sound.bank;
    if (id === PARAM.morph) {
      if (value === this.applied.morph) return;
      this.applied.morph = value;
      this.sound.movePath(Math.min(1, Math.max(0, value)));
      return;
    }
    const index = Math.round(value);
    if (index === this.applied.preset) return;
    this.applied.preset = index;
    const preset = Math.min(index, bank.presets.length - 1);
    void this.sound.select(preset).catch((e: unknown) => this.report(e));
    // The morph follows: the preset's place on the path, so the host's morph shows what sounds.
    this.applied.morph = bank.positionOf(preset);
    void this.node.setParameterValues({ [PARAM.morph]: { id: PARAM.morph, value: this.applied.morph, normalized: false } });
  }

  private report(e: unknown): void {
    this.error = (e as Error).message ?? String(e);
    console.error(`gansynth WAM: ${this.error}`);
    this.requestUpdate();
  }
}
