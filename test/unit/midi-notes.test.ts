/**
 * MIDI → note list: tempo map, velocity, sustain pedal, selection, drums, pitch folding, bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMidiChunks, foldPitch, parseMidiNotes } from '../../src/midi/midi-notes.ts';
import { Midi, writeMidi } from '../../support/midi-fixtures.ts';

/** Tempos are stored as whole microseconds per quarter note: 90 bpm reads back as 89.99996. */
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-5, `${msg ?? ''} ${a} ≠ ${b}`);

test('times follow the tempo map (tempo change mid-file)', () => {
  const midi = new Midi();
  const ppq = midi.header.ppq;
  midi.header.tempos.push({ bpm: 120, ticks: 0 }, { bpm: 60, ticks: 4 * ppq });
  midi.header.update();
  const t = midi.addTrack();
  t.addNote({ midi: 60, ticks: 2 * ppq, durationTicks: ppq, velocity: 0.5 }); // 1.0 s .. 1.5 s at 120 bpm
  t.addNote({ midi: 62, ticks: 6 * ppq, durationTicks: ppq, velocity: 1 }); // beat 4 = 2 s, then 2 beats at 60 = 4 s
  const list = parseMidiNotes(midi.toArray());
  assert.equal(list.notes.length, 2);
  close(list.notes[0]!.startSec, 1.0);
  close(list.notes[0]!.endSec, 1.5);
  close(list.notes[1]!.startSec, 4.0);
  close(list.notes[1]!.endSec, 5.0);
  close(list.durationSec, 5.0);
  assert.ok(Math.abs(list.notes[0]!.velocity - 64 / 127) < 0.01, `velocity ${list.notes[0]!.velocity}`);
  assert.deepEqual(list.tempos.map((x) => Math.round(x.bpm)), [120, 60]);
});

test('tempo is 120 bpm until a late first tempo event (MIDI rule; @tonejs/midi alone gets this wrong)', () => {
  const midi = new Midi();
  const ppq = midi.header.ppq;
  midi.header.tempos.push({ bpm: 90, ticks: 4 * ppq });
  midi.header.update();
  const t = midi.addTrack();
  t.addNote({ midi: 60, ticks: 2 * ppq, durationTicks: ppq }); // 1.0 s at 120 bpm
  t.addNote({ midi: 62, ticks: 6 * ppq, durationTicks: ppq }); // 4 beats at 120 = 2 s, then 2 beats at 90 = 4/3 s
  const list = parseMidiNotes(midi.toArray());
  close(list.notes[0]!.startSec, 1.0);
  close(list.notes[1]!.startSec, 2 + 4 / 3);
  close(list.notes[1]!.endSec, 2 + 4 / 3 + 2 / 3);
});

test('SMPTE time division is a clear error', () => {
  const bytes = writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 1 }] }]).slice();
  bytes[12] = 0xe7; // division: -25 fps, 40 ticks per frame
  bytes[13] = 40;
  assert.throws(() => parseMidiNotes(bytes), /SMPTE time division/);
});

test('sustain pedal extends released notes to pedal-up; a re-struck pitch cuts the previous one', () => {
  const bytes = writeMidi([{
    notes: [
      { pitch: 60, startSec: 0, durationSec: 0.5 },
      { pitch: 64, startSec: 0.25, durationSec: 0.25 },
      { pitch: 64, startSec: 1.0, durationSec: 0.25 },
      { pitch: 67, startSec: 3.0, durationSec: 0.5 }, // after pedal-up: untouched
    ],
    pedal: [{ timeSec: 0.1, down: true }, { timeSec: 2.0, down: false }],
  }]);
  const list = parseMidiNotes(bytes);
  const ends = list.notes.map((n) => [n.pitch, n.startSec, n.endSec, n.keyUpSec]);
  assert.deepEqual(ends, [[60, 0, 2, 0.5], [64, 0.25, 1, 0.5], [64, 1, 2, 1.25], [67, 3, 3.5, 3.5]]);
  const dry = parseMidiNotes(bytes, { sustainPedal: false });
  assert.deepEqual(dry.notes.map((n) => n.endSec), [0.5, 0.5, 1.25, 3.5]);
});

test('drums skipped by default and counted; included on request; only drums is an error', () => {
  const bytes = writeMidi([
    { channel: 0, notes: [{ pitch: 60, startSec: 0, durationSec: 1 }] },
    { channel: 9, notes: [{ pitch: 36, startSec: 0, durationSec: 0.1 }, { pitch: 38, startSec: 0.5, durationSec: 0.1 }] },
  ]);
  const list = parseMidiNotes(bytes);
  assert.equal(list.notes.length, 1);
  assert.equal(list.warnings.drumsSkipped, 2);
  assert.match(list.warnings.messages.join('\n'), /2 drum notes/);
  assert.deepEqual(list.tracks.map((t) => t.channel), [1, 10]);
  assert.equal(parseMidiNotes(bytes, { includeDrums: true }).notes.length, 3);
  const drumsOnly = writeMidi([{ channel: 9, notes: [{ pitch: 36, startSec: 0, durationSec: 0.1 }] }]);
  assert.throws(() => parseMidiNotes(drumsOnly), /no notes to render.*1 drum notes/);
});

