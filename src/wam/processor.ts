/**
 * The plugin's audio processor (STYLE.md §2), built by rollup into dist/wam/processor.js and loaded after the SDK's
 * `WamNode.addModules(ctx, WAM_MODULE_ID)` put the SDK's WamProcessor into the module scope. It subclasses that
 * WamProcessor and plays the same VoiceEngine as the element's `gansynth-voices`:
 * - `wam-midi` events reach a MidiDispatcher (note on/off, pedals, bend, RPN bend range, mode messages, program
 *   change) and become engine events on the event's own frame (the SDK cuts the quantum at each event's sample);
 * - volume (dB, interpolated per sample), release and bend range apply here; morph and preset changes, from the
 *   host's automation, `setParameterValues`, CC1 or a program change, are reported to the node, whose bank renderer
 *   (GPU side, main thread) re-renders the bank; its notes come back as the engine's `bank` messages.
 */
import { VoiceEngine } from '../worklet/voice-engine.ts';
import { MidiDispatcher, type MidiSink } from '../ui/midi-dispatch.ts';
import type { FromWorklet, ToWorklet, VoiceConfig } from '../shared/protocol.ts';
import {
  MORPH_CONTROLLER, PARAM, PARAM_REPORT_FRAMES, WAM_MODULE_ID, dbToGain, paramSpecs,
  type DownMessage, type ParamSpec, type UpMessage,
} from './params.ts';

/** What this file uses of the SDK's worklet-side classes (sdk/src/WamProcessor.js, WamParameter*.js). */
interface SdkParameter { value: number }
interface SdkInterpolator { readonly values: Float32Array; setStartValue(value: number, fill?: boolean): void; destroy(): void }
interface SdkProcessor {
  readonly port: AudioWorkletMessagePort;
  _initialized: boolean;
  _destroyed: boolean;
  _eventSabReady: boolean;
  _eventReader: { read(): unknown[] };
  _parameterInfo: Record<string, unknown>;
  _parameterState: Record<string, SdkParameter>;
  _parameterInterpolators: Record<string, SdkInterpolator>;
  scheduleEvents(...events: unknown[]): void;
  _getProcessingSlices(): { range: [number, number]; events: unknown[] }[];
  _processEvent(event: unknown): void;
  _interpolateParameterValues(start: number, end: number): void;
  _onMessage(message: { data: unknown }): void;
  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
}
interface ModuleScope {
  WamProcessor: new (options: AudioWorkletProcessorOptions) => SdkProcessor;
  WamParameter: new (info: unknown) => SdkParameter;
  WamParameterInfo: new (id: string, config: Omit<ParamSpec, 'id'>) => unknown;
  WamParameterInterpolator: new (info: unknown, samples: number) => SdkInterpolator;
  gansynthRegistered?: boolean;
}
interface ProcessorOptions { presetNames: string[]; config?: Partial<VoiceConfig> }

const scope = (globalThis as unknown as { webAudioModules: { getModuleScope(id: string): ModuleScope } }).webAudioModules
  .getModuleScope(WAM_MODULE_ID);
/** The parameters the node acts on (a re-render); a constant, so process() allocates no array for them. */
const REPORTED_PARAMS = [PARAM.morph, PARAM.preset] as const;

const Base = scope.WamProcessor as unknown as new (options: AudioWorkletProcessorOptions) => SdkProcessor;

class GansynthWamProcessor extends Base implements MidiSink {
  private readonly engine: VoiceEngine;
  private readonly dispatcher = new MidiDispatcher(this);
  private presetNames: string[];
  /** Frame of the processing slice whose events are being applied: the frame of engine events made from them. */
  private sliceFrame = 0;
  private releaseApplied: number;
  private bendRangeApplied: number;
  private readonly reported = { morph: 0, preset: 0 };
  private readonly reportedAt = { morph: -Infinity, preset: -Infinity };

  constructor(options: AudioWorkletProcessorOptions) {
    super(options);
    const o = options.processorOptions as ProcessorOptions;
    this.presetNames = o.presetNames;
    const post = (m: FromWorklet): void => this.port.postMessage({ gansynth: m } satisfies UpMessage);
    this.engine = new VoiceEngine(sampleRate, post, o.config ?? {});
    this.releaseApplied = this.engine.config.releaseSec;
    this.bendRangeApplied = -1;
    post({ type: 'ready', sampleRateHz: sampleRate, config: this.engine.config });
  }

  /** The SDK builds its parameter state from this at `initialize/processor`. */
  _generateWamParameterInfo(): Record<string, unknown> {
    const info: Record<string, unknown> = {};
    for (const { id, ...config } of paramSpecs(this.presetNames)) info[id] = new scope.WamParameterInfo(id, config);
    return info;
  }

  override _onMessage(message: { data: unknown }): void {
    const data = message.data as Partial<DownMessage> | null;
    if (!data || typeof data !== 'object' || !('gansynth' in data)) return super._onMessage(message);
    const m = data.gansynth!;
    if (m.type === 'presetNames') this.setPresetNames(m.names);
    else this.engine.handleMessage(m as ToWorklet);
  }

