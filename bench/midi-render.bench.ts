/**
 * MIDI-render bench: everything around the synthesis (which engine.bench.ts measures per note): MIDI parsing,
 * planning (latent per note + dedupe), loop-region search per rendered note, and the VoiceEngine mix as a
 * real-time factor. A synthetic dense piece (4-note chords every 16th at 120 bpm) and synthetic decaying-tone
 * note buffers stand in for the model, so the numbers do not depend on a backend.
 */
import { findLoopRegion } from '../src/shared/loop.ts';
import { parseMidiNotes } from '../src/midi/midi-notes.ts';
import { planMidiRender, resolveMidiRenderOptions } from '../src/midi/midi-render.ts';
import { mixLengthFrames, scheduleMessages } from '../src/midi/midi-schedule.ts';
import { mixWithVoiceEngine } from '../src/node/midi-mix.ts';
import { writeMidi } from '../support/midi-fixtures.ts';
import type { BenchRow } from './types.ts';

const RATE_HZ = 48000;
const DURATION_SEC = 60;

function denseMidi(): Uint8Array {
  const notes = [];
  for (let t = 0; t < DURATION_SEC; t += 0.125) {
    for (const [i, p] of [48, 55, 64, 67].entries()) notes.push({ pitch: p + ((t * 8) % 5), startSec: t, durationSec: 0.1 + 0.3 * i, velocity: 0.5 + 0.1 * i });
  }
  return writeMidi([{ notes }]);
}

function toneBuffer(pitch: number): Float32Array {
  const out = new Float32Array(4 * RATE_HZ);
  const f = 440 * 2 ** ((pitch - 69) / 12);
  for (let i = 0; i < out.length; i++) out[i] = Math.sin((2 * Math.PI * f * i) / RATE_HZ) * Math.exp(-i / RATE_HZ);
  return out;
}

/** Runs the bench. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const bytes = denseMidi();
  let t0 = performance.now();
  const midi = parseMidiNotes(bytes);
  const parseMs = performance.now() - t0;
  rows.push({ suite: 'midi-render', name: `parse (${midi.notes.length} notes)`, value: (parseMs * 1000) / midi.notes.length, unit: 'µs/note' });
  const o = resolveMidiRenderOptions({ sampleRateHz: RATE_HZ, latents: { kind: 'random', seed: 1 } });
  t0 = performance.now();
  const plan = planMidiRender(midi, o, 256);
  const planMs = performance.now() - t0;
  rows.push({ suite: 'midi-render', name: 'plan (latent per note + dedupe)', value: (planMs * 1000) / midi.notes.length, unit: 'µs/note', extra: { notes: midi.notes.length, renders: plan.requests.length } });
  // One synthetic buffer per pitch stands in for each render (memory: 4 s × 48 kHz per distinct render).
  const byPitch = new Map<number, Float32Array>();
  const buffers = plan.requests.map((r) => byPitch.get(r.pitch) ?? byPitch.set(r.pitch, toneBuffer(r.pitch)).get(r.pitch)!);
  t0 = performance.now();
  const distinct = [...byPitch.values()];
  const distinctLoops = distinct.map((b) => findLoopRegion(b, RATE_HZ));
  const loopMs = (performance.now() - t0) / distinct.length;
  rows.push({ suite: 'midi-render', name: 'findLoopRegion per rendered note (4 s at 48 kHz)', value: loopMs, unit: 'ms/note' });
  const loops = buffers.map((b) => distinctLoops[distinct.indexOf(b)]!);
  const schedule = scheduleMessages(plan.notes, RATE_HZ);
  const lengthFrames = mixLengthFrames(plan.notes, RATE_HZ, o.releaseSec);
  const source = { get: async (i: number) => ({ samples: buffers[i]!, loop: loops[i]! }), release: () => undefined };
  t0 = performance.now();
  await mixWithVoiceEngine({ schedule, source, buffersRateHz: RATE_HZ, sampleRateHz: RATE_HZ, lengthFrames, voiceConfig: { polyphony: 64 } });
  const mixSec = (performance.now() - t0) / 1000;
  rows.push({
    suite: 'midi-render', name: `VoiceEngine mix, ${DURATION_SEC} s dense piece at 48 kHz`, value: lengthFrames / RATE_HZ / mixSec, unit: '× real time',
    extra: { mixSec, notes: plan.notes.length, messages: schedule.length },
  });
  return rows;
}
