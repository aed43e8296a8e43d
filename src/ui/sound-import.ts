/**
 * Sound → preset in the instrument: a WAV dropped on the element (or chosen with its "sound → preset" file input)
 * is inverted by the renderer's model — in the render Worker when the element renders there, else on the page's
 * thread between yields (engine/invert.ts) — with its progress in the status line and a cancel button; the latent
 * found becomes a new preset named after the file, selected and rendered, which the bank, the morph slider and the
 * XY pad then use like any other. The element only renders `view()` and forwards `phase`.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { presetFromLatent, type Preset } from '../engine/presets.ts';
import type { InvertedSound } from '../engine/invert.ts';
import { encodeWav } from '../shared/wav.ts';
import { canInvert } from './renderer-adapter.ts';

/** How long "record" listens, seconds: one 4 s note and a little lead-in before it. */
export const RECORD_SEC = 4.5;

/**
 * Records `seconds` of `stream` (a microphone's) in `ctx`: a MediaStreamAudioSourceNode into a ScriptProcessorNode
 * (deprecated but everywhere, and its buffers reach the main thread without a worklet module), pulled through a
 * silent gain so the microphone is not heard. Mono (the first channel). `onProgress(recordedSec)` per buffer.
 */
export function recordStream(ctx: AudioContext, stream: MediaStream, seconds: number, onProgress?: (recordedSec: number) => void): Promise<Float32Array> {
  const total = Math.round(seconds * ctx.sampleRate);
  const out = new Float32Array(total);
  const source = ctx.createMediaStreamSource(stream);
  const tap = ctx.createScriptProcessor(4096, 1, 1);
  const mute = ctx.createGain();
  mute.gain.value = 0;
  source.connect(tap).connect(mute).connect(ctx.destination);
  let n = 0;
  return new Promise((resolve) => {
    tap.onaudioprocess = (e) => {
      const x = e.inputBuffer.getChannelData(0);
      const take = Math.min(x.length, total - n);
      out.set(x.subarray(0, take), n);
      n += take;
      onProgress?.(n / ctx.sampleRate);
      if (n < total) return;
      tap.onaudioprocess = null;
      source.disconnect();
      tap.disconnect();
      mute.disconnect();
      resolve(out);
    };
  });
}

/** What the import needs from the instrument. */
export interface SoundImportCallbacks {
  /** Adds the preset to the bank, selects and renders it. */
  addPreset(preset: Preset): Promise<void>;
  modelName(): string;
  report(e: unknown): void;
  /** Steps and random starts when the caller gives none (the element's invert-steps / invert-starts). */
  effort(): { steps: number; starts: number };
  /** The element's AudioContext (recording needs a running one). */
  context(): BaseAudioContext | undefined;
  /** Fired when a preset was made (`sound-inverted`). */
  inverted(detail: { preset: Preset; result: InvertedSound }): void;
}

