/**
 * Sostenuto (CC66), soft pedal (CC67), reset all controllers (CC121) and all-notes-off (CC123) under pedals
 * (issue 12 §4), VoiceEngine driven frame by frame. Frame accuracy is checked by comparing, sample for sample, with
 * an engine that gets the equivalent plain note-offs at the frames the pedals should produce.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_VOICE_CONFIG, SOFT_PEDAL_ATTACK_SEC, SOFT_PEDAL_GAIN_DB, type ToWorklet } from '../../src/shared/protocol.ts';
import { estimateF0Hz } from '../../src/shared/pitch.ts';
import { EventKind } from '../../src/worklet/event-queue.ts';
import { endsSound } from '../../src/worklet/queue-policy.ts';
import { RATE_HZ, bankMessage, makeEngine, render, rmsDb, syntheticNote } from './worklet-fixtures.ts';

const releaseFrames = Math.round(DEFAULT_VOICE_CONFIG.releaseSec * RATE_HZ);
const HZ: Record<number, number> = { 60: 261.63, 64: 329.63, 67: 392 };

/** Renders `frames` of an engine with buffers for 60, 64 and 67 after `messages`. */
function play(messages: ToWorklet[], frames: number): { out: Float32Array; engine: ReturnType<typeof makeEngine>['engine'] } {
  const { engine, messages: replies } = makeEngine();
  for (const p of [60, 64, 67]) engine.handleMessage(bankMessage(p, syntheticNote(HZ[p]!, { amplitude: 0.2 })));
  for (const m of messages) engine.handleMessage(m);
  const out = render(engine, frames);
  assert.deepEqual(replies.filter((r) => r.type === 'error'), []);
  return { out, engine };
}

