/**
 * Fixtures for the worklet tests: synthetic note buffers (seeded, made here, nothing downloaded), a frame-by-frame
 * driver for VoiceEngine, and the numeric "listening" helpers (level, jumps).
 */
import { findLoopRegion } from '../../src/shared/loop.ts';
import type { BankMessage, FromWorklet, VoiceConfig } from '../../src/shared/protocol.ts';
import { VoiceEngine } from '../../src/worklet/voice-engine.ts';

export const RATE_HZ = 48000;
export const QUANTUM = 128;

/** Partials of a synthetic note: [frequency multiple, amplitude, phase radians]. */
export type Partials = readonly (readonly [number, number, number])[];

/**
 * A GANSynth-like note: partials of `f0Hz` with a linear attack, a steady part, then a linear fade to 0 over
 * `releaseSec` ending at `durationSec` (like the model's 3 s held + release). attackSec 0 starts at full level.
 */
export function syntheticNote(
  f0Hz: number,
  opts: { rateHz?: number; durationSec?: number; attackSec?: number; releaseSec?: number; partials?: Partials; amplitude?: number } = {},
): Float32Array {
  const rateHz = opts.rateHz ?? RATE_HZ;
  const n = Math.round((opts.durationSec ?? 4) * rateHz);
  const attack = Math.round((opts.attackSec ?? 0.01) * rateHz);
  const release = Math.round((opts.releaseSec ?? 0.8) * rateHz);
  const partials = opts.partials ?? [[1, 1, 0]];
  const amplitude = opts.amplitude ?? 0.5;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let y = 0;
    for (const [k, a, phase] of partials) y += a * Math.sin((2 * Math.PI * k * f0Hz * i) / rateHz + phase);
    const env = Math.min(attack > 0 ? i / attack : 1, 1, (n - i) / release);
    out[i] = amplitude * y * env;
  }
  return out;
}

/** A `bank` message with the loop region findLoopRegion picks. */
export function bankMessage(pitch: number, samples: Float32Array, bankId = 1, rateHz = RATE_HZ): BankMessage {
  return { type: 'bank', pitch, bankId, samples, sampleRateHz: rateHz, loop: findLoopRegion(samples, rateHz) };
}

/** An engine whose replies are collected in `messages`. */
export function makeEngine(config: Partial<VoiceConfig> = {}, rateHz = RATE_HZ): { engine: VoiceEngine; messages: FromWorklet[] } {
  const messages: FromWorklet[] = [];
  const engine = new VoiceEngine(rateHz, (m) => messages.push(m), config);
  return { engine, messages };
}

/** Runs `frames` frames (whole quanta) and returns channel 0; `channels` > 1 also checks they are identical. */
export function render(engine: VoiceEngine, frames: number, channels = 1): Float32Array {
  const out = new Float32Array(Math.ceil(frames / QUANTUM) * QUANTUM);
  const bufs = Array.from({ length: channels }, () => new Float32Array(QUANTUM));
  for (let at = 0; at < out.length; at += QUANTUM) {
    engine.process(bufs);
    out.set(bufs[0]!, at);
    for (let c = 1; c < channels; c++) {
      for (let i = 0; i < QUANTUM; i++) if (bufs[c]![i] !== bufs[0]![i]) throw new Error(`channel ${c} differs at frame ${at + i}`);
    }
  }
  return out.subarray(0, frames);
}

/** RMS level in dBFS of x[from, to) (-Infinity for silence). */
export function rmsDb(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return 10 * Math.log10(s / Math.max(1, to - from));
}

/** Peak |x| in dBFS over [from, to). */
export function peakDb(x: Float32Array, from = 0, to = x.length): number {
  let p = 0;
  for (let i = from; i < to; i++) p = Math.max(p, Math.abs(x[i]!));
  return 20 * Math.log10(p);
}

/** Largest |x[i] - x[i-1]| for i in (from, to): a click shows up as a jump far above the signal's own slope. */
export function maxJump(x: Float32Array, from = 1, to = x.length): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

/** Largest per-frame slope a sum of sines can have: Σ amplitude × 2πf / rate. */
export function slopeBound(partsHzAmp: readonly (readonly [number, number])[], rateHz = RATE_HZ): number {
  return partsHzAmp.reduce((s, [f, a]) => s + (a * 2 * Math.PI * f) / rateHz, 0);
}
