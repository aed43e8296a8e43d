/**
 * TFRecord framing and tf.train.Example decoding, against records the test builds itself from the spec with an
 * independent, bitwise CRC-32C (no table) — so a wrong table or mask in crc32c.ts cannot hide.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from '../src/data/crc32c.ts';
import { readTfRecords, frameTfRecord, TfRecordError, type TfRecordCorruption } from '../src/data/tfrecord.ts';
import { decodeExample, encodeExample } from '../src/data/example-proto.ts';
import { readNsynthTfRecord } from '../src/data/nsynth.ts';
import { makeNoteFilter } from '../src/data/nsynth-filter.ts';

/** Bitwise CRC-32C, straight from the definition (reflected 0x1EDC6F41 = 0x82F63B78). */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
/** TensorFlow's mask, written with BigInt arithmetic to be independent of the 32-bit tricks. */
function maskBig(crc: number): number {
  const c = BigInt(crc);
  const rot = ((c >> 15n) | (c << 17n)) & 0xffffffffn;
  return Number((rot + 0xa282ead8n) & 0xffffffffn);
}
/** One record framed per the spec, with an optional corruption. */
function record(data: Uint8Array, corrupt: 'none' | 'length-crc' | 'data-crc' = 'none'): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length, true);
  v.setUint32(4, 0, true);
  v.setUint32(8, maskBig(crc32cBitwise(out.subarray(0, 8))) ^ (corrupt === 'length-crc' ? 1 : 0), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskBig(crc32cBitwise(data)) ^ (corrupt === 'data-crc' ? 0x100 : 0), true);
  return out;
}
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('crc32c: check value and agreement with a bitwise implementation', () => {
  assert.equal(crc32c(bytes('123456789')), 0xe3069283); // the CRC-32C catalogue check value
  let seed = 7;
  for (let len = 0; len < 300; len += 37) {
    const data = Uint8Array.from({ length: len }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    assert.equal(crc32c(data), crc32cBitwise(data));
    assert.equal(maskedCrc32c(data), maskBig(crc32cBitwise(data)));
    // chunked continuation equals one pass
    assert.equal(crc32c(data.subarray(len >> 1), crc32c(data.subarray(0, len >> 1))), crc32cBitwise(data));
  }
});

test('tfrecord: reads valid records with offsets; frameTfRecord matches the spec bytes', () => {
  const a = bytes('first'), b = new Uint8Array(0), c = bytes('x'.repeat(1000));
  const file = cat(record(a), record(b), record(c));
  const got = [...readTfRecords(file)];
  assert.deepEqual(got.map((r) => r.offsetBytes), [0, 21, 37]);
  assert.deepEqual(got.map((r) => new TextDecoder().decode(r.data)), ['first', '', 'x'.repeat(1000)]);
  assert.deepEqual(frameTfRecord(c), record(c));
});

test('tfrecord: a bad data CRC is reported with its offset; skip goes on, fatal throws', () => {
  const file = cat(record(bytes('ok1')), record(bytes('bad'), 'data-crc'), record(bytes('ok2')));
  const seen: TfRecordCorruption[] = [];
  const got = [...readTfRecords(file, { corrupt: 'skip', onCorrupt: (c) => seen.push(c) })];
  assert.deepEqual(got.map((r) => new TextDecoder().decode(r.data)), ['ok1', 'ok2']);
  assert.deepEqual(seen.map((c) => [c.offsetBytes, c.problem]), [[19, 'data-crc']]);
  assert.throws(() => [...readTfRecords(file)], (e: unknown) => e instanceof TfRecordError && e.corruption.offsetBytes === 19 && /byte 19/.test(e.message));
});

test('tfrecord: a bad length CRC and a truncated record are reported with offsets', () => {
  const badLen = cat(record(bytes('ok1')), record(bytes('bad'), 'length-crc'), record(bytes('never')));
  const seen: TfRecordCorruption[] = [];
  const got = [...readTfRecords(badLen, { corrupt: 'skip', onCorrupt: (c) => seen.push(c) })];
  assert.equal(got.length, 1);
  assert.deepEqual(seen.map((c) => [c.offsetBytes, c.problem]), [[19, 'length-crc']]);
  assert.throws(() => [...readTfRecords(badLen)], /byte 19: length CRC/);

  const full = cat(record(bytes('ok1')), record(bytes('cut short')));
  for (const cut of [3, 12, 20]) {
    const truncated = full.subarray(0, full.length - cut);
    const reports: TfRecordCorruption[] = [];
    const ok = [...readTfRecords(truncated, { corrupt: 'skip', onCorrupt: (c) => reports.push(c) })];
    assert.equal(ok.length, 1);
    assert.deepEqual(reports.map((c) => [c.offsetBytes, c.problem]), [[19, 'truncated']]);
    assert.throws(() => [...readTfRecords(truncated, { corrupt: 'fatal' })], /byte 19.*(needs|header)/);
  }
});

test('tfrecord: streams from a file the same as from memory', () => {
  const dir = join('.test-out', 'tfrecord');
  mkdirSync(dir, { recursive: true });
  const file = cat(record(bytes('a')), record(bytes('bb')), record(bytes('bad'), 'data-crc'));
  writeFileSync(join(dir, 'x.tfrecord'), file);
  const seen: number[] = [];
  const got = [...readTfRecords(join(dir, 'x.tfrecord'), { corrupt: 'skip', onCorrupt: (c) => seen.push(c.offsetBytes) })];
  assert.deepEqual(got.map((r) => r.data.length), [1, 2]);
  assert.deepEqual(seen, [17 + 18]);
});

// --- hand-written protobuf wire bytes for an NSynth Example ---
function varint(n: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do { let b = Number(x & 127n); x >>= 7n; if (x) b |= 128; out.push(b); } while (x);
  return out;
}
const ld = (field: number, payload: number[]): number[] => [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
const str = (s: string): number[] => [...new TextEncoder().encode(s)];
const f32 = (xs: number[]): number[] => { const b = new Uint8Array(xs.length * 4); const v = new DataView(b.buffer); xs.forEach((x, i) => v.setFloat32(4 * i, x, true)); return [...b]; };
const entry = (key: string, feature: number[]): number[] => ld(1, [...ld(1, str(key)), ...ld(2, feature)]);
const int64Packed = (xs: number[]): number[] => ld(3, ld(1, xs.flatMap((x) => varint(x))));
const int64Unpacked = (xs: number[]): number[] => ld(3, xs.flatMap((x) => [...varint(1 << 3), ...varint(x)]));
const floatsPacked = (xs: number[]): number[] => ld(2, ld(1, f32(xs)));
const floatsUnpacked = (xs: number[]): number[] => ld(2, xs.flatMap((x) => [(1 << 3) | 5, ...f32([x])]));
const bytesList = (s: string): number[] => ld(1, ld(1, str(s)));

function nsynthExample(o: { pitch: number; source: number; audio: number[]; packed?: boolean }): Uint8Array {
  const packed = o.packed ?? true;
  const feats = [
    ...entry('note_str', bytesList(`test_${o.pitch}_${o.source}`)),
    ...entry('pitch', (packed ? int64Packed : int64Unpacked)([o.pitch])),
    ...entry('velocity', int64Packed([100])),
    ...entry('instrument_source', int64Unpacked([o.source])),
    ...entry('instrument_family', int64Packed([4])),
    ...entry('sample_rate', int64Packed([16000])),
    ...entry('qualities', int64Packed([0, 1, 0, 0, 0, 0, 0, 0, 0, 1])),
    ...entry('negative', int64Packed([-3])),
    ...entry('audio', (packed ? floatsPacked : floatsUnpacked)(o.audio)),
  ];
  return Uint8Array.from([...ld(1, feats), ...varint((7 << 3) | 0), 42 /* unknown field, skipped */]);
}

test('example-proto: decodes packed and unpacked NSynth features; encode round-trips', () => {
  for (const packed of [true, false]) {
    const f = decodeExample(nsynthExample({ pitch: 60, source: 0, audio: [0.5, -0.25, 1e-3], packed }));
    assert.deepEqual(f.get('pitch'), { kind: 'int64', value: [60] });
    assert.deepEqual(f.get('negative'), { kind: 'int64', value: [-3] });
    assert.deepEqual(f.get('qualities')?.value, [0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    const audio = f.get('audio');
    assert.equal(audio?.kind, 'float');
    assert.deepEqual([...(audio!.value as Float32Array)], [0.5, -0.25, Math.fround(1e-3)]);
    assert.equal(new TextDecoder().decode((f.get('note_str')!.value as Uint8Array[])[0]), 'test_60_0');
    assert.deepEqual(decodeExample(encodeExample(f)), f);
  }
  assert.throws(() => decodeExample(Uint8Array.from([0x0a, 0x05, 0x0a])), /runs past the end/);
});

test('nsynth tfrecord: notes with metadata, GANSynth filter (acoustic, 24..84), corrupt skipped', () => {
  const audio = Array.from({ length: 64 }, (_, i) => Math.sin(i / 3));
  const file = cat(
    record(nsynthExample({ pitch: 60, source: 0, audio })),
    record(nsynthExample({ pitch: 23, source: 0, audio })),
    record(nsynthExample({ pitch: 85, source: 0, audio })),
    record(nsynthExample({ pitch: 24, source: 1, audio })),
    record(nsynthExample({ pitch: 84, source: 0, audio }), 'data-crc'),
    record(nsynthExample({ pitch: 84, source: 0, audio, packed: false })),
  );
  const offsets: number[] = [];
  const notes = [...readNsynthTfRecord(file, makeNoteFilter(), { corrupt: 'skip', onCorrupt: (c) => offsets.push(c.offsetBytes) })];
  assert.deepEqual(notes.map((n) => [n.meta.pitch, n.meta.instrument_source]), [[60, 0], [84, 0]]);
  assert.equal(offsets.length, 1);
  const n = notes[0];
  assert.equal(n.meta.instrument_family_str, 'keyboard');
  assert.equal(n.meta.instrument_source_str, 'acoustic');
  assert.deepEqual(n.meta.qualities_str, ['dark', 'tempo-synced']);
  assert.equal(n.audio.length, 64);
  assert.ok(Math.abs(n.audio[5] - Math.sin(5 / 3)) < 1e-7);
  // Magenta's old TFRecord reader kept source 1; the filter can reproduce it.
  assert.deepEqual([...readNsynthTfRecord(file, makeNoteFilter({ sources: [1] }), { corrupt: 'skip' })].map((x) => x.meta.pitch), [24]);
});
