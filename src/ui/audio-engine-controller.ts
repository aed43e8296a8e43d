/**
 * AudioEngineController (STYLE.md §9): the ReactiveController that owns the audio side of an instrument:
 * the AudioContext (its own, or the host page's), the `gansynth-voices` AudioWorkletNode, the output gain,
 * the note-bank renderer and Web MIDI. Elements only render its public state.
 *
 * A bank renders pitch by pitch in priority order (held, then recently played pitches first); each
 * finished pitch replaces the old one in the worklet, so the previous sound keeps playing until its
 * replacement arrives (no dropout on preset swaps). A newer latent aborts an older render.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { BANK_PITCHES } from '../shared/constants.ts';
import {
  DEFAULT_VOICE_CONFIG, transferListOf,
  type FromWorklet, type LoopRegion, type ToWorklet, type VoiceConfig, type VoiceStats,
} from '../shared/protocol.ts';
import { assertMidiPitch } from '../shared/pitch.ts';
import { bankMessageFor } from '../shared/swap-align.ts';
import { clockStamp, scheduledContextTime } from './midi-clock.ts';
import type { MidiSink } from './midi-dispatch.ts';
import { RecentPitches, renderOrder } from './render-order.ts';
import { createWorkletLink, type VoiceLink } from './voice-link.ts';

/** Options of a note render: pitches arrive through `onNote` in (about) the order asked. */
export interface RenderBankOptions {
  onNote: (pitch: number, samples: Float32Array, sampleRateHz: number) => void;
  signal?: AbortSignal;
}

/** What renders a bank from a latent: the engine's RenderWorkerClient / NoteRenderer, adapted. */
export interface BankRenderer {
  /** tfjs backend in use, known after `initialize`. */
  readonly backend: string;
  /** Why that backend was chosen (software adapters passed over…), when the renderer knows. */
  readonly backendReason?: string;
  /** The model's name and whether it is untrained, known after `initialize`. */
  readonly modelName?: string;
  readonly untrained?: boolean;
  /** Latent size of the model, known after `initialize`. */
  readonly latentSize: number;
  initialize(): Promise<void>;
  renderBank(latent: Float32Array, pitches: readonly number[], options: RenderBankOptions): Promise<void>;
  dispose(): void;
}

/** A rendered note kept for display (the copy sent to the worklet is transferred away). */
export interface BankNote {
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
  readonly bankId: number;
  /** The loop region sent with it (the next render of the pitch is phase-aligned against this note's loop). */
  readonly loop: LoopRegion;
}

/** Output level and voice settings; `{...DEFAULT_ENGINE_SETTINGS, ...partial}`. */
export interface EngineSettings {
  /** Linear output gain 0..1 (the `output` GainNode). */
  readonly volume: number;
  readonly polyphony: number;
  readonly releaseSec: number;
  /** Held notes crossfade to a swapped-in buffer over this long, seconds 0..2 (0: they finish on the old one). */
  readonly swapCrossfadeSec: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = Object.freeze({
  volume: 0.8,
  polyphony: DEFAULT_VOICE_CONFIG.polyphony,
  releaseSec: DEFAULT_VOICE_CONFIG.releaseSec,
  swapCrossfadeSec: DEFAULT_VOICE_CONFIG.swapCrossfadeSec,
});

/** What the engine tells its host besides re-rendering. */
export interface EngineCallbacks {
  /** A pitch of the current bank was rendered and handed to the worklet. */
  bankProgress?(done: number, total: number, pitch: number): void;
  /** The whole current bank is rendered. */
  bankReady?(bankId: number): void;
  /** An assignable MIDI controller moved (raw 0..127): the instrument maps it (the morph, MIDI learn). */
  control?(controller: number, value: number): void;
  /** MIDI program change (0..127): the instrument selects a preset. */
  programChange?(program: number): void;
  /** A note started (any input): for displays. */
  noteStarted?(pitch: number, velocity: number): void;
  error?(error: Error): void;
}

/** Default location of the processor: dist/worklet/processor.js next to the library / demo folder. */
export const DEFAULT_WORKLET_URL = new URL('../worklet/processor.js', import.meta.url).href;

/** See the module comment. */
export class AudioEngineController implements ReactiveController, MidiSink {
  // Public state the host renders.
  backend = '';
  /** Why `backend` was chosen (for the status line). */
  backendReason = '';
  bankDone = 0;
  bankTotal = BANK_PITCHES.length;
  /** The pitches a bank holds (a sub-range renders faster); set before a render. */
  bankPitches: readonly number[] = BANK_PITCHES;
  /** Pitches of the current bank already rendered. */
  readonly readyPitches = new Set<number>();
  /** Pitches held by any input (sustained ones excluded once their key is up). */
  readonly activePitches = new Set<number>();
  phase = 'idle';
  /** True while a bank renders. */
  rendering = false;
  /** The render queue: renders not settled yet (a superseded one stays until its batch ends); renders ever started. */
  rendersInFlight = 0;
  rendersStarted = 0;
  /** Last rendered note per pitch (for a display of the last note played). */
  readonly notes = new Map<number, BankNote>();