/** See the module comment. */
export class SoundImport implements ReactiveController {
  /** The renderer in use (set by the element when a model is installed); any object, checked with canInvert. */
  renderer: unknown;
  /** The status line's text while inverting ('' otherwise). */
  phase = '';
  private controller: AbortController | null = null;
  private recordings = 0;
  private recording = false;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement, private readonly callbacks: SoundImportCallbacks) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.addEventListener('dragover', this.onDragOver);
    this.host.addEventListener('drop', this.onDrop);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('dragover', this.onDragOver);
    this.host.removeEventListener('drop', this.onDrop);
    this.cancel();
  }

  /** True while a sound is being inverted. */
  get busy(): boolean {
    return this.controller !== null;
  }

  /** Stops the inversion in flight (its promise resolves undefined; no preset is added). */
  cancel(): void {
    this.controller?.abort();
  }

  /**
   * Inverts `file` (WAV bytes; `name` defaults to a File's name) into a new preset named after it (extension
   * dropped). Resolves with the preset, or undefined when cancelled, superseded or refused (the reason is shown).
   */
  async importSound(file: Blob, name = (file as File).name || 'sound.wav', options: { steps?: number; starts?: number; pitch?: number } = {}): Promise<Preset | undefined> {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    this.phase = `reading ${name}`;
    this.host.requestUpdate();
    try {
      if (!canInvert(this.renderer)) throw new Error(`${name}: this renderer cannot turn sounds into presets (no model loaded yet?)`);
      const bytes = new Uint8Array(await file.arrayBuffer());
      const result = await this.renderer.invert(bytes, name, {
        steps: options.steps ?? this.callbacks.effort().steps, starts: options.starts ?? this.callbacks.effort().starts,
        ...(options.pitch !== undefined ? { pitch: options.pitch } : {}), signal: controller.signal,
        onStep: (p) => {
          if (this.controller !== controller) return;
          this.phase = `sound → preset ${name}: step ${p.step}/${p.steps}, ${p.bestDistanceDb.toFixed(1)} dB`;
          this.host.requestUpdate();
        },
      });
      const preset = presetFromLatent(name.replace(/\.[a-z0-9]+$/i, '') || name, result.latent, this.callbacks.modelName() || undefined);
      this.finish(controller);
      await this.callbacks.addPreset(preset);
      this.callbacks.inverted({ preset, result });
      return preset;
    } catch (e) {
      const superseded = this.controller !== controller;
      this.finish(controller);
      if ((e as Error)?.name !== 'AbortError' && !superseded) this.callbacks.report(e);
      return undefined;
    }
  }

  /**
   * Records `seconds` from the microphone (getUserMedia: the browser asks the user) and imports the recording as
   * `recording N.wav` (its pitch by YIN). Resolves with the preset, or undefined when refused or cancelled (shown).
   */
  async record(seconds = RECORD_SEC): Promise<Preset | undefined> {
    if (this.recording || this.busy) return undefined;
    this.recording = true;
    const name = `recording ${++this.recordings}.wav`;
    try {
      const ctx = this.callbacks.context();
      if (!(typeof AudioContext !== 'undefined' && ctx instanceof AudioContext)) throw new Error('record: the instrument has no running AudioContext yet');
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('record: this page cannot use a microphone (needs a secure context)');
      this.phase = `${name}: waiting for the microphone`;
      this.host.requestUpdate();
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
      let samples: Float32Array;
      try {
        samples = await recordStream(ctx, stream, seconds, (sec) => {
          this.phase = `${name}: recording ${sec.toFixed(1)} / ${seconds.toFixed(1)} s`;
          this.host.requestUpdate();
        });
      } finally {
        stream.getTracks().forEach((t) => t.stop());
      }
      this.recording = false;
      return await this.importSound(new Blob([encodeWav([samples], ctx.sampleRate, 'float32').buffer as ArrayBuffer]), name);
    } catch (e) {
      this.phase = '';
      this.host.requestUpdate();
      this.callbacks.report(e);
      return undefined;
    } finally {
      this.recording = false;
    }
  }

  /** A file input, the record button and, while inverting, the cancel button. */
  view() {
    return html`<label part="sound-import" title="drop a WAV of one note on the instrument, or choose one: it becomes a preset">sound → preset
        <input type="file" accept=".wav,audio/wav,audio/x-wav" ?disabled=${this.busy} @change=${this.onChoose}></label>
      <button part="sound-record" title="record a note from the microphone (${RECORD_SEC} s): it becomes a preset" ?disabled=${this.busy || this.recording}
        @click=${() => void this.record()}>record</button>
      ${this.busy ? html`<button part="sound-import-cancel" @click=${() => this.cancel()}>cancel</button>` : nothing}`;
  }

  private finish(controller: AbortController): void {
    if (this.controller !== controller) return;
    this.controller = null;
    this.phase = '';
    this.host.requestUpdate();
  }

  private readonly onChoose = (ev: Event): void => {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.importSound(file);
  };

  private readonly onDragOver = (ev: DragEvent): void => {
    if (!ev.dataTransfer?.types.includes('Files')) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  };

  private readonly onDrop = (ev: DragEvent): void => {
    const file = ev.dataTransfer?.files[0];
    if (!file) return;
    ev.preventDefault();
    void this.importSound(file);
  };
}
