/**
 * Browser test page of the instrument: the element, plus a recorder that taps any AudioNode through an
 * AudioWorklet (so recording keeps up while the main thread is busy), and signal measures computed here so
 * only numbers travel back to the test.
 */
import '../../src/ui/gansynth-instrument.ts';
import type { GansynthInstrument } from '../../src/ui/gansynth-instrument.ts';
import { spectrogramDb } from '../../src/ui/note-view.ts';
import { clockStamp } from '../../src/ui/midi-clock.ts';

const RECORDER_SOURCE = `
registerProcessor('test-tap', class extends AudioWorkletProcessor {
  constructor() {
    super();
    this.on = false;
    this.buf = new Float32Array(4096);
    this.n = 0;
    this.start = 0;
    this.port.onmessage = (e) => {
      this.on = e.data;
      if (!this.on && this.n > 0) this.flush();
    };
  }
  flush() {
    this.port.postMessage({ startFrame: this.start, samples: this.buf.slice(0, this.n) });
    this.n = 0;
  }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (!this.on) return true;
    if (this.n === 0) this.start = currentFrame;
    for (let i = 0; i < 128; i++) this.buf[this.n++] = x ? x[i] : 0;
    if (this.n === this.buf.length) this.flush();
    return true;
  }
});`;

/** Records what flows through a node, frame-stamped on the context's clock. */
class Recorder {
  private chunks: { startFrame: number; samples: Float32Array }[] = [];
  private constructor(private readonly node: AudioWorkletNode) {
    node.port.onmessage = (e) => this.chunks.push(e.data);
  }

  static async attach(ctx: BaseAudioContext, source: AudioNode): Promise<Recorder> {
    const url = URL.createObjectURL(new Blob([RECORDER_SOURCE], { type: 'text/javascript' }));
    await ctx.audioWorklet.addModule(url);
    const node = new AudioWorkletNode(ctx, 'test-tap', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit' });
    source.connect(node);
    // A processor only runs while something pulls it: send its (silent) output to the destination via a zero gain.
    const mute = ctx.createGain();
    mute.gain.value = 0;
    node.connect(mute).connect(ctx.destination);
    return new Recorder(node);
  }

  start(): void {
    this.chunks = [];
    this.node.port.postMessage(true);
  }

  /** Stops and returns the recording (waits for the last chunk). */
  async stop(): Promise<{ startFrame: number; samples: Float32Array }> {
    this.node.port.postMessage(false);
    await new Promise((r) => setTimeout(r, 100));
    const total = this.chunks.reduce((a, c) => a + c.samples.length, 0);
    const samples = new Float32Array(total);
    let o = 0;
    for (const c of this.chunks) {
      samples.set(c.samples, o);
      o += c.samples.length;
    }
    return { startFrame: this.chunks[0]?.startFrame ?? -1, samples };
  }
}

/** RMS of consecutive windows of `win` frames. */
function rmsWindows(x: Float32Array, win: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + win <= x.length; i += win) {
    let s = 0;
    for (let j = i; j < i + win; j++) s += x[j]! * x[j]!;
    out.push(Math.sqrt(s / win));
  }
  return out;
}

/** Fraction of spectral energy above `cutoffHz` (averaged over the recording). */
function energyAbove(x: Float32Array, rateHz: number, cutoffHz: number): number {
  const spec = spectrogramDb(x, 32, 2048);
  const bins = spec[0]!.length;
  const k0 = Math.round((cutoffHz / (rateHz / 2)) * bins);
  let hi = 0;
  let all = 0;
  for (const col of spec) {
    for (let k = 1; k < bins; k++) {
      const p = 10 ** (col[k]! / 10);
      all += p;
      if (k >= k0) hi += p;
    }
  }
  return all > 0 ? hi / all : 0;
}

/** First frame whose |x| exceeds `threshold`, or -1. */
function onsetIndex(x: Float32Array, threshold: number): number {
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) > threshold) return i;
  return -1;
}

/** Normalised cross-correlation of `x` from `at` with `ref` from 0 over `win` frames, best over lags ±`lag`. */
function bestCorrelation(x: Float32Array, at: number, ref: Float32Array, win: number, lag: number): number {
  let best = -1;
  for (let d = -lag; d <= lag; d++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < win; i++) {
      const a = x[at + d + i] ?? 0;
      const b = ref[i] ?? 0;
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    if (xx > 0 && yy > 0) best = Math.max(best, xy / Math.sqrt(xx * yy));
  }
  return best;
}

