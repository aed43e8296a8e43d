/**
 * `<gansynth-instrument>`: the GANSynth instrument as one element. Renders a note bank of the
 * chosen preset with tfjs (GPU) and plays it through an AudioWorklet; played from Web MIDI, the computer
 * keyboard, the on-screen keyboard, or the host page (`noteOn` / `noteOff`). All audio state lives in the
 * {@link AudioEngineController}; this element renders it.
 *
 * Host audio: set the `audioContext` property before the element is connected (or before its definition
 * loads) and the instrument plays into that context; route `output` (or call `connect(node)`) yourself.
 * Without it, the element makes its own AudioContext and plays to its destination.
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { AudioEngineController, type BankNote, type EngineSettings } from './audio-engine-controller.ts';
import { MidiInput } from './midi-input.ts';
import { ComputerKeyboard } from './computer-keyboard.ts';
import type { PresetAction } from './preset-bar.ts';
import type { ControlTarget } from './midi-controls.ts';
import { playingLatency } from './midi-clock.ts';
import { SoundController } from './sound-controller.ts';
import { SoundImport } from './sound-import.ts';
import { InstrumentSoundApi } from './instrument-sound-api.ts';
import { ModelLoader, type LoadedModelInfo } from './model-loader.ts';
import type { ModelChoice } from './model-picker.ts';
import './device-picker.ts';
import './model-picker.ts';
import './midi-learn-bar.ts';
import './morph-pad.ts';
import './morph-xy-pad.ts';
import './piano-keyboard.ts';
import './preset-bar.ts';
import './status-line.ts';
import type { VoiceStats } from '../shared/protocol.ts';
import { PITCH_MAX, PITCH_MIN } from '../shared/constants.ts';

/** `bank-progress` detail. */
export interface BankProgressDetail {
  readonly done: number;
  readonly total: number;
  readonly pitch: number;
}

/** How long the status line shows an error thrown back to a caller of the element's API. */
const API_ERROR_SHOWN_MS = 5000;

/**
 * @fires ready - `{backend, modelName}`: audio runs and the model is loaded (pitches fill in as they render)
 * @fires bank-progress - {@link BankProgressDetail}, once per rendered pitch
 * @fires bank-ready - `{bankId}`: every pitch of the current sound is rendered
 * @fires note-played - `{pitch, velocity}` from any input
 * @fires presets-changed - `{presets, presetBank}` after anything a saved bank holds changed (random, save, rename,
 *   delete, import, a pad corner, a MIDI binding); save `presetBank` with bank-file.ts `savePresetBankFile`
 * @fires error - `{message, error}`; the message is also shown in the status line
 * @fires model-loaded - `{backend, modelName, label, url, notice, reused}`: a model now plays (after boot and each
 *   change; its bank renders next unless `reused`: a fallback to the model already playing); `notice` says why a
 *   source was passed over
 * @fires sound-inverted - `{preset, result}`: a WAV became a preset (dropped, chosen, or `importSound`); it is selected
 * @csspart status @csspart model @csspart presets @csspart morph @csspart performance @csspart pad @csspart panic
 * @csspart controls @csspart keyboard @csspart sound-import @csspart sound-record
 *   @csspart sound-import-cancel
 */
@customElement('gansynth-instrument')
export class GansynthInstrument extends InstrumentSoundApi {
  static override styles = css`
    :host { display: block; font: 13px system-ui, sans-serif; color: #222; }
    .row { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 6px 0; }
    label { display: inline-flex; gap: 4px; align-items: center; }
    input[type='range'] { width: 90px; }
    gansynth-piano-keyboard { height: 110px; }
    button[part='panic'] { font: inherit; padding: 4px 10px; border: 1px solid #b00020; border-radius: 4px; background: #fff; color: #b00020; cursor: pointer; }
  `;