  context: BaseAudioContext | undefined;
  /** The voice engine's node. */
  node: AudioNode | undefined;
  /** The instrument's output: connect it anywhere in `context` (none with a given VoiceLink: its node is the output). */
  output: GainNode | undefined;
  private link: VoiceLink | undefined;

  private ownsContext = false;
  private renderer: BankRenderer | undefined;
  private settings: EngineSettings = DEFAULT_ENGINE_SETTINGS;
  private readonly recent = new RecentPitches();
  private bankCounter = 0;
  private renderAbort: AbortController | undefined;
  private readonly statsWaiters: Array<(s: VoiceStats) => void> = [];

  constructor(private readonly host: ReactiveControllerHost, private readonly callbacks: EngineCallbacks = {}) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.dispose();
  }

  /**
   * Creates (or adopts `audioContext`) the audio graph: the voice worklet and the output gain. With its own context
   * the output goes to the speakers; with the host's, the host routes `output` itself. With `voices` (the WAM
   * plugin), that link's node is the voice engine and the output: no worklet or gain is made here, and volume is the
   * link's business. A renderer comes next ({@link useRenderer}); until then notes find no bank and stay silent.
   */
  async start(options: { audioContext?: BaseAudioContext; workletUrl?: string; voices?: VoiceLink } = {}): Promise<void> {
    if (this.node) throw new Error('the audio engine is already started');
    this.phase = 'starting audio';
    this.host.requestUpdate();
    if ((options.audioContext?.state as string | undefined) === 'closed') throw new Error('the host AudioContext is closed: give the instrument an open one');
    if (options.voices && !options.audioContext) throw new Error('a voice link needs the AudioContext its node belongs to');
    const ctx = options.audioContext ?? new AudioContext({ latencyHint: 'interactive' });
    this.ownsContext = !options.audioContext;
    this.context = ctx;
    let link = options.voices;
    if (!link) {
      link = await createWorkletLink(ctx, options.workletUrl ?? DEFAULT_WORKLET_URL);
      const output = ctx.createGain();
      link.node.connect(output);
      if (this.ownsContext) output.connect(ctx.destination);
      this.output = output;
    }
    link.listen((m) => this.onWorkletMessage(m));
    this.link = link;
    this.node = link.node;
    this.configure(this.settings);
    this.phase = 'ready';
    this.host.requestUpdate();
  }

  /**
   * Makes `renderer` (already initialised by the caller) the one banks render with: a render in flight is aborted
   * and the previous renderer disposed. The worklet keeps the buffers it has, so the old model's notes sound on
   * until the next {@link renderLatent} replaces them pitch by pitch (a model change is as gapless as a preset change).
   */
  useRenderer(renderer: BankRenderer): void {
    if (!this.node) throw new Error('the audio engine is not started');
    if (renderer === this.renderer) return;
    this.renderAbort?.abort();
    this.renderer?.dispose();
    this.renderer = renderer;
    this.backend = renderer.backend;
    this.backendReason = renderer.backendReason ?? '';
    this.host.requestUpdate();
  }

  /** True once a renderer is in use. */
  get hasRenderer(): boolean {
    return this.renderer !== undefined;
  }

