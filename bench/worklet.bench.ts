/**
 * Worklet voice engine cost, measured on VoiceEngine (the code the AudioWorklet runs, minus the browser's own
 * per-quantum overhead) in this JS engine: ns per voice per output frame at 48 kHz for 1/16/64/128 held voices
 * (looping, bent by +0.3 semitone so every read is fractional), and µs per 128-frame quantum for 1/16/64 voices,
 * also with 8 note events per quantum (slicing, stealing). Median of 5 timed runs after a warm-up.
 * A reference row times a bare linear-interpolation read loop on the same machine at the same moment, so numbers
 * from a loaded or slower machine can be compared as a ratio.
 */
import { findLoopRegion } from '../src/shared/loop.ts';
import { VoiceEngine } from '../src/worklet/voice-engine.ts';
import type { BenchRow } from './types.ts';

const RATE_HZ = 48000;
const QUANTUM = 128;
/** One quantum's real-time budget at 48 kHz. */
const QUANTUM_BUDGET_US = (QUANTUM / RATE_HZ) * 1e6;

/** `voices` held notes on pitches 0..voices-1; buffers for pitches 0..bankPitches-1 (4 s sines, looped). */
function engineWithVoices(voices: number, bankPitches = voices): VoiceEngine {
  const engine = new VoiceEngine(RATE_HZ, () => {}, { polyphony: voices });
  for (let i = 0; i < bankPitches; i++) {
    const pitch = i; // one pitch per voice: a second note on a pitch would release the first
    const hz = 100 + 10 * i;
    const samples = Float32Array.from({ length: 4 * RATE_HZ }, (_, k) => 0.1 * Math.sin((2 * Math.PI * hz * k) / RATE_HZ));
    engine.handleMessage({ type: 'bank', pitch, bankId: 1, samples, sampleRateHz: RATE_HZ, loop: findLoopRegion(samples, RATE_HZ) });
  }
  engine.handleMessage({ type: 'pitchBend', value: 0.15 }); // +0.3 semitone
  for (let i = 0; i < voices; i++) engine.handleMessage({ type: 'noteOn', pitch: i, velocity: 100 });
  engine.process([new Float32Array(QUANTUM)]); // applies the queued note-ons
  return engine;
}

/** Median over `repeats` of the mean µs per quantum over `quanta` quanta; `beforeQuantum` runs outside the timing. */
function timeQuanta(engine: VoiceEngine, quanta: number, repeats: number, beforeBatch?: (engine: VoiceEngine) => void): number {
  const channels = [new Float32Array(QUANTUM), new Float32Array(QUANTUM)];
  for (let q = 0; q < 2000; q++) engine.process(channels); // warm-up: let V8 optimise the render loop
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    beforeBatch?.(engine);
    const t0 = performance.now();
    for (let q = 0; q < quanta; q++) engine.process(channels);
    runs.push(((performance.now() - t0) * 1000) / quanta);
  }
  runs.sort((a, b) => a - b);
  return runs[runs.length >> 1]!;
}

/** Queues 8 events per quantum for the next `quanta` quanta: note-ons past the cap (steals) and note-offs. */
function queueEvents(quanta: number): (engine: VoiceEngine) => void {
  return (engine) => {
    const base = engine.stats.currentFrame;
    for (let q = 0; q < quanta; q++) {
      for (let e = 0; e < 8; e++) {
        const frame = base + q * QUANTUM + e * 16;
        const pitch = (q * 8 + e) % 128;
        engine.handleMessage(e % 2 === 0 ? { type: 'noteOn', pitch, velocity: 100, frame } : { type: 'noteOff', pitch: (q * 8 + e + 64) % 128, frame });
      }
    }
  };
}

/** ns per frame of the simplest possible voice: linear interpolation, no envelope, no loop crossfade. */
function referenceLoopNs(): number {
  const s = Float32Array.from({ length: RATE_HZ }, (_, i) => Math.sin(i * 0.05));
  const out = new Float32Array(QUANTUM);
  const read = (pos: number, inc: number): number => {
    for (let i = 0; i < QUANTUM; i++) {
      const idx = pos | 0;
      out[i] += s[idx]! + (pos - idx) * (s[idx + 1]! - s[idx]!);
      pos += inc;
      if (pos >= RATE_HZ - 2) pos -= RATE_HZ / 2;
    }
    return pos;
  };
  let pos = 0;
  for (let q = 0; q < 20000; q++) pos = read(pos, 1.01);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let q = 0; q < 20000; q++) pos = read(pos, 1.01);
    runs.push(((performance.now() - t0) * 1e6) / (20000 * QUANTUM));
  }
  return runs.sort((a, b) => a - b)[2]!;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const backend = `node ${process.version}`;
  rows.push({ suite: 'worklet', name: 'reference: bare linear-interp read', backend, value: referenceLoopNs(), unit: 'ns/frame' });
  for (const voices of [1, 16, 64, 128]) {
    const engine = engineWithVoices(voices);
    if (engine.stats.activeVoices !== voices) throw new Error(`expected ${voices} voices, got ${engine.stats.activeVoices}`);
    const quanta = Math.max(100, Math.round(100_000 / voices));
    const usPerQuantum = timeQuanta(engine, quanta, 5);
    if (engine.stats.activeVoices !== voices) throw new Error('voices ended during the run');
    rows.push({ suite: 'worklet', name: `${voices} voices`, backend, value: (usPerQuantum * 1000) / (QUANTUM * voices), unit: 'ns/voice/frame', extra: { quanta } });
    if (voices <= 64) {
      rows.push({
        suite: 'worklet', name: `quantum, ${voices} voices`, backend, value: usPerQuantum, unit: 'µs/quantum',
        extra: { budgetFraction: usPerQuantum / QUANTUM_BUDGET_US },
      });
    }
  }
  for (const voices of [16, 64]) {
    const engine = engineWithVoices(voices, 128);
    const quanta = 500; // 4000 events ≤ the event queue
    const usPerQuantum = timeQuanta(engine, quanta, 5, queueEvents(quanta));
    rows.push({
      suite: 'worklet', name: `quantum, ${voices} voices + 8 events`, backend, value: usPerQuantum, unit: 'µs/quantum',
      extra: { budgetFraction: usPerQuantum / QUANTUM_BUDGET_US, stolenVoices: engine.stats.stolenVoices },
    });
  }
  return rows;
}