  override process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (!this._initialized) return true;
    if (this._destroyed) return false;
    if (this._eventSabReady) this.scheduleEvents(...this._eventReader.read());
    for (const { range: [start, end], events } of this._getProcessingSlices()) {
      this.sliceFrame = currentFrame + start;
      for (const e of events) this._processEvent(e);
      this._interpolateParameterValues(start, end);
      this.applyVoiceParams();
    }
    const out = outputs[0]!;
    this.engine.process(out, currentFrame);
    // Volume: one gain per frame (the dB curve is interpolated per sample), applied to every channel.
    const volumeDb = this._parameterInterpolators[PARAM.volumeDb]!.values;
    const frames = out[0]?.length ?? 0;
    for (let i = 0; i < frames; i++) {
      const gain = dbToGain(volumeDb[i]!);
      for (let c = 0; c < out.length; c++) out[c]![i]! *= gain;
    }
    this.reportSoundParams();
    return true;
  }

  // --- MidiSink: what wam-midi events do (on the slice's frame) ---
  _onMidi(data: { bytes: ArrayLike<number> }): void {
    this.dispatcher.handle(data.bytes);
  }
  _onTransport(): void {}
  _onMpe(): void {}
  _onSysex(): void {}
  _onOsc(): void {}
  noteOn(pitch: number, velocity: number): void { this.send({ type: 'noteOn', pitch, velocity, frame: this.sliceFrame }); }
  noteOff(pitch: number): void { this.send({ type: 'noteOff', pitch, frame: this.sliceFrame }); }
  sustain(down: boolean): void { this.send({ type: 'sustain', down, frame: this.sliceFrame }); }
  sostenuto(down: boolean): void { this.send({ type: 'sostenuto', down, frame: this.sliceFrame }); }
  softPedal(down: boolean): void { this.send({ type: 'softPedal', down, frame: this.sliceFrame }); }
  pitchBend(value: number): void { this.send({ type: 'pitchBend', value, frame: this.sliceFrame }); }
  bendRange(semitones: number): void { this.setParam(PARAM.bendRangeSemitones, Math.min(24, Math.max(0, Math.round(semitones)))); }
  allSoundOff(): void { this.send({ type: 'allSoundOff', frame: this.sliceFrame }); }
  allNotesOff(): void { this.send({ type: 'allNotesOff', frame: this.sliceFrame }); }
  resetControllers(): void { this.send({ type: 'resetControllers', frame: this.sliceFrame }); }
  assignableControl(controller: number, value: number): void {
    if (controller === MORPH_CONTROLLER) this.setParam(PARAM.morph, value / 127);
  }
  programChange(program: number): void {
    if (program < this.presetNames.length) this.setParam(PARAM.preset, program);
  }

  private send(m: ToWorklet): void {
    this.engine.handleMessage(m);
  }

  /** Sets a parameter at once (no ramp), as a host's automation of it would end. */
  private setParam(id: string, value: number): void {
    const p = this._parameterState[id];
    if (!p) return;
    p.value = value;
    this._parameterInterpolators[id]!.setStartValue(p.value);
  }

  /** Release and bend range take effect on the slice they change in. */
  private applyVoiceParams(): void {
    const release = this._parameterState[PARAM.releaseSec]!.value;
    if (release !== this.releaseApplied) {
      this.releaseApplied = release;
      this.send({ type: 'config', config: { releaseSec: release } });
    }
    const range = this._parameterState[PARAM.bendRangeSemitones]!.value;
    if (range !== this.bendRangeApplied) {
      this.bendRangeApplied = range;
      this.send({ type: 'bendRange', semitones: range, frame: this.sliceFrame });
    }
  }

  /** Morph and preset changes go to the node (which re-renders), a moving morph at most every PARAM_REPORT_FRAMES. */
  private reportSoundParams(): void {
    for (const id of REPORTED_PARAMS) {
      const value = this._parameterState[id]!.value;
      if (value === this.reported[id] || currentFrame - this.reportedAt[id] < PARAM_REPORT_FRAMES) continue;
      this.reported[id] = value;
      this.reportedAt[id] = currentFrame;
      this.port.postMessage({ gansynth: { type: 'param', id, value } } satisfies UpMessage);
    }
  }

  /** A new preset list (setState, the GUI): the preset choice gets the new names, its value kept in range. */
  private setPresetNames(names: readonly string[]): void {
    if (names.length === 0 || !this._initialized) {
      if (names.length > 0) this.presetNames = [...names];
      return;
    }
    this.presetNames = [...names];
    const spec = paramSpecs(this.presetNames).find((s) => s.id === PARAM.preset)!;
    const { id, ...config } = spec;
    const info = new scope.WamParameterInfo(id, config);
    const old = this._parameterState[id];
    const value = Math.min(old?.value ?? 0, spec.maxValue);
    this._parameterInfo[id] = info;
    this._parameterState[id] = new scope.WamParameter(info);
    this._parameterState[id]!.value = value;
    this._parameterInterpolators[id]?.destroy();
    this._parameterInterpolators[id] = new scope.WamParameterInterpolator(info, 256);
    this._parameterInterpolators[id]!.setStartValue(value);
  }
}

if (!scope.gansynthRegistered) {
  scope.gansynthRegistered = true;
  registerProcessor(WAM_MODULE_ID, GansynthWamProcessor as unknown as new (options?: AudioWorkletProcessorOptions) => AudioWorkletProcessor);
}
