/**
 * Training data with broken WAVs, as real bytes in NSynth's json+wav layout (issue 13, item 12): a WAV cut short
 * (its header still claims 4 s) is skipped and counted, naming the first, never zero-padded and trained on; with
 * `shortNotes: 'fail'` it is an error naming the file; a corrupt WAV (no RIFF header, an unsupported format) is an
 * error naming the file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { encodeWav } from 'gansynth-web/shared/wav';
import { prepareTrainingData } from '../src/data/pipeline.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-short-notes-'));
before(() => useNodeBackend('wasm'));
after(() => rmSync(root, { recursive: true, force: true }));

const FULL_SAMPLES = 64000;
const CUT_SAMPLES = 41234;

function sine(pitch: number, n = FULL_SAMPLES): Float32Array {
  const hz = 440 * 2 ** ((pitch - 69) / 12);
  return Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 16000));
}

/** A json+wav split: each note's WAV bytes as given. Returns the split dir and each note's WAV path. */
function writeSplit(name: string, wavs: Record<string, Uint8Array>): { dir: string; wav: (note: string) => string } {
  const dir = join(root, name);
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const index: Record<string, unknown> = {};
  for (const [note_str, bytes] of Object.entries(wavs)) {
    const pitch = Number(note_str.split('-')[1]);
    writeFileSync(join(dir, 'audio', `${note_str}.wav`), bytes);
    index[note_str] = { note_str, pitch, velocity: 100, sample_rate: 16000, instrument: 0, instrument_str: note_str.split('-')[0], instrument_family: 4, instrument_source: 0, qualities: [] };
  }
  writeFileSync(join(dir, 'examples.json'), JSON.stringify(index));
  return { dir, wav: (note) => join(dir, 'audio', `${note}.wav`) };
}

/** A 4 s WAV cut after `keepSamples` samples, as a copy onto a full disk leaves it: the header still says 4 s. */
function truncatedWav(pitch: number, keepSamples: number): Uint8Array {
  const whole = encodeWav([sine(pitch)], 16000);
  return whole.subarray(0, 44 + 2 * keepSamples);
}

/** Captures console.warn during `fn`. */
async function warnings<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { result: await fn(), lines };
  } finally {
    console.warn = warn;
  }
}

const GOOD = ['keyboard_acoustic_000-060-100', 'keyboard_acoustic_000-067-100'];
const CUT = 'keyboard_acoustic_000-064-100';

test('a truncated WAV is skipped and counted, naming the file; the cache keeps the count; shortNotes fail names it', async () => {
  const split = writeSplit('truncated', {
    [GOOD[0]!]: encodeWav([sine(60)], 16000),
    [CUT]: truncatedWav(64, CUT_SAMPLES),
    [GOOD[1]!]: encodeWav([sine(67)], 16000),
  });
  const cacheDir = join(root, 'truncated-cache');
  const opts = { dataset: split.dir, cacheDir, batchSize: 1, seed: 0 };
  const expected = `${split.dir}: skipped 1 note shorter than the model's input of ${FULL_SAMPLES} samples (4 s), truncated WAVs? First: ${split.wav(CUT)}, ${CUT_SAMPLES} of ${FULL_SAMPLES} samples;`;

  const built = await warnings(() => prepareTrainingData(opts));
  assert.equal(built.result.cache.reused, false);
  assert.deepEqual(built.result.cache.entries.map((e) => e.note_str), GOOD, 'trained on the whole notes only');
  assert.deepEqual(built.result.cache.skipped, [{ note_str: CUT, source: split.wav(CUT), lengthSamples: CUT_SAMPLES }]);
  assert.equal(built.lines.length, 1);
  assert.ok(built.lines[0]!.startsWith(expected), built.lines[0]);

  // Reused: the count is told again, and the strict mode still refuses.
  const reused = await warnings(() => prepareTrainingData(opts));
  assert.equal(reused.result.cache.reused, true);
  assert.equal(reused.result.cache.size, 2);
  assert.ok(reused.lines[0]?.startsWith(expected), reused.lines.join('\n'));
  const strict = new RegExp(`^${split.wav(CUT).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${CUT_SAMPLES} of ${FULL_SAMPLES} samples \\(2\\.58 s of 4 s\\): shorter than the model's input`);
  const named = (e: Error) => strict.test(e.message);
  await assert.rejects(prepareTrainingData({ ...opts, shortNotes: 'fail' }), named);
  await assert.rejects(prepareTrainingData({ ...opts, cacheDir: join(root, 'strict-cache'), shortNotes: 'fail' }), named);
});

test('a dataset of only short notes is an error, not an empty training set', async () => {
  const split = writeSplit('all-short', { [CUT]: truncatedWav(64, 1000) });
  await assert.rejects(
    warnings(() => prepareTrainingData({ dataset: split.dir, cacheDir: join(root, 'all-short-cache'), batchSize: 1, seed: 0 })),
    new RegExp(`no note left to train on: skipped 1 note .*First: .*${CUT}\\.wav, 1000 of ${FULL_SAMPLES} samples`),
  );
});

test('a corrupt WAV (no RIFF header, an unsupported format) is an error naming the file', async () => {
  const garbage = new TextEncoder().encode('<html>404 Not Found</html>'.repeat(10));
  const notRiff = writeSplit('not-riff', { [GOOD[0]!]: encodeWav([sine(60)], 16000), [CUT]: garbage });
  await assert.rejects(
    prepareTrainingData({ dataset: notRiff.dir, cacheDir: join(root, 'not-riff-cache'), batchSize: 1, seed: 0 }),
    (e: Error) => e.message === `${notRiff.wav(CUT)}: corrupt WAV (not a RIFF/WAVE file)`,
  );
  const adpcm = encodeWav([sine(64)], 16000);
  new DataView(adpcm.buffer, adpcm.byteOffset).setUint16(20, 2, true); // format tag 2: Microsoft ADPCM
  const unsupported = writeSplit('adpcm', { [CUT]: adpcm });
  await assert.rejects(
    prepareTrainingData({ dataset: unsupported.dir, cacheDir: join(root, 'adpcm-cache'), batchSize: 1, seed: 0 }),
    (e: Error) => e.message === `${unsupported.wav(CUT)}: corrupt WAV (unsupported format tag 2)`,
  );
});
