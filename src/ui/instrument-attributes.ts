/**
 * The public attributes and properties of `<gansynth-instrument>`, with their defaults and units: declared here so
 * the element's file holds its behaviour. Lit reactive properties; the element reacts to changes in `updated()`.
 */
import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import { PITCH_MAX, PITCH_MIN } from '../shared/constants.ts';
import type { BankRenderer } from './audio-engine-controller.ts';
import { ALL_INPUTS } from './midi-input.ts';
import { AUTO_MODEL, DEFAULT_BUILTIN_MODEL_URL } from './model-catalog.ts';
import { createBankRenderer, type RendererOptions } from './renderer-adapter.ts';

/** See the module comment; `<gansynth-instrument>` extends it. */
export class InstrumentAttributes extends LitElement {
  /**
   * The model: 'auto' (default: the built-in model when trained, else Magenta's acoustic_only, else the built-in
   * one), 'builtin', 'acoustic_only', 'all_instruments', or a model directory URL (model.json, or a Magenta
   * checkpoint's weights_manifest.json). Takes effect whenever it changes; a source that fails falls back to the
   * built-in model with the reason in the status line.
   */
  @property() model = AUTO_MODEL;
  /** Where the built-in model is served (default: models/default/ of the package). */
  @property({ attribute: 'builtin-model' }) builtinModel = DEFAULT_BUILTIN_MODEL_URL;
  /** Name of the preset to play (changing it swaps the sound). */
  @property() preset = '';
  /** MIDI input: 'all', 'none', or a device id or name. */
  @property({ attribute: 'midi-input' }) midiInput = ALL_INPUTS;
  /** MIDI channel: 0 = omni, 1..16. */
  @property({ type: Number, attribute: 'midi-channel' }) midiChannel = 0;
  /**
   * Live MIDI latency budget, ms (0..500): each message is heard this long after the MIDI port received it, so a
   * busy main thread delays notes evenly instead of jittering them. 0: as soon as the page handles it.
   */
  @property({ type: Number, attribute: 'midi-latency-ms' }) midiLatencyMs = 0;
  /** Lowest pitch of the bank and the keyboard (MIDI, ≥ 24); a narrower range renders faster. */
  @property({ type: Number }) low = PITCH_MIN;
  /** Highest pitch of the bank and the keyboard (MIDI, ≤ 84). */
  @property({ type: Number }) high = PITCH_MAX;
  /** Output gain, 0..1. */
  @property({ type: Number }) volume = 0.8;
  /** Voices that may sound at once. */
  @property({ type: Number }) polyphony = 64;
  /** Release time after note-off, seconds. */
  @property({ type: Number }) release = 0.3;
  /** Held notes crossfade to the new sound of a preset change or morph over this long, seconds 0..2 (0: they keep the old one). */
  @property({ type: Number, attribute: 'swap-crossfade-sec' }) swapCrossfadeSec = 0.08;
  /** Sound → preset (a dropped WAV): gradient steps and random starts of the inversion (the CLI's defaults are 60 and 4). */
  @property({ type: Number, attribute: 'invert-steps' }) invertSteps = 30;
  @property({ type: Number, attribute: 'invert-starts' }) invertStarts = 2;
  /** Render in a Web Worker loaded from this URL (the built render-worker.js); empty: on the main thread. */
  @property({ attribute: 'worker-url' }) workerUrl = '';
  /** Where dist/worklet/processor.js is served; default: next to the library. */
  @property({ attribute: 'worklet-url' }) workletUrl = '';
  /** tfjs backend to ask for ('webgpu', 'webgl', 'wasm', 'cpu'); empty: the best available. */
  @property() backend = '';
  /** Where tfjs-backend-wasm's .wasm files are served (only the wasm backend needs them). */
  @property({ attribute: 'wasm-path' }) wasmPath = '';
  /** Do not play from the computer keyboard. */
  @property({ type: Boolean, attribute: 'no-computer-keyboard' }) noComputerKeyboard = false;
  /** The host page's AudioContext (set before connecting). */
  @property({ attribute: false }) audioContext: BaseAudioContext | undefined;
  /** Makes the note-bank renderer (tests and hosts may supply their own; default: the tfjs engine). */
  @property({ attribute: false }) rendererFactory: (o: RendererOptions) => BankRenderer = createBankRenderer;
}