  /** Applies volume / polyphony / release; validated here, at the boundary. */
  configure(partial: Partial<EngineSettings>): void {
    const s = { ...this.settings, ...partial };
    if (!(s.volume >= 0 && s.volume <= 1)) throw new RangeError(`volume must be 0..1, got ${s.volume}`);
    if (!Number.isInteger(s.polyphony) || s.polyphony < 1) throw new RangeError(`polyphony must be a positive integer, got ${s.polyphony}`);
    if (!(s.releaseSec >= 0.001 && s.releaseSec <= 30)) throw new RangeError(`release must be 0.001..30 s, got ${s.releaseSec}`);
    if (!(s.swapCrossfadeSec >= 0 && s.swapCrossfadeSec <= 2)) throw new RangeError(`swap crossfade must be 0..2 s, got ${s.swapCrossfadeSec}`);
    this.settings = s;
    if (this.output && this.context) this.output.gain.setTargetAtTime(s.volume, this.context.currentTime, 0.01);
    const config: Partial<VoiceConfig> = { polyphony: s.polyphony, releaseSec: s.releaseSec, swapCrossfadeSec: s.swapCrossfadeSec };
    this.post({ type: 'config', config });
  }

  /**
   * Renders the bank of `latent` (aborting a render still running). Resolves true when every pitch
   * arrived, false when a newer render superseded it; rejects on a render error.
   */
  async renderLatent(latent: Float32Array): Promise<boolean> {
    const renderer = this.renderer;
    if (!renderer) throw new Error('the audio engine is not started');
    this.renderAbort?.abort();
    const abort = new AbortController();
    this.renderAbort = abort;
    const bankId = ++this.bankCounter;
    this.readyPitches.clear();
    this.bankDone = 0;
    this.bankTotal = this.bankPitches.length;
    this.rendering = true;
    this.host.requestUpdate();
    const order = renderOrder(this.bankPitches, this.activePitches, this.recent.pitches, this.recent.last);
    this.rendersStarted++;
    this.rendersInFlight++;
    try {
      await renderer.renderBank(latent, order, {
        signal: abort.signal,
        onNote: (pitch, samples, sampleRateHz) => {
          if (abort.signal.aborted) return;
          this.sendNote(pitch, samples, sampleRateHz, bankId);
          this.readyPitches.add(pitch);
          this.bankDone = this.readyPitches.size;
          this.callbacks.bankProgress?.(this.bankDone, this.bankTotal, pitch);
          this.host.requestUpdate();
        },
      });
    } catch (e) {
      if (abort.signal.aborted) return false;
      this.rendering = false;
      this.host.requestUpdate();
      throw e;
    } finally {
      this.rendersInFlight--;
    }
    if (abort.signal.aborted) return false;
    this.rendering = false;
    this.host.requestUpdate();
    this.callbacks.bankReady?.(bankId);
    return true;
  }

  /** Starts a note; `velocity` MIDI 1..127 (0 releases it, as in MIDI); `timeSec` on the AudioContext clock (omitted: now). */
  noteOn(pitch: number, velocity = 100, timeSec?: number): void {
    assertMidiPitch(pitch);
    // Velocity 0 is a note-off everywhere in MIDI.
    if (velocity === 0) return this.noteOff(pitch, timeSec);
    if (!(velocity >= 1 && velocity <= 127)) throw new RangeError(`velocity must be 0..127 (0: note-off), got ${velocity}`);
    this.activePitches.add(pitch);
    this.recent.push(pitch);
    this.post({ type: 'noteOn', pitch, velocity: Math.round(velocity), ...this.frameOf(timeSec) });
    this.callbacks.noteStarted?.(pitch, velocity);
    this.host.requestUpdate();
  }

  /** Releases a note (the sustain pedal may hold it). */
  noteOff(pitch: number, timeSec?: number): void {
    assertMidiPitch(pitch);
    this.activePitches.delete(pitch);
    this.post({ type: 'noteOff', pitch, ...this.frameOf(timeSec) });
    this.host.requestUpdate();
  }

  sustain(down: boolean, timeSec?: number): void {
    this.post({ type: 'sustain', down, ...this.frameOf(timeSec) });
  }

  // --- Pedals and CC121 (issue 12 §4; the worklet's rules: src/worklet/pedals.ts) ---

  /** Sostenuto (CC66): on press, notes whose keys are down keep sounding after note-off until release. */
  sostenuto(down: boolean, timeSec?: number): void {
    this.post({ type: 'sostenuto', down, ...this.frameOf(timeSec) });
  }

