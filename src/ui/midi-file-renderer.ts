/**
 * `<gansynth-midi-renderer>`: drop or choose a .mid file, render it offline with the current presets through the
 * same voice worklet the instrument plays live (OfflineAudioContext), play it, download it as WAV.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { encodeWav } from '../shared/wav.ts';
import { resolvePresetLatent, type Preset } from '../engine/presets.ts';
import {
  renderMidi, resolveMidiRenderOptions, type LatentSource, type MidiRenderOptions, type MidiRenderProgress, type MidiRenderResult, type NoteSynth,
} from '../midi/midi-render.ts';
import { NoteRenderer } from '../engine/renderer.ts';
import { parseMidiNotes } from '../midi/midi-notes.ts';
import type { BackendChoice } from '../engine/backend.ts';
import { renderScheduleOffline } from './midi-offline.ts';
import { DEFAULT_WORKLET_URL } from './audio-engine-controller.ts';

/** Which latents the notes get. */
export type MidiLatentMode = 'selected' | 'presets' | 'random';

/**
 * @fires midi-rendered - {detail: MidiRenderResult} when a render finished
 * @fires midi-render-error - {detail: {message: string}} when a file could not be rendered
 * @fires midi-render-progress - {detail: {fraction: number, status: string}} as the render proceeds (0..1)
 * @csspart drop - the drop zone
 * @csspart button - play / download / choose buttons
 * @csspart progress - the progress bar
 */
@customElement('gansynth-midi-renderer')
export class GansynthMidiRenderer extends LitElement {
  static override styles = css`
    :host { display: block; font: 13px system-ui, sans-serif; }
    .drop { border: 2px dashed #888; border-radius: 6px; padding: 12px; text-align: center; }
    .drop.over { border-color: #2d6cdf; background: #eef3fd; }
    .row { display: flex; gap: 6px; align-items: center; margin-top: 6px; flex-wrap: wrap; }
    progress { flex: 1; min-width: 8em; }
    .error { color: #b00020; }
    .warn { color: #8a5a00; }
    input[type='file'] { display: none; }
  `;

  /**
   * Synthesises notes: an initialised NoteRenderer (or anything with `renderNotes`). When null, the element makes
   * its own main-thread NoteRenderer from `modelUrl` on the first render (separate from the instrument's, so a
   * MIDI render never aborts a live bank render).
   */
  @property({ attribute: false }) synth: NoteSynth | null = null;
  /** Model directory URL for the element's own renderer (used when `synth` is null). */
  @property({ attribute: 'model-url' }) modelUrl = '';
  /** tfjs backend of the element's own renderer. */
  @property() backend: BackendChoice = 'auto';
  /** Where tfjs-backend-wasm's files are served (own renderer only). */
  @property({ attribute: 'wasm-path' }) wasmPath = '';
  /** The instrument's presets. */
  @property({ attribute: false }) presets: readonly Preset[] = [];
  /** Index of the selected preset (for mode 'selected'). */
  @property({ type: Number }) selected = 0;
  /** 'selected': every note on the selected preset; 'presets': anchors cycle through the presets; 'random'. */
  @property({ attribute: 'latent-mode' }) latentMode: MidiLatentMode = 'selected';
  /** Seconds between anchors (modes 'presets' and 'random'). */
  @property({ type: Number, attribute: 'interval-sec' }) intervalSec = 2;
  /** Seed of mode 'random'. */
  @property({ type: Number }) seed = 0;
  /** Output rate, Hz (16000, 22050, 44100, 48000). */
  @property({ type: Number, attribute: 'sample-rate' }) sampleRateHz = 48000;
  /** URL of the voice worklet; default dist/worklet/processor.js next to the library (as the instrument's). */
  @property({ attribute: 'processor-url' }) processorUrl = DEFAULT_WORKLET_URL;
  /** Extra render options (tracks, channels, drums, gain…). */
  @property({ attribute: false }) options: Partial<MidiRenderOptions> = {};

  @state() private status = 'drop a .mid file here or choose one';
  @state() private progress = 0;
  @state() private busy = false;
  @state() private error = '';
  @state() private warnings: string[] = [];
  @state() private wavUrl = '';
  @state() private fileName = 'render';
  @state() private over = false;

