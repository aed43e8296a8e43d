/**
 * Latent over time (Magenta's get_random_instruments / get_z_notes, fixed) and the render plan: each note's
 * latent is the slerp at its start time, identical (latent, pitch) pairs render once, the message schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slerp } from '../../src/engine/latent.ts';
import { anchorCount, latentAtTime, randomAnchorLatents, randomTimeline, timelinePosition } from '../../src/midi/latent-timeline.ts';
import { parseMidiNotes } from '../../src/midi/midi-notes.ts';
import {
  applyGain, planMidiRender, resolveMidiRenderOptions, scheduleMessages, type PlannedNote,
} from '../../src/midi/midi-render.ts';
import { writeMidi } from '../../support/midi-fixtures.ts';

const SIZE = 16;

test('anchors every intervalSec from 0, at least two; any duration works (Magenta crashes under 4 s)', () => {
  assert.equal(anchorCount(0.5, 2), 2);
  assert.equal(anchorCount(4, 2), 3);
  assert.equal(anchorCount(4.01, 2), 4);
  const tl = randomTimeline(7, 5, 2, SIZE);
  assert.deepEqual(tl.timesSec, [0, 2, 4, 6]);
  assert.deepEqual(timelinePosition(tl, 3), { index: 1, t: 0.5 });
  assert.deepEqual(timelinePosition(tl, 99), { index: 2, t: 1 });
  // Same seed, longer piece: the first anchors are the same (one RNG stream).
  const longer = randomAnchorLatents(7, 6, SIZE);
  tl.latents.forEach((z, k) => assert.deepEqual(z, longer[k]));
  assert.notDeepEqual(randomAnchorLatents(8, 1, SIZE)[0], longer[0]);
  assert.throws(() => anchorCount(1, 0), /intervalSec must be > 0/);
});

test('the latent a note gets is the slerp of its neighbouring anchors at its start time', () => {
  const bytes = writeMidi([{ notes: [
    { pitch: 60, startSec: 0, durationSec: 0.5 },
    { pitch: 62, startSec: 0.5, durationSec: 0.5 },
    { pitch: 64, startSec: 2.5, durationSec: 0.5 },
    { pitch: 65, startSec: 2.5, durationSec: 0.5 },
    { pitch: 60, startSec: 5, durationSec: 1 },
  ] }]);
  const o = resolveMidiRenderOptions({ latents: { kind: 'random', seed: 3 }, intervalSec: 2 });
  const plan = planMidiRender(parseMidiNotes(bytes), o, SIZE);
  const anchors = randomAnchorLatents(3, plan.timeline.latents.length, SIZE);
  assert.equal(anchors.length, 4); // 0, 2, 4, 6 s for a 6 s piece
  const expect = (t: number) => {
    const k = Math.min(Math.floor(t / 2), 2);
    return slerp(anchors[k]!, anchors[k + 1]!, (t - 2 * k) / 2);
  };
  for (const n of plan.notes) {
    const want = n.startSec === 0 ? anchors[0]! : expect(n.startSec);
    for (let i = 0; i < SIZE; i++) assert.ok(Math.abs(n.latent[i]! - want[i]!) < 1e-6, `note at ${n.startSec}s, dim ${i}`);
    assert.deepEqual(latentAtTime(plan.timeline, n.startSec), n.latent);
  }
  // Notes at different times differ; the chord at 2.5 s shares one latent but not a render (pitches differ).
  assert.notDeepEqual(plan.notes[0]!.latent, plan.notes[1]!.latent);
  assert.deepEqual(plan.notes[2]!.latent, plan.notes[3]!.latent);
  assert.equal(plan.requests.length, 5);
});

test('identical (latent, pitch) pairs render once: a fixed latent dedupes repeated pitches', () => {
  const notes = [60, 62, 60, 64, 62, 60].map((pitch, i) => ({ pitch, startSec: i * 0.5, durationSec: 0.4 }));
  const bytes = writeMidi([{ notes }]);
  const z = randomAnchorLatents(1, 1, SIZE)[0]!;
  const plan = planMidiRender(parseMidiNotes(bytes), resolveMidiRenderOptions({ latents: { kind: 'fixed', latent: z } }), SIZE);
  assert.equal(plan.notes.length, 6);
  assert.equal(plan.requests.length, 3);
  assert.deepEqual(plan.notes.map((n) => plan.requests[n.renderIndex]!.pitch), [60, 62, 60, 64, 62, 60]);
  // Preset anchors are cycled A B A B … at the interval.
  const a = new Float32Array(SIZE).fill(1);
  const b = new Float32Array(SIZE).fill(-1).map((v, i) => (i % 2 ? v : 1));
  const cyc = planMidiRender(parseMidiNotes(bytes), resolveMidiRenderOptions({ latents: { kind: 'anchors', latents: [a, b] }, intervalSec: 1 }), SIZE);
  assert.deepEqual(cyc.notes[0]!.latent, a);
  assert.deepEqual(cyc.notes[2]!.latent, b); // t = 1 s
  assert.deepEqual(cyc.notes[4]!.latent, a); // t = 2 s
  assert.throws(() => planMidiRender(parseMidiNotes(bytes), resolveMidiRenderOptions({ latents: { kind: 'fixed', latent: z } }), SIZE + 1), /needs 17/);
});

test('latentStepSec rounds start times before the latent lookup: one render per pitch per step', () => {
  const notes = [0, 0.1, 0.2, 0.6, 1.0].map((startSec) => ({ pitch: 60, startSec, durationSec: 0.05 }));
  const midi = parseMidiNotes(writeMidi([{ notes }]));
  const exact = planMidiRender(midi, resolveMidiRenderOptions({ latents: { kind: 'random', seed: 2 } }), SIZE);
  assert.equal(exact.requests.length, 5);
  const stepped = planMidiRender(midi, resolveMidiRenderOptions({ latents: { kind: 'random', seed: 2 }, latentStepSec: 0.5 }), SIZE);
  assert.deepEqual(stepped.notes.map((n) => n.renderIndex), [0, 0, 0, 1, 2]); // 0 | 0.5 | 1.0 after rounding
  assert.deepEqual(stepped.notes[3]!.latent, latentAtTime(stepped.timeline, 0.5));
  assert.throws(() => resolveMidiRenderOptions({ latentStepSec: -1 }), /latentStepSec must be ≥ 0/);
});

test('schedule: bank before each note whose buffer changes, note-on/off at the right frames, offs first', () => {
  const mk = (pitch: number, startSec: number, endSec: number, renderIndex: number): PlannedNote => ({
    pitch, sourcePitch: pitch, startSec, endSec, keyUpSec: endSec, velocity: 1, track: 0, channel: 1, latent: new Float32Array(1), renderIndex,
  });
  const s = scheduleMessages([mk(60, 0, 0.5, 0), mk(60, 0.5, 1, 0), mk(60, 1, 1.5, 1), mk(62, 0, 2, 2), mk(60, 2, 3, 0)], 16000);
  const flat = s.map((e) => `${e.atFrame}:${e.message.type}:${e.message.pitch}`);
  assert.deepEqual(flat, [
    '0:bank:60', '0:noteOn:60', '0:bank:62', '0:noteOn:62',
    '8000:noteOff:60', '8000:noteOn:60',
    '16000:noteOff:60', '16000:bank:60', '16000:noteOn:60',
    '24000:noteOff:60', '32000:noteOff:62', '32000:bank:60', '32000:noteOn:60', '48000:noteOff:60',
  ]);
  // lastUse marks each render's final bank message (render 0 is sent again at 2 s, so only that one is last).
  assert.deepEqual(s.flatMap((e) => (e.message.type === 'bank' ? [`${e.message.renderIndex}:${e.message.lastUse}`] : [])), ['0:false', '2:true', '1:true', '0:true']);
  const on = s.find((e) => e.message.type === 'noteOn')!.message;
  assert.equal(on.type === 'noteOn' && on.velocity, 127);
});

test('gain: peak normalisation hits the target, fixed dB scales, NaN is an error', () => {
  const mix = new Float32Array([0, 0.5, -0.25]);
  const g = applyGain(mix, 'peak', -6);
  assert.ok(Math.abs(Math.max(...mix.map(Math.abs)) - 10 ** (-6 / 20)) < 1e-6);
  assert.ok(Math.abs(g - 10 ** (-6 / 20) / 0.5) < 1e-6);
  const fixed = new Float32Array([0.5]);
  applyGain(fixed, -20, -1);
  assert.ok(Math.abs(fixed[0]! - 0.05) < 1e-7);
  assert.throws(() => applyGain(new Float32Array([NaN]), 'peak', -1), /non-finite/);
  assert.throws(() => resolveMidiRenderOptions({ sampleRateHz: 12345 }), /sampleRateHz must be one of/);
  assert.throws(() => resolveMidiRenderOptions({ gain: 500 }), /gain must be/);
});