test('track and channel selection; unknown track and bad channel are errors; empty selected track warns', () => {
  const bytes = writeMidi([
    { channel: 0, notes: [{ pitch: 60, startSec: 0, durationSec: 1 }] },
    { channel: 1, notes: [{ pitch: 62, startSec: 0, durationSec: 1 }, { pitch: 64, startSec: 1, durationSec: 1 }] },
    { channel: 2, notes: [] },
  ]);
  const all = parseMidiNotes(bytes);
  assert.equal(all.notes.length, 3);
  assert.deepEqual(parseMidiNotes(bytes, { tracks: [1] }).notes.map((n) => n.pitch), [62, 64]);
  assert.deepEqual(parseMidiNotes(bytes, { channels: [1] }).notes.map((n) => n.pitch), [60]);
  assert.equal(parseMidiNotes(bytes, { tracks: [1] }).warnings.notSelected, 1);
  assert.throws(() => parseMidiNotes(bytes, { tracks: [7] }), /track 7 does not exist/);
  assert.throws(() => parseMidiNotes(bytes, { channels: [0] }), /channels are 1\.\.16/);
  const emptyIdx = all.tracks.findIndex((t) => t.noteCount === 0);
  assert.ok(emptyIdx >= 0, 'the empty track is listed');
  const w = parseMidiNotes(bytes, { tracks: [0, emptyIdx] }).warnings;
  assert.deepEqual(w.emptySelectedTracks, [emptyIdx]);
  assert.match(w.messages.join('\n'), /selected tracks without notes/);
  assert.throws(() => parseMidiNotes(bytes, { tracks: [] }), /no notes to render/);
});

test('out-of-range pitches are folded by octaves or dropped, with counts', () => {
  const bytes = writeMidi([{ notes: [
    { pitch: 12, startSec: 0, durationSec: 1 }, { pitch: 60, startSec: 0, durationSec: 1 }, { pitch: 100, startSec: 1, durationSec: 1 },
  ] }]);
  const folded = parseMidiNotes(bytes);
  assert.deepEqual(folded.notes.map((n) => [n.sourcePitch, n.pitch]), [[12, 24], [60, 60], [100, 76]]);
  assert.equal(folded.warnings.folded, 2);
  const dropped = parseMidiNotes(bytes, { outOfRange: 'drop' });
  assert.deepEqual(dropped.notes.map((n) => n.pitch), [60]);
  assert.equal(dropped.warnings.droppedOutOfRange, 2);
  for (let p = 0; p < 128; p++) assert.ok(foldPitch(p) >= 24 && foldPitch(p) <= 84 && (foldPitch(p) - p) % 12 === 0);
});

test('bad files: garbage, empty, truncated, no notes, absurd tempo → clear errors', () => {
  const good = writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 1 }, { pitch: 62, startSec: 1, durationSec: 1 }] }]);
  assert.throws(() => parseMidiNotes(new Uint8Array(0)), /not a MIDI file/);
  assert.throws(() => parseMidiNotes(new TextEncoder().encode('RIFF....WAVEfmt garbage')), /not a MIDI file/);
  assert.throws(() => parseMidiNotes(good.slice(0, good.length - 5)), /truncated MIDI file: track 1 announces/);
  assert.throws(() => parseMidiNotes(good.slice(0, 30)), /truncated MIDI file/);
  assert.doesNotThrow(() => checkMidiChunks(good));
  const corrupt = good.slice();
  corrupt.set([0x58, 0x58, 0x58, 0x58], 14 + 8 + new DataView(good.buffer).getUint32(18)); // second 'MTrk' → 'XXXX'
  assert.throws(() => parseMidiNotes(corrupt), /corrupt MIDI file: track 1 chunk is 'XXXX'/);
  assert.throws(() => parseMidiNotes(writeMidi([{ notes: [] }])), /no notes to render \(\d+ tracks, 0 notes in the file\)/);
  const fast = new Midi();
  fast.header.setTempo(1_000_000);
  fast.addTrack().addNote({ midi: 60, ticks: 0, durationTicks: 480 });
  assert.throws(() => parseMidiNotes(fast.toArray()), /absurd tempo 1000000 bpm/);
  assert.throws(() => parseMidiNotes(good, { outOfRange: 'wrap' as 'fold' }), /outOfRange must be/);
});

test('a file longer than maxDurationSec is cut there with a warning', () => {
  const bytes = writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 8 }, { pitch: 62, startSec: 20, durationSec: 1 }] }]);
  const list = parseMidiNotes(bytes, { maxDurationSec: 5 });
  assert.deepEqual(list.notes.map((n) => [n.startSec, n.endSec]), [[0, 5]]);
  assert.equal(list.warnings.cutAtMaxDuration, 2);
  assert.equal(list.durationSec, 5);
});

/** A format-0 SMF (96 ticks per quarter) with one track of raw `events` bytes. */
function rawSmf(events: number[]): Uint8Array {
  const n = events.length;
  return Uint8Array.from([
    0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
    0x4d, 0x54, 0x72, 0x6b, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255, ...events,
  ]);
}

test('corrupt bytes the fault suite found: a velocity byte above 127 is clamped with a warning; a 5-byte delta time is an error', () => {
  // Note-on velocity byte 200: @tonejs/midi reads 200/127, which would play at (200/127)² ≈ 2.5× full gain.
  const loud = parseMidiNotes(rawSmf([0, 0x90, 60, 200, 96, 0x80, 60, 64, 0, 0xff, 0x2f, 0]));
  assert.equal(loud.notes[0]!.velocity, 1);
  assert.equal(loud.warnings.velocityClamped, 1);
  assert.deepEqual(loud.warnings.messages, ['1 note velocities above 127 (corrupt data bytes?) clamped to 127']);
  // A delta time of five bytes overflows into a negative time.
  assert.throws(
    () => parseMidiNotes(rawSmf([0xff, 0xff, 0xff, 0xff, 0x7f, 0x90, 60, 100, 96, 0x80, 60, 64, 0, 0xff, 0x2f, 0])),
    /corrupt MIDI file: track 0 has a note at -0\.005 s, before the start/,
  );
});
