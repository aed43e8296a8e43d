/**
 * VoiceEngine, driven frame by frame in Node (STYLE.md §13): onsets on the scheduled frame, silence after release,
 * the voice cap and stealing order, the sustain pedal, pitch bend measured as f0, no clicks, bank swaps, errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimateF0Hz } from '../../src/shared/pitch.ts';
import { DEFAULT_VOICE_CONFIG } from '../../src/shared/protocol.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { EventQueue } from '../../src/worklet/event-queue.ts';
import {
  RATE_HZ,
  bankMessage,
  makeEngine,
  maxJump,
  peakDb,
  render,
  rmsDb,
  slopeBound,
  syntheticNote,
} from './worklet-fixtures.ts';

const releaseFrames = Math.round(DEFAULT_VOICE_CONFIG.releaseSec * RATE_HZ);

function f0At(x: Float32Array, startFrame: number): number {
  return estimateF0Hz(x, RATE_HZ, { start: startFrame, windowSamples: 4096, minHz: 50, maxHz: 2000 });
}

describe('VoiceEngine timing', () => {
  test('a note starts exactly on its scheduled frame, mid-quantum, on a quantum edge, and in the past', () => {
    for (const frame of [1000, 1024, 1, 127, 128]) {
      const { engine } = makeEngine({ attackSec: 0 });
      const note = syntheticNote(440, { attackSec: 0, partials: [[1, 1, Math.PI / 2]] }); // cos: first sample ≠ 0
      engine.handleMessage(bankMessage(69, note));
      engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 127, frame });
      const out = render(engine, frame + 2000);
      for (let i = 0; i < frame; i++) assert.equal(out[i], 0, `frame ${i} before onset ${frame} must be silent`);
      // attack 0, no bend, rate 1: the output is the buffer itself, sample for sample.
      for (let k = 0; k < 2000; k++) assert.ok(Math.abs(out[frame + k]! - note[k]!) < 1e-6, `frame ${frame + k}`);
    }
    // An event whose frame has passed plays at the start of the next quantum.
    const { engine } = makeEngine({ attackSec: 0 });
    engine.handleMessage(bankMessage(69, syntheticNote(440, { attackSec: 0, partials: [[1, 1, Math.PI / 2]] })));
    render(engine, 1280);
    engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 127, frame: 500 });
    engine.handleMessage({ type: 'noteOn', pitch: 70, velocity: 127 }); // no bank: counted, silent
    const late = render(engine, 256);
    assert.ok(late[0]! > 0.49, `late note starts at the next quantum, got ${late[0]}`);
    assert.equal(engine.stats.notesWithoutBank, 1);
  });

  test('events at one frame apply in arrival order; out-of-order arrivals are sorted by frame', () => {
    const { engine } = makeEngine();
    engine.handleMessage(bankMessage(60, syntheticNote(261.63)));
    engine.handleMessage({ type: 'noteOff', pitch: 60, frame: 900 });
    engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100, frame: 300 });
    engine.handleMessage({ type: 'noteOn', pitch: 62, velocity: 100, frame: 5000 });
    engine.handleMessage({ type: 'noteOff', pitch: 62, frame: 5000 });
    const out = render(engine, 300);
    assert.equal(peakDb(out), -Infinity);
    render(engine, 700);
    assert.deepEqual(engine.describeVoices().map((v) => [v.pitch, v.stage]), [[60, 'Release']]);
  });

  test('the event ring pops in (frame, arrival) order and refuses events when full', () => {
    const rng = new SeededRandom(5);
    const q = new EventQueue(64);
    const pushed: [number, number][] = [];
    for (let i = 0; i < 64; i++) {
      const frame = rng.nextInt(16);
      assert.ok(q.push(1, frame, i, 0));
      pushed.push([frame, i]);
    }
    assert.equal(q.push(1, 0, 99, 0), false, 'full');
    const popped: [number, number][] = [];
    while (q.size > 0) {
      popped.push([q.frames[q.head]!, q.as[q.head]!]);
      q.pop();
    }
    assert.deepEqual(popped, pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]));

    // The engine's queue grows past its initial 4096 (worklet-queue.test.ts): a note-off is never dropped.
    const { engine, messages } = makeEngine();
    for (let i = 0; i < 4100; i++) engine.handleMessage({ type: 'noteOff', pitch: 1 });
    assert.equal(engine.stats.droppedEvents, 0);
    assert.equal(engine.stats.queuedEvents, 4100);
    assert.deepEqual(messages.filter((m) => m.type === 'error'), []);
    render(engine, 128);
    assert.equal(engine.stats.queuedEvents, 0);
  });

  test('velocity → gain is (v/127)²', () => {
    const levels = [127, 64, 32].map((velocity) => {
      const { engine } = makeEngine();
      engine.handleMessage(bankMessage(69, syntheticNote(440)));
      engine.handleMessage({ type: 'noteOn', pitch: 69, velocity, frame: 0 });
      return rmsDb(render(engine, 48000), 24000, 48000);
    });
    assert.ok(Math.abs(levels[0]! - levels[1]! - 40 * Math.log10(127 / 64)) < 0.01, `${levels}`);
    assert.ok(Math.abs(levels[0]! - levels[2]! - 40 * Math.log10(127 / 32)) < 0.01, `${levels}`);
  });
});

describe('VoiceEngine release and silence', () => {
  test('after note-off the release lasts releaseSec and then the output is exactly silent', () => {
    const { engine } = makeEngine();
    engine.handleMessage(bankMessage(57, syntheticNote(220)));
    engine.handleMessage({ type: 'noteOn', pitch: 57, velocity: 127, frame: 0 });
    const offFrame = 20000 + 37;
    engine.handleMessage({ type: 'noteOff', pitch: 57, frame: offFrame });
    const out = render(engine, offFrame + releaseFrames + 4800);
    const before = rmsDb(out, offFrame - 4800, offFrame);
    const midRelease = rmsDb(out, offFrame + releaseFrames / 2 - 480, offFrame + releaseFrames / 2 + 480);
    assert.ok(midRelease < before - 3 && midRelease > before - 10, `half-way through a linear release ≈ -6 dB: ${before} → ${midRelease}`);
    assert.ok(peakDb(out, offFrame + releaseFrames) < -90, 'silent after the release');
    assert.equal(engine.stats.activeVoices, 0, 'the voice went back to the pool');
    assert.ok(maxJump(out, offFrame - 100, offFrame + 100) <= 1.05 * slopeBound([[220, 0.5]]), 'no click at note-off');
  });

  test('allNotesOff releases held keys (a pedal still holds its notes), allSoundOff fades everything in 5 ms, both without clicks', () => {
    const bound = slopeBound([[220, 0.5], [329.63, 0.5], [440, 0.5]]);
    const chord = (pedal: boolean) => {
      const { engine } = makeEngine();
      for (const [pitch, hz] of [[57, 220], [64, 329.63], [69, 440]] as const) {
        engine.handleMessage(bankMessage(pitch, syntheticNote(hz)));
        engine.handleMessage({ type: 'noteOn', pitch, velocity: 127, frame: 0 });
      }
      if (pedal) engine.handleMessage({ type: 'sustain', down: true, frame: 0 });
      return engine;
    };
    for (const [type, fadeFrames, pedal] of [['allNotesOff', releaseFrames, false], ['allSoundOff', 240, false], ['allSoundOff', 240, true]] as const) {
      const engine = chord(pedal);
      engine.handleMessage({ type, frame: 10000 });
      const out = render(engine, 10000 + fadeFrames + 1000);
      assert.ok(peakDb(out, 10000 + fadeFrames) < -90, `${type}${pedal ? ' under the pedal' : ''}: silent after ${fadeFrames} frames`);
      assert.ok(maxJump(out, 9000, 10000 + fadeFrames) <= 1.25 * bound, `${type}: no click`);
    }
    // Under the sustain pedal, all-notes-off lifts the keys and the pedal holds the notes until it comes up (MIDI spec).
    const engine = chord(true);
    engine.handleMessage({ type: 'allNotesOff', frame: 10000 });
    engine.handleMessage({ type: 'sustain', down: false, frame: 30000 });
    const out = render(engine, 30000 + releaseFrames + 1000);
    assert.ok(rmsDb(out, 25000, 30000) > rmsDb(out, 5000, 10000) - 0.5, 'the pedal holds the chord after all-notes-off');
    assert.ok(peakDb(out, 30000 + releaseFrames) < -90, 'pedal up releases it');
  });
});

describe('VoiceEngine polyphony', () => {
  test('the cap holds; released voices are stolen first (quietest), then the oldest, each with a 5 ms fade', () => {
    const { engine } = makeEngine({ polyphony: 4 });
    const hz = (p: number) => 440 * 2 ** ((p - 69) / 12);
    for (let p = 60; p <= 66; p++) engine.handleMessage(bankMessage(p, syntheticNote(hz(p), { amplitude: 0.2 })));
    for (let p = 60; p <= 63; p++) engine.handleMessage({ type: 'noteOn', pitch: p, velocity: 127, frame: (p - 60) * 128 });
    engine.handleMessage({ type: 'noteOff', pitch: 62, frame: 4000 });
    engine.handleMessage({ type: 'noteOff', pitch: 61, frame: 6000 }); // released later → louder than 62
    engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 127, frame: 8000 });
    render(engine, 8000 + 64); // inside the new note's 2 ms attack
    const stages = () => Object.fromEntries(engine.describeVoices().map((v) => [v.pitch, v.stage]));
    assert.deepEqual(stages(), { 60: 'Hold', 61: 'Release', 62: 'Fade', 63: 'Hold', 64: 'Attack' });
    engine.handleMessage({ type: 'noteOn', pitch: 65, velocity: 127 });
    engine.handleMessage({ type: 'noteOn', pitch: 66, velocity: 127 });
    const out = render(engine, 1280);
    // 61 (released) went next, then the oldest held note, 60; 62's fade is over.
    assert.deepEqual(stages(), { 63: 'Hold', 64: 'Hold', 65: 'Hold', 66: 'Hold' });
    assert.equal(engine.stats.stolenVoices, 3);
    assert.equal(engine.stats.peakVoices, 7, 'four sounding + three fading at the peak');
    const bound = slopeBound([60, 61, 62, 63, 64, 65, 66].map((p) => [hz(p), 0.2] as const));
    assert.ok(maxJump(out) <= bound, `no click at the steals: ${maxJump(out)} vs slope bound ${bound}`);
  });

  test('a pedal-sustained note counts as held (stolen by age, not first), and polyphony 64 is the default', () => {
    assert.equal(DEFAULT_VOICE_CONFIG.polyphony, 64);
    const { engine } = makeEngine();
    const note = syntheticNote(200, { amplitude: 0.01, durationSec: 0.5, releaseSec: 0.1 });
    for (let p = 0; p < 70; p++) engine.handleMessage({ ...bankMessage(p, note), samples: note.slice() });
    engine.handleMessage({ type: 'sustain', down: true, frame: 0 });
    for (let p = 0; p < 70; p++) engine.handleMessage({ type: 'noteOn', pitch: p, velocity: 90, frame: p });
    for (let p = 6; p < 10; p++) engine.handleMessage({ type: 'noteOff', pitch: p, frame: 30 });
    render(engine, 256);
    const voices = engine.describeVoices();
    assert.equal(voices.filter((v) => v.stage !== 'Fade').length, 64);
    assert.equal(engine.stats.stolenVoices, 6);
    assert.deepEqual(voices.filter((v) => v.stage === 'Fade').map((v) => v.pitch), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(voices.filter((v) => v.sustained).map((v) => v.pitch), [6, 7, 8, 9]);
  });
});

describe('VoiceEngine sustain pedal', () => {
  test('keys released under the pedal sound until pedal up; held keys outlast pedal up; repeats re-trigger', () => {
    const { engine } = makeEngine();
    engine.handleMessage(bankMessage(60, syntheticNote(261.63)));
    engine.handleMessage(bankMessage(64, syntheticNote(329.63)));
    engine.handleMessage({ type: 'sustain', down: true, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 127, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 127, frame: 0 });
    engine.handleMessage({ type: 'noteOff', pitch: 60, frame: 4800 });
    const held = render(engine, 4800 + 2 * releaseFrames);
    assert.ok(rmsDb(held, held.length - 4800) > rmsDb(held, 0, 4800) - 1, 'sustained note keeps its level past the release time');
    assert.deepEqual(engine.describeVoices().map((v) => [v.pitch, v.stage, v.sustained]), [[60, 'Hold', true], [64, 'Hold', false]]);

    engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 127 }); // repeated while sustained
    render(engine, 128);
    assert.deepEqual(engine.describeVoices().map((v) => [v.pitch, v.stage]), [[60, 'Release'], [64, 'Hold'], [60, 'Hold']]);
    engine.handleMessage({ type: 'noteOff', pitch: 60 });
    engine.handleMessage({ type: 'sustain', down: false, frame: engine.stats.currentFrame + 1000 });
    render(engine, 1000 + releaseFrames + 256);
    assert.deepEqual(engine.describeVoices().map((v) => [v.pitch, v.stage]), [[64, 'Hold']], 'pedal up released 60; 64 is still held');
  });
});

describe('VoiceEngine pitch bend', () => {
  const cases: [string, number, number | undefined, number][] = [
    ['+1 of the default ±2 semitones', 1, undefined, 2],
    ['-0.5 of ±12 semitones', -0.5, 12, -6],
    ['+0.25 of ±2', 0.25, 2, 0.5],
  ];
  for (const [name, value, range, semitones] of cases) {
    test(`bend ${name} moves f0 by ${semitones} semitones within 0.5 %`, () => {
      const { engine } = makeEngine();
      engine.handleMessage(bankMessage(69, syntheticNote(440, { partials: [[1, 1, 0], [2, 0.4, 1], [3, 0.2, 2]] })));
      if (range !== undefined) engine.handleMessage({ type: 'bendRange', semitones: range, frame: 0 });
      engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 127, frame: 0 });
      engine.handleMessage({ type: 'pitchBend', value, frame: 24000 });
      const out = render(engine, 48000);
      const before = f0At(out, 8000);
      const after = f0At(out, 30000);
      assert.ok(Math.abs(before / 440 - 1) < 0.005, `unbent f0 ${before}`);
      const expected = 440 * 2 ** (semitones / 12);
      assert.ok(Math.abs(after / expected - 1) < 0.005, `bent f0 ${after} vs ${expected}`);
      assert.ok(maxJump(out, 23000, 25000) <= 1.1 * slopeBound([[440, 0.5], [880, 0.2], [1320, 0.1]].map(([f, a]) => [f! * Math.max(1, 2 ** (semitones / 12)), a!] as const)));
    });
  }

  test('a 16 kHz buffer in a 48 kHz context plays at its own pitch (rate ratio), at rate 1 exact', () => {
    const { engine } = makeEngine();
    const note16k = syntheticNote(220, { rateHz: 16000 });
    engine.handleMessage(bankMessage(57, note16k, 1, 16000));
    engine.handleMessage({ type: 'noteOn', pitch: 57, velocity: 127, frame: 0 });
    const f0 = f0At(render(engine, 24000), 9000);
    assert.ok(Math.abs(f0 / 220 - 1) < 0.005, `f0 ${f0}`);
  });
});

describe('VoiceEngine bank swap and robustness', () => {
  test('swapCrossfadeSec 0: swapping a pitch’s buffer keeps sounding voices on the old one; new notes use the new one', () => {
    const { engine, messages } = makeEngine({ swapCrossfadeSec: 0 });
    engine.handleMessage(bankMessage(69, syntheticNote(440), 1));
    engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 127, frame: 0 });
    const first = render(engine, 12032);
    engine.handleMessage(bankMessage(69, syntheticNote(660), 2));
    assert.deepEqual(messages.at(-1), { type: 'bankAccepted', pitch: 69, bankId: 2 });
    const second = render(engine, 12032);
    assert.ok(Math.abs(f0At(second, 2000) / 440 - 1) < 0.005, 'the sounding voice still reads bank 1');
    const joined = new Float32Array(24064);
    joined.set(first);
    joined.set(second, 12032);
    assert.ok(maxJump(joined, 11000, 13000) <= 1.05 * slopeBound([[440, 0.5]]), 'no discontinuity at the swap');
    engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 127 });
    const third = render(engine, 24000);
    assert.deepEqual(engine.describeVoices().map((v) => v.bankId), [2], 'old voice released, new one on bank 2');
    assert.ok(Math.abs(f0At(third, 18000) / 660 - 1) < 0.005);
  });

  test('a held note crossfades to the new buffer at the same point in the note; a released one stays on the old', () => {
    const xfSec = DEFAULT_VOICE_CONFIG.swapCrossfadeSec;
    const xf = Math.round(xfSec * RATE_HZ);
    const { engine } = makeEngine({ attackSec: 0 });
    const loud = syntheticNote(440, { amplitude: 0.5 });
    const soft = syntheticNote(440, { amplitude: 0.125, partials: [[1, 1, 0], [2, 0.5, 0]] }); // another timbre
    engine.handleMessage(bankMessage(69, loud, 1));
    engine.handleMessage(bankMessage(70, loud, 1));
    engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 127, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 70, velocity: 127, frame: 0 });
    engine.handleMessage({ type: 'noteOff', pitch: 70, frame: 12000 });
    const before = render(engine, 12032);
    engine.handleMessage(bankMessage(69, soft, 2));
    engine.handleMessage(bankMessage(70, soft, 2));
    const described = () => engine.describeVoices().map((v) => `${v.pitch} ${v.stage} bank ${v.bankId}`).sort();
    assert.deepEqual(described(), ['69 Attack bank 2', '69 Fade bank 1', '70 Release bank 1'], 'held 69 crossfades, released 70 does not');
    assert.equal(engine.stats.crossfadedVoices, 1);
    const after = render(engine, 2 * xf);
    // Past the crossfade the held note is the new buffer at the same time into the note (rate 1, no bend);
    // the released 70 still plays bank 1 under it, so compare 69 alone: subtract 70's old-buffer release.
    const { engine: ref } = makeEngine({ attackSec: 0 });
    ref.handleMessage(bankMessage(70, loud, 1));
    ref.handleMessage({ type: 'noteOn', pitch: 70, velocity: 127, frame: 0 });
    ref.handleMessage({ type: 'noteOff', pitch: 70, frame: 12000 });
    const ref70 = render(ref, 12032 + 2 * xf).subarray(12032);
    for (let k = xf + 1; k < 2 * xf; k++) {
      assert.ok(Math.abs(after[k]! - ref70[k]! - soft[12032 + k]!) < 1e-5, `frame ${12032 + k}: held note reads the new buffer in place`);
    }
    const joined = new Float32Array(12032 + 2 * xf);
    joined.set(before);
    joined.set(after, 12032);
    assert.ok(maxJump(joined, 11000, 12032 + 2 * xf) <= 1.05 * slopeBound([[440, 1]]), 'no click at the swap');
    assert.deepEqual(described(), ['69 Hold bank 2', '70 Release bank 1']);
  });

  test('a pedal-sustained note crossfades too and keeps its pedal state; one held past its loop lands in the new loop', () => {
    const { engine } = makeEngine({ attackSec: 0 });
    engine.handleMessage(bankMessage(69, syntheticNote(440), 1));
    engine.handleMessage({ type: 'sustain', down: true, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 69, velocity: 100, frame: 0 });
    engine.handleMessage({ type: 'noteOff', pitch: 69, frame: 100 });
    render(engine, 6 * RATE_HZ); // past the 4 s buffer: looping
    const newer = syntheticNote(440, { durationSec: 2, amplitude: 0.3 });
    const msg = bankMessage(69, newer, 2);
    engine.handleMessage(msg);
    const after = render(engine, RATE_HZ);
    const v = engine.describeVoices();
    assert.deepEqual(v.map((x) => [x.stage, x.sustained, x.bankId]), [['Hold', true, 2]]);
    assert.ok(after.every(Number.isFinite) && rmsDb(after, RATE_HZ / 2) > -25, `sounds after the swap (${rmsDb(after, RATE_HZ / 2).toFixed(1)} dB)`);
    assert.ok(maxJump(after) <= 1.05 * slopeBound([[440, 0.5]]), 'no click');
    engine.handleMessage({ type: 'sustain', down: false });
    render(engine, 128);
    assert.equal(engine.describeVoices()[0]!.stage, 'Release', 'pedal up releases the taken-over voice');
  });

  test('SharedArrayBuffer banks play like transferred ones', () => {
    const note = syntheticNote(330, { attackSec: 0, partials: [[1, 1, 1]] });
    const shared = new SharedArrayBuffer(4 * (note.length + 16));
    new Float32Array(shared, 64, note.length).set(note);
    const transferred = bankMessage(64, note);
    const outs = [transferred, { ...transferred, type: 'bankShared' as const, buffer: shared, byteOffset: 64, lengthFrames: note.length }].map((m) => {
      const { engine, messages } = makeEngine();
      engine.handleMessage(m);
      assert.equal(messages[0]?.type, 'bankAccepted', JSON.stringify(messages[0]));
      engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 127, frame: 10 });
      return render(engine, 4800);
    });
    assert.deepEqual(outs[0], outs[1]);
  });

  test('bad messages get a clear error reply and change nothing', () => {
    const { engine, messages } = makeEngine();
    const good = bankMessage(60, syntheticNote(261.63));
    const bad: unknown[] = [
      { ...good, pitch: 128 },
      { ...good, loop: { ...good.loop, endFrame: good.samples.length } },
      { ...good, loop: { startFrame: 10, endFrame: 5000, crossfadeFrames: 100 } },
      { type: 'noteOn', pitch: 60, velocity: 200 },
      { type: 'noteOn', pitch: 60, velocity: 64, frame: NaN },
      { type: 'pitchBend', value: 2 },
      { type: 'config', config: { polyphony: 0 } },
      { type: 'config', config: { releaseSecs: 1 } },
      { type: 'bankShared', pitch: 60, bankId: 1, buffer: new ArrayBuffer(8), byteOffset: 0, lengthFrames: 2, sampleRateHz: 48000, loop: good.loop },
      { ...good, swap: { fromBankId: 1, offsetFrames: -1, correlation: 0.5, levelRatio: 1 } },
      { ...good, swap: { fromBankId: 1, offsetFrames: 10, correlation: 1.5, levelRatio: 1 } },
      { ...good, swap: null },
      { type: 'sostenuto', down: 1 },
      { type: 'softPedal' },
      { type: 'resetControllers', frame: -5 },
      { type: 'explode' },
      null,
    ];
    for (const m of bad) engine.handleMessage(m as never);
    assert.equal(messages.length, bad.length);
    for (const m of messages) assert.equal(m.type, 'error');
    assert.match((messages[1] as { message: string }).message, /endFrame/);
    assert.match((messages[7] as { message: string }).message, /unknown config field "releaseSecs"/);
    assert.match((messages[9] as { message: string }).message, /swap\.offsetFrames/);
    assert.match((messages[12] as { message: string }).message, /sostenuto\.down must be a boolean/);
    assert.equal(engine.stats.bankPitches, 0);
    assert.equal(engine.stats.queuedEvents, 0);
  });

  test('random event storms: output finite, bounded, stereo channels identical', () => {
    const rng = new SeededRandom(7);
    const { engine } = makeEngine({ polyphony: 16, outputGain: 0.5 });
    for (let p = 40; p < 80; p += 3) engine.handleMessage(bankMessage(p, syntheticNote(440 * 2 ** ((p - 69) / 12), { amplitude: 0.1 })));
    let peak = 0;
    for (let block = 0; block < 200; block++) {
      const base = engine.stats.currentFrame;
      for (let e = 0; e < 8; e++) {
        const frame = base + rng.nextInt(256);
        const pitch = 40 + 3 * rng.nextInt(14);
        const r = rng.next();
        if (r < 0.4) engine.handleMessage({ type: 'noteOn', pitch, velocity: 1 + rng.nextInt(127), frame });
        else if (r < 0.7) engine.handleMessage({ type: 'noteOff', pitch, frame });
        else if (r < 0.8) engine.handleMessage({ type: 'sustain', down: rng.next() < 0.5, frame });
        else if (r < 0.95) engine.handleMessage({ type: 'pitchBend', value: 2 * rng.next() - 1, frame });
        else engine.handleMessage({ type: 'bendRange', semitones: rng.nextInt(13), frame });
      }
      const out = render(engine, 256, 2);
      for (const x of out) {
        assert.ok(Number.isFinite(x));
        peak = Math.max(peak, Math.abs(x));
      }
    }
    assert.ok(peak > 0.01 && peak <= 0.5 * 16 * 0.1 * 1.3, `peak ${peak}`);
  });
});

test('a key pressed before its pitch is rendered sounds when the bank lands, if it is still down; released or all-notes-off: silent', () => {
  const { engine } = makeEngine({ attackSec: 0 });
  const note = syntheticNote(261.63);
  engine.handleMessage({ type: 'noteOn', pitch: 62, velocity: 100 });
  engine.handleMessage({ type: 'noteOff', pitch: 62 });
  engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 100 });
  engine.handleMessage({ type: 'allNotesOff' });
  engine.handleMessage({ type: 'noteOn', pitch: 65, velocity: 100 });
  engine.handleMessage({ type: 'allSoundOff' });
  engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100 }); // after the all-offs: still down
  assert.equal(peakDb(render(engine, 1280)), -Infinity, 'nothing sounds without banks');
  assert.equal(engine.stats.notesWithoutBank, 4);
  for (const p of [62, 64, 65]) engine.handleMessage(bankMessage(p, note, 1));
  assert.equal(peakDb(render(engine, 1280)), -Infinity, 'keys released (note-off, all notes off, all sound off) stay silent');
  const frame = engine.stats.currentFrame;
  engine.handleMessage(bankMessage(60, note, 1));
  const out = render(engine, 1280);
  assert.ok(peakDb(out.subarray(0, 128)) > -30, `the held key starts at the next quantum (peak ${peakDb(out.subarray(0, 128)).toFixed(1)} dB)`);
  assert.deepEqual(engine.describeVoices().map((v) => [v.pitch, v.stage]), [[60, 'Hold']]);
  assert.equal(engine.stats.currentFrame, frame + 1280);
  engine.handleMessage({ type: 'noteOff', pitch: 60 });
  engine.handleMessage(bankMessage(60, note, 2)); // a later bank does not start it again
  render(engine, 48000);
  assert.equal(engine.stats.activeVoices, 0);
});