/** Frames where sound starts after at least `gap` frames under `threshold`. */
function onsets(x: Float32Array, threshold: number, gap: number): number[] {
  const out: number[] = [];
  let quiet = gap;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) > threshold) {
      if (quiet >= gap) out.push(i);
      quiet = 0;
    } else quiet++;
  }
  return out;
}

/** A strike sounds like one buffer when it correlates with it by this much more than with the other. */
const SOUNDS_LIKE_MARGIN = 0.3;

type FakeMidiWindow = { fakeMidi: { send(id: string, b: number[]): void } };

const api = {
  el: undefined as GansynthInstrument | undefined,
  recorder: undefined as Recorder | undefined,
  hostContext: undefined as AudioContext | undefined,
  events: [] as { type: string; t: number; detail: unknown }[],

  /** Mounts an instrument; `host` = give it a host-owned AudioContext routed through a host gain. */
  async mount(opts: { model: string; workerUrl?: string; host?: boolean; attrs?: Record<string, string> }): Promise<number> {
    const t0 = performance.now();
    const el = document.createElement('gansynth-instrument');
    el.setAttribute('worklet-url', '/worklet/processor.js');
    el.setAttribute('no-computer-keyboard', '');
    if (opts.workerUrl) el.setAttribute('worker-url', opts.workerUrl);
    for (const [k, v] of Object.entries(opts.attrs ?? {})) el.setAttribute(k, v);
    if (opts.host) {
      this.hostContext = new AudioContext();
      el.audioContext = this.hostContext;
    }
    for (const type of ['ready', 'bank-progress', 'bank-ready', 'error', 'note-played']) {
      el.addEventListener(type, (e) => this.events.push({ type, t: Math.round(performance.now()), detail: (e as CustomEvent).detail }));
    }
    const bankReady = new Promise<void>((ok, fail) => {
      el.addEventListener('bank-ready', () => ok(), { once: true });
      el.addEventListener('error', (e) => fail(new Error((e as unknown as CustomEvent).detail.message)), { once: true });
    });
    el.setAttribute('model', opts.model);
    document.body.append(el);
    this.el = el;
    await bankReady;
    if (opts.host) {
      const hostGain = this.hostContext!.createGain();
      el.connect(hostGain);
      hostGain.connect(this.hostContext!.destination);
      this.recorder = await Recorder.attach(this.hostContext!, hostGain);
    } else {
      this.recorder = await Recorder.attach(el.context!, el.output!);
    }
    return performance.now() - t0;
  },

  async stats() {
    return this.el!.stats();
  },

  /** Records for `ms` while `during` runs; returns RMS per `win` frames and the high-band energy share. */
  async record(ms: number, win = 1024, cutoffsHz: number[] = [8400]) {
    const rec = this.recorder!;
    rec.start();
    await new Promise((r) => setTimeout(r, ms));
    const { startFrame, samples } = await rec.stop();
    const rate = (this.el!.context as BaseAudioContext).sampleRate;
    return { startFrame, frames: samples.length, rms: rmsWindows(samples, win), highShare: cutoffsHz.map((c) => energyAbove(samples, rate, c)), rate };
  },

  /** Schedules a note at now + `leadSec` on the host clock; returns the scheduled frame and the onset seen. */
  async scheduledOnset(pitch: number, leadSec: number) {
    const ctx = this.el!.context!;
    const rec = this.recorder!;
    rec.start();
    await new Promise((r) => setTimeout(r, 50));
    const time = ctx.currentTime + leadSec;
    this.el!.noteOn(pitch, 127, time);
    await new Promise((r) => setTimeout(r, leadSec * 1000 + 400));
    this.el!.noteOff(pitch);
    const { startFrame, samples } = await rec.stop();
    const i = onsetIndex(samples, 1e-4);
    return { scheduledFrame: Math.round(time * ctx.sampleRate), onsetFrame: i < 0 ? -1 : startFrame + i };
  },

  /**
   * A live MIDI note-on (fake port, stamped now) with a `latencyMs` budget: where the note starts, where the
   * clock pairing says it should (heard latencyMs after it arrived), and the frame the context was at on sending.
   */
  async midiLatencyOnset(pitch: number, latencyMs: number) {
    const el = this.el!;
    const ctx = el.context!;
    const rec = this.recorder!;
    el.midiLatencyMs = latencyMs;
    await el.updateComplete;
    rec.start();
    await new Promise((r) => setTimeout(r, 50));
    const sentMs = performance.now();
    const stamp = clockStamp(ctx, sentMs);
    const sendFrame = Math.round(ctx.currentTime * ctx.sampleRate);
    (window as unknown as FakeMidiWindow).fakeMidi.send('fake-1', [0x90, pitch, 127]);
    await new Promise((r) => setTimeout(r, latencyMs + 400));
    el.noteOff(pitch);
    el.midiLatencyMs = 0;
    const { startFrame, samples } = await rec.stop();
    const i = onsetIndex(samples, 1e-4);
    const expected = stamp.contextTime + latencyMs / 1000;
    return { expectedFrame: Math.round(expected * ctx.sampleRate), sendFrame, onsetFrame: i < 0 ? -1 : startFrame + i };
  },

  /**
   * Preset change → the first note of the new timbre heard. A player strikes `pitch` over MIDI every `strikeMs`
   * (30 ms notes with a 10 ms release, so each onset stands alone) while `setPreset(preset)` runs; the output is
   * recorded, and each strike is classified by which buffer of the pitch its first 1024 frames match (the one
   * playing before, or the preset's new one: normalised correlation, best over ±16 frames, ahead of the other by
   * `SOUNDS_LIKE_MARGIN`). Returns the frame of the
   * change, each strike, and the time to the first new-timbre onset as rendered (`renderedMs`) and as heard
   * (`audibleMs`: plus the element's `latencyMs`, the context's base + output latency and the MIDI budget).
   */
  async swapToAudible(preset: number, pitch: number, strikeMs = 60) {
    const el = this.el!;
    const ctx = el.context!;
    const rec = this.recorder!;
    const fake = (window as unknown as FakeMidiWindow).fakeMidi;
    const release = el.release;
    el.release = 0.01;
    await el.updateComplete;
    const before = el.getNote(pitch);
    if (!before) throw new Error(`swapToAudible: pitch ${pitch} has no note yet`);
    const old = before.samples.slice();
    rec.start();
    await new Promise((r) => setTimeout(r, 50));
    const strike = () => {
      fake.send('fake-1', [0x90, pitch, 100]);
      setTimeout(() => fake.send('fake-1', [0x80, pitch, 0]), 30);
    };
    strike();
    const strikes = setInterval(strike, strikeMs);
    const changeFrame = Math.round(ctx.currentTime * ctx.sampleRate);
    const t0 = performance.now();
    const complete = await el.setPreset(preset);
    const bankMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(strikes);
    await new Promise((r) => setTimeout(r, 100));
    const { startFrame, samples } = await rec.stop();
    el.release = release;
    const fresh = el.getNote(pitch)!.samples;
    const win = 1024; // 21 ms: inside the 30 ms note
    const hits = onsets(samples, 1e-4, 256).filter((i) => i + win + 16 < samples.length).map((i) => ({
      onsetFrame: startFrame + i, corrOld: bestCorrelation(samples, i, old, win, 16), corrNew: bestCorrelation(samples, i, fresh, win, 16),
    }));
    // By margin rather than level: on a loaded machine a strike's note-off may come early and cut its note short of
    // the window, lowering both correlations alike (0.59 against 0.10 was seen).
    const firstNew = hits.find((h) => h.onsetFrame >= changeFrame && h.corrNew > h.corrOld + SOUNDS_LIKE_MARGIN);
    const renderedMs = firstNew ? ((firstNew.onsetFrame - changeFrame) / ctx.sampleRate) * 1000 : Number.NaN;
    return {
      complete, bankMs, changeFrame, strikes: hits, firstNewFrame: firstNew?.onsetFrame ?? -1, renderedMs,
      audibleMs: renderedMs + el.latencyMs, latencyMs: el.latencyMs, buffersCorrelation: bestCorrelation(fresh, 0, old, win, 16),
    };
  },
};

(window as unknown as { gsTest: typeof api }).gsTest = api;