  /** The last result (mono, after gain). */
  result: MidiRenderResult | null = null;
  private playCtx: AudioContext | null = null;
  private ownSynth: { renderer: NoteRenderer; key: string } | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ownSynth?.renderer.dispose();
    this.ownSynth = null;
    if (this.wavUrl) URL.revokeObjectURL(this.wavUrl);
    void this.playCtx?.close();
    this.playCtx = null;
  }

  /** `synth`, or the element's own renderer for `modelUrl` at the output rate (made and initialised once). */
  private async resolveSynth(): Promise<NoteSynth> {
    if (this.synth) return this.synth;
    if (!this.modelUrl) throw new Error('<gansynth-midi-renderer>: set `synth` or `model-url` first');
    const key = `${this.modelUrl}|${this.sampleRateHz}|${this.backend}`;
    if (this.ownSynth?.key !== key) {
      this.ownSynth?.renderer.dispose();
      this.ownSynth = null;
      this.status = 'loading the model';
      const renderer = new NoteRenderer({
        model: this.modelUrl, sampleRateHz: this.sampleRateHz, backend: this.backend, ...(this.wasmPath ? { wasmPath: this.wasmPath } : {}),
      });
      await renderer.initialize();
      this.ownSynth = { renderer, key };
    }
    return this.ownSynth.renderer;
  }

  /** The latent source for the current mode and presets. */
  latentSource(size?: number): LatentSource {
    switch (this.latentMode) {
      case 'random':
        return { kind: 'random', seed: this.seed };
      case 'presets':
        if (this.presets.length === 0) throw new Error('no presets to use as anchors');
        return { kind: 'anchors', latents: this.presets.map((p) => resolvePresetLatent(p, size)) };
      case 'selected': {
        const p = this.presets[this.selected];
        if (!p) throw new Error(`no preset #${this.selected} selected`);
        return { kind: 'fixed', latent: resolvePresetLatent(p, size) };
      }
      default: {
        const never: never = this.latentMode;
        throw new Error(`unknown latent mode '${String(never)}'`);
      }
    }
  }

  /** Renders MIDI bytes; resolves with the result (also shown, playable and downloadable). */
  async renderBytes(bytes: Uint8Array, name = 'render'): Promise<MidiRenderResult> {
    this.busy = true;
    this.error = '';
    this.warnings = [];
    this.progress = 0;
    this.fileName = name.replace(/\.midi?$/i, '') || 'render';
    try {
      // Synthesis happens as the mix reaches each note: progress weighs both (synthesis dominates the time).
      let synthFraction = 0;
      let mixFraction = 0;
      const onProgress = (p: MidiRenderProgress) => {
        const f = p.total > 0 ? p.done / p.total : 1;
        if (p.phase === 'synth') synthFraction = f;
        else mixFraction = f;
        this.progress = Math.max(this.progress, 0.9 * synthFraction + 0.1 * mixFraction);
        this.status = p.phase === 'synth' ? `rendering notes ${p.done}/${p.total}` : 'mixing through the voice worklet';
        this.dispatchEvent(new CustomEvent('midi-render-progress', { detail: { fraction: this.progress, status: this.status }, bubbles: true, composed: true }));
      };
      const processorUrl = this.processorUrl;
      const options = { ...this.options, sampleRateHz: this.sampleRateHz, intervalSec: this.intervalSec };
      parseMidiNotes(bytes, resolveMidiRenderOptions(options)); // a bad file fails before any model loads
      const synth = await this.resolveSynth();
      const result = await renderMidi(bytes, synth, (input) => renderScheduleOffline({ ...input, processorUrl }),
        { ...options, latents: this.latentSource(synth.latentSize) }, onProgress);
      this.result = result;
      this.warnings = result.warnings;
      if (this.wavUrl) URL.revokeObjectURL(this.wavUrl);
      const wav = encodeWav([result.samples], result.sampleRateHz, 'pcm16');
      this.wavUrl = URL.createObjectURL(new Blob([wav as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }));
      const n = result.plan.notes.length;
      this.status = `${n} notes (${result.plan.requests.length} rendered), ${(result.samples.length / result.sampleRateHz).toFixed(1)} s,` +
        ` ${result.msPerNote.toFixed(0)} ms per note`;
      this.progress = 1;
      this.dispatchEvent(new CustomEvent('midi-rendered', { detail: result, bubbles: true, composed: true }));
      return result;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.status = 'render failed';
      this.dispatchEvent(new CustomEvent('midi-render-error', { detail: { message: this.error }, bubbles: true, composed: true }));
      throw e;
    } finally {
      this.busy = false;
    }
  }

  /** Renders a chosen or dropped file. */
  async renderFile(file: File): Promise<MidiRenderResult> {
    return this.renderBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  }

  /** Plays the last render (creates an AudioContext on first use: call from a user gesture). */
  async play(): Promise<void> {
    const r = this.result;
    if (!r) return;
    this.playCtx ??= new AudioContext();
    const ctx = this.playCtx;
    await ctx.resume();
    const buf = ctx.createBuffer(1, r.samples.length, r.sampleRateHz);
    buf.copyToChannel(r.samples as Float32Array<ArrayBuffer>, 0);
    const src = ctx.createBufferSource();
    src.buffer = buf;
    src.connect(ctx.destination);
    src.start();
  }

  override render() {
    return html`
      <div part="drop" class="drop ${this.over ? 'over' : ''}" @dragover=${this.onDragOver} @dragleave=${() => (this.over = false)} @drop=${this.onDrop}>
        <div>${this.status}</div>
        <div class="row">
          <button part="button" ?disabled=${this.busy} @click=${() => this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click()}>choose .mid</button>
          <progress part="progress" max="1" .value=${this.progress}></progress>
          <button part="button" ?disabled=${this.busy || !this.result} @click=${() => void this.play()}>play</button>
          ${this.wavUrl ? html`<a part="button" href=${this.wavUrl} download=${`${this.fileName}.wav`}>download WAV</a>` : ''}
        </div>
        ${this.warnings.map((w) => html`<div class="warn">${w}</div>`)}
        ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : ''}
        <input type="file" accept=".mid,.midi,audio/midi" @change=${this.onChoose}>
      </div>
    `;
  }

  private readonly onDragOver = (e: DragEvent): void => {
    e.preventDefault();
    this.over = true;
  };

  private readonly onDrop = (e: DragEvent): void => {
    e.preventDefault();
    this.over = false;
    const file = e.dataTransfer?.files[0];
    if (file) void this.renderFile(file).catch(() => undefined);
  };

  private readonly onChoose = (e: Event): void => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.renderFile(file).catch(() => undefined);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-midi-renderer': GansynthMidiRenderer;
  }
}
