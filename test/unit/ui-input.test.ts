/**
 * The instrument's pure input and state pieces, fed raw MIDI bytes and key codes: MidiDispatcher (note
 * on/off, running-status note-off, the pedals CC64/66/67, 14-bit bend, RPN 0 bend range, channel mode messages,
 * program change, assignable controllers, channel filter), the computer
 * keyboard map, the render order, and the preset bank state (morph positions, edits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MidiDispatcher, type MidiSink } from '../../src/ui/midi-dispatch.ts';
import { scheduledContextTime } from '../../src/ui/midi-clock.ts';
import { keyAction } from '../../src/ui/computer-keyboard.ts';
import { RecentPitches, renderOrder } from '../../src/ui/render-order.ts';
import { PresetBankState } from '../../src/ui/preset-bank.ts';
import { savePresetBank } from '../../src/engine/presets.ts';
import { randomLatent, slerp } from '../../src/engine/latent.ts';

function recorder(): { sink: MidiSink; calls: string[] } {
  const calls: string[] = [];
  const sink: MidiSink = {
    noteOn: (p, v) => calls.push(`on ${p} ${v}`),
    noteOff: (p) => calls.push(`off ${p}`),
    sustain: (d) => calls.push(`sustain ${d}`),
    sostenuto: (d) => calls.push(`sostenuto ${d}`),
    softPedal: (d) => calls.push(`soft ${d}`),
    pitchBend: (v) => calls.push(`bend ${v.toFixed(4)}`),
    bendRange: (s) => calls.push(`range ${s}`),
    allSoundOff: () => calls.push('sound off'),
    allNotesOff: () => calls.push('notes off'),
    resetControllers: () => calls.push('reset'),
    assignableControl: (c, v) => calls.push(`cc${c} ${v}`),
    programChange: (p) => calls.push(`program ${p}`),
  };
  return { sink, calls };
}

test('MidiDispatcher: channel voice messages from raw bytes', () => {
  const { sink, calls } = recorder();
  const d = new MidiDispatcher(sink);
  for (const m of [
    [0x90, 60, 100], [0x90, 60, 0], [0x83, 61, 64], [0xb0, 64, 127], [0xb0, 64, 10],
    [0xe0, 0x7f, 0x7f], [0xe0, 0x00, 0x40], [0xe0, 0x00, 0x00], [0xb0, 1, 127], [0xb0, 120, 0], [0xb0, 123, 0],
    [0xb0, 66, 127], [0xb0, 66, 0], [0xb0, 67, 64], [0xb0, 67, 63], [0xb0, 121, 0], [0xb0, 2, 90], [0xb0, 74, 3],
    [0xc0, 5], [0xb0, 124, 0], [0xb0, 127, 0],
    [0xf8], [0xfe, 0], [0xb0, 0, 1], [0xb0, 32, 1], [0xb0, 122, 0], // clock, active sensing, bank select, local control: ignored
  ]) d.handle(m);
  assert.deepEqual(calls, [
    'on 60 100', 'off 60', 'off 61', 'sustain true', 'sustain false',
    'bend 1.0000', 'bend 0.0000', 'bend -1.0000', 'cc1 127', 'sound off', 'notes off',
    'sostenuto true', 'sostenuto false', 'soft true', 'soft false', 'reset', 'cc2 90', 'cc74 3',
    'program 5', 'notes off', 'notes off',
  ]);
});

test('MidiDispatcher: RPN 0 sets the bend range; other RPNs and data entry without a selection do not', () => {
  const { sink, calls } = recorder();
  const d = new MidiDispatcher(sink);
  d.handle([0xb0, 6, 7]); // no RPN selected (127/127)
  d.handle([0xb0, 101, 0]);
  d.handle([0xb0, 100, 1]); // RPN 1 (fine tuning)
  d.handle([0xb0, 6, 5]);
  d.handle([0xb0, 100, 0]); // RPN 0
  d.handle([0xb0, 6, 12]);
  d.handle([0xb0, 38, 50]);
  d.handle([0xb1, 6, 3]); // another channel has its own selection (none)
  d.handle([0xb0, 121, 0]); // reset all controllers deselects the RPN (RP-015)
  d.handle([0xb0, 6, 24]);
  d.handle([0xb0, 101, 0]);
  d.handle([0xb0, 100, 0]);
  d.handle([0xb0, 99, 1]); // an NRPN selection deselects it too
  d.handle([0xb0, 6, 24]);
  assert.deepEqual(calls, ['range 12', 'range 12.5', 'reset']);
});

test('MidiDispatcher: channel filter', () => {
  const { sink, calls } = recorder();
  const d = new MidiDispatcher(sink);
  d.channel = 2;
  d.handle([0x90, 60, 100]);
  d.handle([0x91, 62, 100]);
  d.channel = 0;
  d.handle([0x9f, 64, 1]);
  assert.deepEqual(calls, ['on 62 100', 'on 64 1']);
});

test('computer keyboard map: rows from the base note, Z/X octaves, other keys nothing', () => {
  assert.deepEqual(keyAction('KeyA', 60), { kind: 'note', pitch: 60 });
  assert.deepEqual(keyAction('KeyW', 60), { kind: 'note', pitch: 61 });
  assert.deepEqual(keyAction('KeyK', 48), { kind: 'note', pitch: 60 });
  assert.deepEqual(keyAction('Quote', 60), { kind: 'note', pitch: 77 });
  assert.deepEqual(keyAction('KeyZ', 60), { kind: 'octave', deltaSemitones: -12 });
  assert.deepEqual(keyAction('KeyX', 60), { kind: 'octave', deltaSemitones: 12 });
  assert.deepEqual(keyAction('KeyQ', 60), { kind: 'none' });
});

test('render order: held, then recent (newest first), then nearest the last played', () => {
  const pitches = [57, 58, 59, 60, 61, 62, 63, 64];
  const recent = new RecentPitches(3);
  for (const p of [64, 57, 61, 58, 61]) recent.push(p);
  assert.deepEqual(recent.pitches, [57, 58, 61]);
  assert.deepEqual(renderOrder(pitches, [63, 100], recent.pitches, recent.last), [63, 61, 58, 57, 60, 62, 59, 64]);
  assert.deepEqual(renderOrder(pitches, [], [], undefined), [61, 60, 62, 59, 63, 58, 64, 57]);
});

test('preset bank: selection, morph latents (slerp path), edits', () => {
  const bank = new PresetBankState();
  assert.equal(bank.presets.length, 4);
  bank.select('seed 3');
  assert.equal(bank.selected, 2);
  assert.deepEqual(bank.latent(), randomLatent(3));
  bank.position = 0.5; // between seed 2 (1/3) and seed 3 (2/3)
  assert.equal(bank.selected, -1);
  const z = bank.latent();
  assert.deepEqual(z, slerp(randomLatent(2), randomLatent(3), 0.5), 'half-way along the slerp from seed 2 to seed 3');
  bank.saveCurrent('tiny');
  assert.equal(bank.presets.length, 5);
  assert.equal(bank.selected, 4);
  assert.deepEqual(bank.latent(), z);
  assert.equal(bank.presets[4]!.model, 'tiny');
  bank.rename(4, '  halfway ');
  assert.equal(bank.presets[4]!.name, 'halfway');
  bank.remove(4);
  assert.equal(bank.presets.length, 4);
  assert.equal(bank.selected, 3);
  assert.throws(() => bank.select('nope'), /no preset "nope"/);
  assert.throws(() => new PresetBankState([{ name: 'x', latent: [1, 2] }]), /invalid preset/);
  const one = new PresetBankState([{ name: 'only', latent: { seed: 9 } }]);
  assert.throws(() => one.remove(0), /only preset/);
});

test('preset bank edits never make it unsavable: imports de-duplicate names, renames refuse a taken one, a bad bank replaces nothing', () => {
  const bank = new PresetBankState();
  bank.append([{ name: 'seed 1', latent: { seed: 7 } }, { name: 'seed 1', latent: { seed: 8 } }]);
  assert.deepEqual(bank.presets.map((p) => p.name), ['seed 1', 'seed 2', 'seed 3', 'seed 4', 'seed 1 (2)', 'seed 1 (3)']);
  assert.equal(bank.selected, 4);
  assert.doesNotThrow(() => savePresetBank(bank.presets));
  assert.throws(() => bank.rename(0, 'seed 2'), /a preset named "seed 2" exists already/);
  assert.equal(bank.presets[0]!.name, 'seed 1');
  const before = bank.presets.map((p) => ({ ...p }));
  const bad = { name: 'huge', latent: Array.from({ length: 256 }, (_, i) => (i === 5 ? 1e39 : 0)) };
  assert.throws(() => bank.replace([{ name: 'fine', latent: { seed: 1 } }, bad]), /latent\[5\] is 1e\+39, outside ±100/);
  assert.deepEqual(bank.presets, before, 'nothing replaced');
  assert.throws(() => bank.append([{ name: 'ok', latent: { seed: 2 } }, bad]), /outside ±100/);
  assert.deepEqual(bank.presets, before, 'nothing appended');
  bank.replace([{ name: 'a', latent: { seed: 1 } }, { name: 'a', latent: { seed: 2 } }]);
  assert.deepEqual(bank.presets.map((p) => p.name), ['a', 'a (2)']);
  assert.throws(() => bank.replace([]), /at least one preset/);
});

test('MidiDispatcher: every timed message carries its time to the sink; controllers and program change are untimed', () => {
  const times: (number | undefined)[] = [];
  const sink: MidiSink = {
    noteOn: (_p, _v, x) => times.push(x), noteOff: (_p, x) => times.push(x), sustain: (_d, x) => times.push(x),
    sostenuto: (_d, x) => times.push(x), softPedal: (_d, x) => times.push(x), resetControllers: (x) => times.push(x),
    pitchBend: (_v, x) => times.push(x), bendRange: (_s, x) => times.push(x), assignableControl: () => times.push(-1),
    programChange: () => times.push(-2), allSoundOff: (x) => times.push(x), allNotesOff: (x) => times.push(x),
  };
  const d = new MidiDispatcher(sink);
  for (const m of [
    [0x90, 60, 100], [0x90, 60, 0], [0x80, 60, 0], [0xb0, 64, 127], [0xe0, 0, 64], [0xb0, 101, 0], [0xb0, 100, 0], [0xb0, 6, 12],
    [0xb0, 1, 5], [0xb0, 120, 0], [0xb0, 123, 0], [0xb0, 66, 127], [0xb0, 67, 127], [0xb0, 121, 0], [0xc0, 1],
  ]) d.handle(m, 1.25);
  assert.deepEqual(times, [1.25, 1.25, 1.25, 1.25, 1.25, 1.25, -1, 1.25, 1.25, 1.25, 1.25, 1.25, -2]);
  times.length = 0;
  d.handle([0x90, 61, 100]);
  assert.deepEqual(times, [undefined]);
});

test('midi clock: a message is scheduled latency after its arrival on the context clock, or now when that is past', () => {
  const stamp = { contextTime: 10, performanceTime: 5000 }; // 10 s on the context clock was heard at 5000 ms
  // Arrived at 4990 ms (10 ms before the pairing), budget 50 ms → 10 - 0.010 + 0.050 = 10.040 s.
  assert.ok(Math.abs(scheduledContextTime(4990, stamp, 0.05, 10.02)! - 10.04) < 1e-12);
  // Already rendered up to 10.05 s: play now.
  assert.equal(scheduledContextTime(4990, stamp, 0.05, 10.05), undefined);
  // No budget: always now.
  assert.equal(scheduledContextTime(4990, stamp, 0, 9), undefined);
  assert.equal(scheduledContextTime(Number.NaN, stamp, 0.05, 9), undefined);
  // Two messages 3 ms apart at arrival stay 3 ms apart, whenever the page handled them.
  const a = scheduledContextTime(5100, stamp, 0.05, 10)!;
  const b = scheduledContextTime(5103, stamp, 0.05, 10)!;
  assert.ok(Math.abs(b - a - 0.003) < 1e-9);
});