  /** Soft pedal (CC67): notes started while it is down play 6 dB softer with a rounder (≥ 10 ms) attack. */
  softPedal(down: boolean, timeSec?: number): void {
    this.post({ type: 'softPedal', down, ...this.frameOf(timeSec) });
  }

  /** Reset all controllers (CC121): every pedal up (notes held only by pedals release), pitch bend to centre. */
  resetControllers(timeSec?: number): void {
    this.post({ type: 'resetControllers', ...this.frameOf(timeSec) });
  }

  pitchBend(value: number, timeSec?: number): void {
    this.post({ type: 'pitchBend', value, ...this.frameOf(timeSec) });
  }

  bendRange(semitones: number, timeSec?: number): void {
    this.post({ type: 'bendRange', semitones: Math.min(48, Math.max(0, semitones)), ...this.frameOf(timeSec) });
  }

  assignableControl(controller: number, value: number): void {
    this.callbacks.control?.(controller, value);
  }

  programChange(program: number): void {
    this.callbacks.programChange?.(program);
  }

  allSoundOff(timeSec?: number): void {
    this.activePitches.clear();
    this.post({ type: 'allSoundOff', ...this.frameOf(timeSec) });
    this.host.requestUpdate();
  }

  allNotesOff(timeSec?: number): void {
    this.activePitches.clear();
    this.post({ type: 'allNotesOff', ...this.frameOf(timeSec) });
    this.host.requestUpdate();
  }

  /**
   * Live MIDI latency budget in seconds: each message is heard this long after it arrived (midi-clock.ts), so
   * main-thread delays do not become timing jitter. 0 (default): every message applies as soon as it is handled.
   */
  midiLatencySec = 0;

  /** When a live MIDI message stamped `eventMs` should apply, on the context clock (undefined = now). */
  midiTime(eventMs: number): number | undefined {
    if (!this.context || !(this.midiLatencySec > 0)) return undefined;
    return scheduledContextTime(eventMs, clockStamp(this.context), this.midiLatencySec, this.context.currentTime);
  }

  /** The worklet's counters (voices sounding, notes without a bank…). */
  stats(): Promise<VoiceStats> {
    if (!this.node) return Promise.reject(new Error('the audio engine is not started'));
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.post({ type: 'getStats' });
    });
  }

  /** Stops rendering, disconnects, closes the context if it is ours, releases the renderer. */
  dispose(): void {
    this.renderAbort?.abort();
    this.link?.close();
    this.node?.disconnect();
    this.output?.disconnect();
    if (this.ownsContext && this.context instanceof AudioContext) void this.context.close();
    this.renderer?.dispose();
    this.node = this.output = this.context = this.renderer = this.link = undefined;
    this.phase = 'idle';
  }

  /**
   * Off the audio thread, before the transfer: the loop region, the non-finite check (findLoopRegion throws) and
   * the phase alignment of held notes' swap against the pitch's previous note (src/shared/swap-align.ts).
   */
  private sendNote(pitch: number, samples: Float32Array, sampleRateHz: number, bankId: number): void {
    const message = bankMessageFor(pitch, bankId, samples, sampleRateHz, this.notes.get(pitch));
    this.notes.set(pitch, { samples, sampleRateHz, bankId, loop: message.loop });
    // The worklet gets its own copy (transferred); `samples` stays here for displays.
    this.post({ ...message, samples: samples.slice() });
  }

  private frameOf(timeSec: number | undefined): { frame?: number } {
    if (timeSec === undefined || !this.context) return {};
    if (!Number.isFinite(timeSec) || timeSec < 0) throw new RangeError(`time must be a context time ≥ 0 s, got ${timeSec}`);
    return { frame: Math.round(timeSec * this.context.sampleRate) };
  }

  private post(m: ToWorklet): void {
    this.link?.post(m, transferListOf(m));
  }

  private onWorkletMessage(m: FromWorklet): void {
    switch (m.type) {
      case 'ready':
        return;
      case 'stats':
        this.statsWaiters.splice(0).forEach((w) => w(m));
        return;
      case 'bankAccepted':
        // readyPitches counts on send: the worklet accepts in order, and rejections arrive as 'error'.
        return;
      case 'error':
        this.callbacks.error?.(new Error(`voice worklet: ${m.message}${m.cause ? ` (${m.cause})` : ''}`));
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }
}