  @state() private modelName = '';
  @state() private untrained = false;
  @state() private errorText = '';
  private loadedOnce = false;
  private readonly loader = new ModelLoader({
    makeRenderer: (source, onLoadProgress) => this.rendererFactory({ // URLs absolute: a Worker resolves against its own
      modelUrl: source.url, modelFiles: source.files, sampleRateHz: this.engine.context!.sampleRate, workerUrl: this.workerUrl,
      backend: this.backend, wasmPath: this.wasmPath || undefined, onLoadProgress,
    }),
    install: (info) => this.install(info),
    changed: () => this.requestUpdate(),
    settingsKey: () => [this.backend, this.workerUrl, this.wasmPath].join('\n'),
  }, () => new URL(this.builtinModel, document.baseURI).href);
  @state() private octave = 60;
  private readonly engine: AudioEngineController;
  /** Web MIDI in (the element's own; a WAM host sends MIDI through the plugin instead, so the engine has none). */
  private readonly midi: MidiInput;
  protected readonly sound: SoundController;
  protected readonly soundImport: SoundImport;
  private readonly keys: ComputerKeyboard;
  private started: Promise<void> | undefined;

  constructor() {
    super();
    this.engine = new AudioEngineController(this, {
      bankProgress: (done, total, pitch) => {
        this.sound.scheduler.noteDelivered();
        this.fire<BankProgressDetail>('bank-progress', { done, total, pitch });
      },
      bankReady: (bankId) => this.fire('bank-ready', { bankId }),
      control: (controller, value) => this.sound.control(controller, value),
      programChange: (program) => this.sound.programChange(program),
      noteStarted: (pitch, velocity) => this.fire('note-played', { pitch, velocity }),
      error: (e) => this.report(e),
    });
    this.midi = new MidiInput(this.engine, () => this.requestUpdate(), (eventMs) => this.engine.midiTime(eventMs));
    this.sound = new SoundController(this, {
      renderLatent: (latent) => this.renderLatent(latent),
      modelName: () => this.modelName,
      report: (e) => this.report(e),
      presetsChanged: () => this.fire('presets-changed', { presets: this.presets, presetBank: this.presetBank }),
    });
    this.soundImport = new SoundImport(this, {
      addPreset: (preset) => this.sound.addPreset(preset), modelName: () => this.modelName, report: (e) => this.report(e),
      inverted: (detail) => this.fire('sound-inverted', detail), effort: () => ({ steps: this.invertSteps, starts: this.invertStarts }),
      context: () => this.engine.context,
    });
    this.keys = new ComputerKeyboard({
      noteOn: (p, v) => this.noteOn(p, v),
      noteOff: (p) => this.noteOff(p),
      octaveChanged: (base) => (this.octave = base),
    });
  }

  /** The instrument's output node (after `ready`). */
  get output(): AudioNode | undefined {
    return this.engine.output;
  }

  /** The context the instrument plays in (its own or the host's), after `ready`. */
  get context(): BaseAudioContext | undefined {
    return this.engine.context;
  }

  /** Routes `output` into `node` (of the same context). */
  connect(node: AudioNode): AudioNode {
    if (!this.engine.output) throw new Error('gansynth-instrument: not ready yet (wait for the ready event)');
    return this.engine.output.connect(node);
  }

  /** Plays `pitch` (MIDI) with `velocity` 1..127 at `time` (AudioContext seconds; omitted: now). */
  noteOn(pitch: number, velocity = 100, time?: number): void {
    this.guard(() => this.engine.noteOn(pitch, velocity, time));
  }

  noteOff(pitch: number, time?: number): void {
    this.guard(() => this.engine.noteOff(pitch, time));
  }

  /** Silences everything at once (all sound off) and resets the controllers (pedals up, bend centred). */
  panic(): void {
    this.engine.allSoundOff();
    this.engine.resetControllers();
  }

  /** Key to sound, ms: the context's base + output latency + `midi-latency-ms` (0 before audio runs). */
  get latencyMs(): number {
    return playingLatency(this.engine.context, this.midiLatencyMs).totalMs;
  }