/** Largest |a − b|. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const on = (pitch: number, frame: number, velocity = 100): ToWorklet => ({ type: 'noteOn', pitch, velocity, frame });
const off = (pitch: number, frame: number): ToWorklet => ({ type: 'noteOff', pitch, frame });

describe('sostenuto pedal', () => {
  test('catches the keys held at its press: they sound past note-off and release on the pedal-up frame; later notes are not caught', () => {
    const up = 30000 + 37; // mid-quantum
    const frames = up + releaseFrames + 1000;
    const { out, engine } = play([
      on(60, 0), on(64, 0),
      { type: 'sostenuto', down: true, frame: 5000 },
      on(67, 6000), // after the press: not caught
      { type: 'sostenuto', down: true, frame: 7000 }, // a controller repeating CC66 ≥ 64 catches nothing new
      off(60, 10000), off(64, 10000), off(67, 12000),
      { type: 'sostenuto', down: false, frame: up },
    ], frames);
    const { out: reference } = play([on(60, 0), on(64, 0), on(67, 6000), off(67, 12000), off(60, up), off(64, up)], frames);
    assert.equal(maxDiff(out, reference), 0, 'identical to note-offs at the pedal-up frame, sample for sample');
    assert.deepEqual(engine.describeVoices(), [], 'all released and ended');
  });

  test('with the sustain pedal: a caught note sounds until both pedals are up, in either order', () => {
    for (const order of [['sostenuto', 'sustain'], ['sustain', 'sostenuto']] as const) {
      const first = 20000;
      const second = 30000 + 5;
      const frames = second + releaseFrames + 500;
      const { out } = play([
        on(60, 0),
        { type: 'sostenuto', down: true, frame: 1000 },
        { type: 'sustain', down: true, frame: 2000 },
        on(64, 3000), off(64, 4000), // sustained only
        off(60, 5000), // caught and sustained
        { type: order[0], down: false, frame: first },
        { type: order[1], down: false, frame: second },
      ], frames);
      const release64 = order[0] === 'sustain' ? first : second;
      const { out: reference } = play([on(60, 0), on(64, 3000), off(64, release64), off(60, second)], frames);
      assert.equal(maxDiff(out, reference), 0, `${order.join(' up, then ')} up`);
    }
  });

  test('all-notes-off lifts the keys but the caught notes hold until the pedal is up', () => {
    const up = 25000;
    const frames = up + releaseFrames + 500;
    const { out } = play([
      on(60, 0), { type: 'sostenuto', down: true, frame: 100 }, on(64, 200),
      { type: 'allNotesOff', frame: 10000 },
      { type: 'sostenuto', down: false, frame: up },
    ], frames);
    const { out: reference } = play([on(60, 0), on(64, 200), off(64, 10000), off(60, up)], frames);
    assert.equal(maxDiff(out, reference), 0);
  });
});

describe('soft pedal', () => {
  test(`notes started while it is down play ${SOFT_PEDAL_GAIN_DB} dB softer with a ${SOFT_PEDAL_ATTACK_SEC * 1000} ms attack, from its frame to its up frame`, () => {
    const down = 4800 + 50;
    const upFrame = 48000 + 50;
    const { out, engine } = play([
      on(60, down - 1), // one frame before: full level
      { type: 'softPedal', down: true, frame: down },
      on(64, down), // on the pedal's frame: soft
      { type: 'softPedal', down: false, frame: upFrame },
      on(67, upFrame), // full level again
    ], upFrame + 128);
    const gains = Object.fromEntries(engine.describeVoices().map((v) => [v.pitch, v.gain]));
    const full = (100 / 127) ** 2;
    assert.ok(Math.abs(gains[60]! - full) < 1e-12 && Math.abs(gains[67]! - full) < 1e-12, JSON.stringify(gains));
    assert.ok(Math.abs(20 * Math.log10(gains[64]! / full) - SOFT_PEDAL_GAIN_DB) < 1e-9, 'the soft note’s gain');
    // Level measured alone: 64 with and without the pedal.
    const alone = (soft: boolean) => play([...(soft ? [{ type: 'softPedal', down: true, frame: 0 } as const] : []), on(64, 0)], 24000).out;
    const [loud, softOut] = [alone(false), alone(true)];
    assert.ok(Math.abs(rmsDb(softOut, 12000, 24000) - rmsDb(loud, 12000, 24000) - SOFT_PEDAL_GAIN_DB) < 0.01);
    // Attack: the soft note's envelope rises linearly over 10 ms (480 frames), the plain one over 2 ms.
    const attack = Math.round(SOFT_PEDAL_ATTACK_SEC * RATE_HZ);
    const soft = 10 ** (SOFT_PEDAL_GAIN_DB / 20);
    for (const k of [0, 100, 300, attack - 1, attack + 100]) {
      const expected = loud[k]! * soft * Math.min(1, (k + 1) / attack);
      assert.ok(Math.abs(softOut[k]! - expected) < 1e-6, `frame ${k}: ${softOut[k]} vs ${expected}`);
    }
    assert.ok(out.every(Number.isFinite));
  });
});

describe('reset all controllers (CC121)', () => {
  test('lifts every pedal on its frame (notes held only by pedals release; a held key sounds on), centres the bend', () => {
    const reset = 20000 + 77;
    const frames = 48000;
    const { out, engine } = play([
      { type: 'bendRange', semitones: 12, frame: 0 },
      { type: 'pitchBend', value: 1, frame: 0 },
      { type: 'softPedal', down: true, frame: 0 },
      on(60, 0), // key held throughout
      { type: 'sostenuto', down: true, frame: 100 },
      { type: 'sustain', down: true, frame: 200 },
      on(64, 300), off(64, 400), // sustain-held
      off(60, 500), on(60, 600), // re-struck: the caught voice released, the new one is key-held, not caught
      { type: 'resetControllers', frame: reset },
      on(67, reset + 1000), // soft pedal is up again: full level
    ], frames);
    const { out: reference } = play([
      { type: 'bendRange', semitones: 12, frame: 0 },
      { type: 'pitchBend', value: 1, frame: 0 },
      { type: 'softPedal', down: true, frame: 0 },
      on(60, 0), on(64, 300), off(60, 600), on(60, 600), // the pedal-held first 60 releases on the re-strike
      { type: 'softPedal', down: false, frame: reset },
      { type: 'pitchBend', value: 0, frame: reset },
      off(64, reset),
      on(67, reset + 1000),
    ], frames);
    assert.equal(maxDiff(out, reference), 0, 'identical to pedal-ups, a note-off and a centred bend at the reset frame');
    assert.deepEqual(engine.describeVoices().map((v) => [v.pitch, v.stage]), [[60, 'Hold'], [67, 'Hold']]);
    const f0 = estimateF0Hz(out, RATE_HZ, { start: 40000, windowSamples: 4096, minHz: 100, maxHz: 1000 });
    assert.ok(f0 > 0, 'pitched after the reset');
    // The bend range survives the reset (RP-015): a new bend of +1 is an octave again.
    engine.handleMessage({ type: 'pitchBend', value: 1 });
    engine.handleMessage({ type: 'noteOff', pitch: 60 });
    render(engine, releaseFrames + 256);
    const bent = render(engine, 8192);
    const bentF0 = estimateF0Hz(bent, RATE_HZ, { windowSamples: 4096, minHz: 200, maxHz: 1000 });
    assert.ok(Math.abs(bentF0 / (2 * HZ[67]!) - 1) < 0.005, `bent f0 ${bentF0}`);
  });

  test('pedal-ups and resets are never refused by a full queue; pedal-downs may be', () => {
    for (const kind of [EventKind.Sustain, EventKind.Sostenuto, EventKind.SoftPedal]) {
      assert.equal(endsSound(kind, 0), true);
      assert.equal(endsSound(kind, 1), false);
    }
    for (const kind of [EventKind.ResetControllers, EventKind.AllNotesOff, EventKind.AllSoundOff, EventKind.NoteOff]) assert.equal(endsSound(kind, 0), true);
    assert.equal(endsSound(EventKind.NoteOn, 60), false);
  });
});