  protected get booted(): boolean {
    return this.started !== undefined;
  }

  /** Resumes an AudioContext the browser started suspended (call from a user gesture). */
  async resume(): Promise<void> {
    const ctx = this.engine.context;
    if (ctx instanceof AudioContext && ctx.state === 'suspended') await ctx.resume();
  }

  /** The voice engine's counters (voices sounding…). */
  stats(): Promise<VoiceStats> {
    return this.engine.stats();
  }

  /** The last rendered buffer of `pitch` (for displays). */
  getNote(pitch: number): BankNote | undefined {
    return this.engine.notes.get(pitch);
  }

  /** Where the engine stands: backend, bank progress, held pitches. */
  get engineState() {
    const e = this.engine;
    return {
      backend: e.backend, bankDone: e.bankDone, bankTotal: e.bankTotal, rendering: e.rendering, active: [...e.activePitches],
      rendersInFlight: e.rendersInFlight, rendersStarted: e.rendersStarted,
    };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.noComputerKeyboard) this.keys.attach(window);
    // Moved in the DOM: the controller was disposed on disconnect, so start again.
    if (this.hasUpdated && !this.started) this.started = this.boot();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.keys.detach();
    this.midi.dispose();
    this.loader.reset(); // the engine disposes its renderer on disconnect
    this.started = undefined;
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('noComputerKeyboard') && this.isConnected) {
      if (this.noComputerKeyboard) this.keys.detach();
      else this.keys.attach(window);
    }
    if (changed.has('midiLatencyMs')) {
      this.guard(() => {
        if (!(this.midiLatencyMs >= 0 && this.midiLatencyMs <= 500)) throw new RangeError(`midi-latency-ms must be 0..500 ms, got ${this.midiLatencyMs}`);
        this.engine.midiLatencySec = this.midiLatencyMs / 1000;
      }, false);
    }
    if (!this.started) {
      if (this.isConnected) this.started = this.boot();
      return;
    }
    // Once audio runs, a change loads anew (superseding a load in flight); before that, boot reads the properties.
    if (this.engine.context && ['model', 'builtinModel', 'backend', 'workerUrl', 'wasmPath'].some((k) => changed.has(k))) {
      if (changed.has('model')) this.loader.files = undefined;
      void this.loadModel();
    }
    if (changed.has('volume') || changed.has('polyphony') || changed.has('release') || changed.has('swapCrossfadeSec')) {
      this.guard(() => this.engine.configure(this.engineSettings()), false);
    }
    if (changed.has('midiInput')) this.midi.select(this.midiInput);
    const rangeChanged = (changed.has('low') && changed.get('low') !== undefined) || (changed.has('high') && changed.get('high') !== undefined);
    if (rangeChanged) void this.sound.renderNow();
    if (changed.has('midiChannel')) this.guard(() => (this.midi.channel = this.midiChannel), false);
    if (changed.has('preset') && this.preset && changed.get('preset') !== undefined) void this.setPreset(this.preset).catch((e) => this.report(e));
  }

  private engineSettings(): EngineSettings {
    return { volume: this.volume, polyphony: this.polyphony, releaseSec: this.release, swapCrossfadeSec: this.swapCrossfadeSec };
  }

  private async boot(): Promise<void> {
    try {
      this.engine.configure(this.engineSettings());
      this.midi.select(this.midiInput);
      this.midi.channel = this.midiChannel;
      this.engine.bankPitches = this.pitchRange();
      await this.engine.start({ audioContext: this.audioContext, workletUrl: this.workletUrl || undefined });
      void this.midi.enable();
      await this.loadModel();
    } catch (e) {
      this.report(e);
    }
  }

  /** Loads the local model files a user chose (model.json or weights_manifest.json plus shards); see `model`. */
  async loadModelFiles(files: ReadonlyMap<string, Blob>, label = 'local files'): Promise<boolean> {
    this.loader.files = { files, label };
    return this.loadModel();
  }

  /** The model playing: where it came from and why another was passed over (empty before the first load). */
  get modelInfo(): { label: string; url: string; notice: string; modelName: string } | undefined {
    const c = this.loader.current;
    return c && { label: c.source.label, url: c.source.url, notice: c.notice, modelName: this.modelName };
  }

  /** Loads what `model` (or the chosen files) names and renders the current sound with it; false if superseded. */
  private async loadModel(): Promise<boolean> {
    if (!this.engine.context) return false;
    this.errorText = '';
    try {
      const info = await this.loader.loadValue(this.model);
      if (!info) return false;
      const { source, notice, reused = false } = info;
      this.fire('model-loaded', { backend: this.engine.backend, modelName: this.modelName, label: source.label, url: source.url, notice, reused });
      if (!this.loadedOnce) {
        this.loadedOnce = true;
        if (this.preset) this.sound.bank.select(this.preset);
        this.fire('ready', { backend: this.engine.backend, modelName: this.modelName });
      }
      // A fallback to the model already playing keeps its bank.
      return reused || (await this.sound.renderNow());
    } catch (e) {
      this.report(e);
      return false;
    }
  }

  private install({ renderer, source }: LoadedModelInfo): void {
    this.engine.useRenderer(renderer);
    this.soundImport.renderer = renderer;
    if (renderer.latentSize !== this.sound.bank.latentSize) this.sound.bank.latentSize = renderer.latentSize;
    this.modelName = renderer.modelName ?? source.label;
    this.untrained = renderer.untrained ?? false;
  }

  private pitchRange(): number[] {
    const { low, high } = this;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < PITCH_MIN || high > PITCH_MAX || low > high) {
      throw new RangeError(`low..high must be MIDI pitches within ${PITCH_MIN}..${PITCH_MAX}, got ${low}..${high}`);
    }
    return Array.from({ length: high - low + 1 }, (_, i) => low + i);
  }

  /** Renders the bank of `latent` (the SoundController decides when); false when superseded or failed (shown). */
  private async renderLatent(latent: Float32Array): Promise<boolean> {
    if (!this.started) throw new Error('gansynth-instrument: not started (connect it to a document)');
    if (!this.engine.hasRenderer) return false; // the model load in flight renders when it lands
    this.errorText = '';
    try {
      this.engine.bankPitches = this.pitchRange();
      return await this.engine.renderLatent(latent);
    } catch (e) {
      this.report(e);
      return false;
    }
  }

  override render() {
    const e = this.engine;
    const midi = this.midi;
    const { bank, controls } = this.sound;
    const names = bank.presets.map((p) => p.name);
    return html`
      <gansynth-status-line part="status" .backend=${e.backend} .backendReason=${e.backendReason} .bankDone=${e.bankDone} .bankTotal=${e.bankTotal}
        .modelName=${this.modelName} ?untrained=${this.untrained} .phase=${this.soundImport.phase || this.loader.progressText || (e.phase === 'ready' ? '' : e.phase)}
        .notice=${this.loader.notice} .midi=${midi.state === 'enabled' ? `${midi.inputs.length} input(s)` : midi.state}
        .latency=${e.context ? playingLatency(e.context, this.midiLatencyMs) : undefined} .error=${this.errorText}></gansynth-status-line>
      <gansynth-model-picker part="model" .value=${this.loader.pickerValue(this.model)} ?busy=${this.loader.progressText !== ''}
        @model-choose=${this.onModelChoose}></gansynth-model-picker>
      <gansynth-preset-bar part="presets" .presets=${bank.presets} .selected=${bank.selected} .shareUrl=${this.sound.shareUrl}
        @preset-action=${(ev: CustomEvent<PresetAction>) => this.sound.presetAction(ev.detail)}></gansynth-preset-bar>
      <gansynth-morph-pad part="morph" .labels=${names} .position=${bank.position}
        ?busy=${e.rendering} @morph-input=${(ev: CustomEvent<{ position: number }>) => this.morphTo(ev.detail.position)}></gansynth-morph-pad>
      <div class="row" part="performance">
        <gansynth-morph-xy-pad part="pad" .labels=${names} .corners=${bank.corners} .x=${bank.xy.x} .y=${bank.xy.y} ?active=${bank.morph === 'xy'}
          ?busy=${e.rendering} @morph-xy-input=${(ev: CustomEvent<{ x: number; y: number }>) => this.morphToXY(ev.detail.x, ev.detail.y)}
          @corner-change=${(ev: CustomEvent<{ corner: number; index: number }>) => this.guard(() => this.sound.setCorners(bank.corners.map((c, i) => (i === ev.detail.corner ? ev.detail.index : c))), false)}></gansynth-morph-xy-pad>
        <gansynth-midi-learn-bar .bindings=${controls.bindings} .armed=${controls.armed}
          @learn-arm=${(ev: CustomEvent<{ target?: ControlTarget }>) => this.learnMidi(ev.detail.target)}></gansynth-midi-learn-bar>
        <button part="panic" title="all sound off and reset controllers" @click=${() => this.panic()}>panic</button>
      </div>
      <div class="row" part="controls">
        <gansynth-device-picker .inputs=${midi.inputs} .input=${midi.selected} .channel=${midi.channel} .state=${midi.state}
          .message=${midi.errorMessage} @midi-select=${this.onMidiSelect}></gansynth-device-picker>
        <label>volume <input type="range" min="0" max="1" step="0.01" .value=${String(this.volume)}
          @input=${(ev: Event) => (this.volume = Number((ev.target as HTMLInputElement).value))}></label>
        <label>release <input type="range" min="0.01" max="3" step="0.01" .value=${String(this.release)}
          @input=${(ev: Event) => (this.release = Number((ev.target as HTMLInputElement).value))}></label>
        <span>computer keys: A … ; from C${this.octave / 12 - 1}, Z / X octave</span> ${this.soundImport.view()}
      </div>
      <gansynth-piano-keyboard part="keyboard" .low=${this.low} .high=${this.high} .active=${new Set(e.activePitches)} .ready=${new Set(e.readyPitches)}
        @note-on=${(ev: CustomEvent<{ pitch: number; velocity: number }>) => { void this.resume(); this.noteOn(ev.detail.pitch, ev.detail.velocity); }}
        @note-off=${(ev: CustomEvent<{ pitch: number }>) => this.noteOff(ev.detail.pitch)}></gansynth-piano-keyboard>
    `;
  }

  private readonly onModelChoose = (ev: CustomEvent<ModelChoice>): void => {
    const c = ev.detail;
    if ('files' in c) void this.loadModelFiles(c.files, c.label);
    else this.model = c.value;
  };

  private readonly onMidiSelect = (ev: CustomEvent<{ input: string; channel: number }>): void => {
    this.midiInput = ev.detail.input;
    this.midiChannel = ev.detail.channel;
  };

  /**
   * Runs `f`; an error is shown and fired, and rethrown to a caller of the public API (`rethrow`). A misused API call
   * is the host's mistake, not the instrument's state: its message leaves the status line after a few seconds.
   */
  protected guard(f: () => void, rethrow = true): void {
    try {
      f();
    } catch (e) {
      this.report(e);
      if (!rethrow) return;
      const shown = this.errorText;
      setTimeout(() => {
        if (this.errorText === shown) this.errorText = '';
      }, API_ERROR_SHOWN_MS);
      throw e;
    }
  }

  private report(e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    this.errorText = error.message;
    console.error('gansynth-instrument:', error);
    this.fire('error', { message: error.message, error });
  }

  private fire<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-instrument': GansynthInstrument;
  }
}
