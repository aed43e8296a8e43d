/**
 * Feature pipeline: engine features of real SoundFont notes (wasm backend), float16 storage, the feature cache
 * (build, reuse, invalidation), Magenta's range normaliser, and the batcher (shuffle, one-hot, resume).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { renderSoundfontNote } from '../src/data/soundfont.ts';
import { encodeWav } from 'gansynth-web/shared/wav';
import { GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { computeFeatures, cropOrPad, featureSize } from '../src/data/features.ts';
import { decodeHalf, encodeHalf, fromHalfBits, toHalfBits } from '../src/data/float16.ts';
import { FeatureCache, rangeNormalizerFromCache, spectralHash } from '../src/data/feature-cache.ts';
import { RangeAccumulator, loadNormalizer, normalizeFeatures, prespecifiedNormalizer, rangeNormalizer, saveNormalizer } from '../src/data/normalizer.ts';
import { Batcher, pitchCounts, pitchOneHot, samplePitches, type FeatureSource } from '../src/data/batcher.ts';
import { listDatasetNotes } from '../src/data/source.ts';
import { makeNoteFilter } from '../src/data/nsynth-filter.ts';

const OUT = join('.test-out', 'data-features');
const SPEC = GANSYNTH_SPECTRAL;
const NOTES = [
  { program: 73, pitch: 60, velocity: 100 },
  { program: 0, pitch: 36, velocity: 100 },
  { program: 40, pitch: 67, velocity: 75 },
];

/** Writes a 3-note json+wav split with real renders. */
async function writeMiniDataset(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const index: Record<string, unknown> = {};
  for (const n of NOTES) {
    const note_str = `test_acoustic_${n.program}-${String(n.pitch).padStart(3, '0')}-${n.velocity}`;
    writeFileSync(join(dir, 'audio', `${note_str}.wav`), encodeWav([await renderSoundfontNote(n)], 16000));
    index[note_str] = { note_str, pitch: n.pitch, velocity: n.velocity, sample_rate: 16000, instrument: n.program, instrument_str: `test_acoustic_${n.program}`, instrument_family: 4, instrument_source: 0, qualities: [] };
  }
  writeFileSync(join(dir, 'examples.json'), JSON.stringify(index));
}

test('float16: exact cases, round-to-nearest-even, relative error bound', () => {
  assert.equal(toHalfBits(1), 0x3c00);
  assert.equal(toHalfBits(-2), 0xc000);
  assert.equal(toHalfBits(65504), 0x7bff);
  assert.equal(toHalfBits(70000), 0x7c00);
  assert.equal(toHalfBits(2 ** -24), 0x0001);
  assert.equal(toHalfBits(1e-9), 0);
  assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
  assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
  const rng = new SeededRandom(3);
  const xs = Float32Array.from({ length: 5000 }, () => (rng.next() - 0.5) * 40);
  const back = decodeHalf(encodeHalf(xs));
  for (let i = 0; i < xs.length; i++) {
    if (Math.abs(xs[i]) >= 2 ** -14) assert.ok(Math.abs(back[i] - xs[i]) <= Math.abs(xs[i]) * 2 ** -11, `${xs[i]} → ${back[i]}`);
  }
});

test('normaliser: Magenta range formula, clipping, save/load', () => {
  const r = rangeNormalizer({ min: -13.8, max: 10.4 }, 0.8);
  assert.ok(Math.abs(r.a - 0.8 * 2 / 24.2) < 1e-15 && Math.abs(r.b - 0.8 * (2 * 13.8 / 24.2 - 1)) < 1e-15, JSON.stringify(r));
  const acc = new RangeAccumulator();
  acc.add(Float32Array.from([-10, 0.5, 2, -0.9, 4, 0.1]));
  acc.add(Float32Array.from([-3, 1, 6, -1]));
  const n = acc.result(0.8);
  assert.deepEqual(n.ranges, [{ min: -10, max: 6 }, { min: -1, max: 1 }]);
  const mapped = normalizeFeatures(Float32Array.from([-10, -1, 6, 1, 30, 9]), n.normalization);
  assert.deepEqual([...mapped].map((x) => +x.toFixed(6)), [-0.8, -0.8, 0.8, 0.8, 1, 1]);
  assert.throws(() => new RangeAccumulator().add(Float32Array.from([NaN, 0])), /non-finite/);
  mkdirSync(OUT, { recursive: true });
  saveNormalizer(join(OUT, 'norm.json'), n);
  assert.deepEqual(loadNormalizer(join(OUT, 'norm.json')), n);
  assert.deepEqual(prespecifiedNormalizer().normalization, MAGENTA_NORMALIZATION);
  writeFileSync(join(OUT, 'bad.json'), JSON.stringify({ ...n, normalization: { ...n.normalization, magA: 0 } }));
  assert.throws(() => loadNormalizer(join(OUT, 'bad.json')), /magA\/ifA must be non-zero/);
});

test('features: engine ops on real notes, raw (unclipped) and normalised, no tensor leaks', async () => {
  await useNodeBackend('wasm');
  const wave = await renderSoundfontNote(NOTES[0]);
  await computeFeatures([cropOrPad(wave, 1000)], SPEC); // warm-up: the engine caches its mel matrices once
  const before = tf.memory().numTensors;
  const [raw] = await computeFeatures([wave], SPEC);
  const [normed] = await computeFeatures([wave], SPEC, MAGENTA_NORMALIZATION);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(raw.length, featureSize(SPEC));
  let magMin = Infinity, magMax = -Infinity, ifMax = 0;
  for (let i = 0; i < raw.length; i += 2) {
    magMin = Math.min(magMin, raw[i]);
    magMax = Math.max(magMax, raw[i]);
    ifMax = Math.max(ifMax, Math.abs(raw[i + 1]));
  }
  assert.ok(Math.abs(magMin - Math.log(1e-6)) < 1e-3, `raw log-mel floor is log(eps): ${magMin}`);
  assert.ok(magMax > 1, `raw features are not clipped: max ${magMax}`);
  assert.ok(ifMax <= 1 + 1e-5, `IF is a phase difference / π: ${ifMax}`);
  for (let i = 0; i < raw.length; i += 997) {
    const want = i % 2 === 0 ? raw[i] * MAGENTA_NORMALIZATION.magA + MAGENTA_NORMALIZATION.magB : raw[i] * MAGENTA_NORMALIZATION.ifA;
    assert.ok(Math.abs(normed[i] - want) < 1e-4, `normalised [${i}] ${normed[i]} vs ${want}`);
  }
});

test('feature cache: builds, reuses on a match, rebuilds on data change; range normaliser from it', async () => {
  await useNodeBackend('wasm');
  const data = join(OUT, 'mini');
  const cacheDir = join(OUT, 'cache');
  await writeMiniDataset(data);
  rmSync(cacheDir, { recursive: true, force: true });
  const listing = listDatasetNotes(data, { filter: makeNoteFilter() });
  assert.equal(listing.notes.length, 3);
  const built = await FeatureCache.open(cacheDir, listing.notes, listing.fingerprint, SPEC, { batchSize: 2 });
  assert.equal(built.reused, false);
  assert.equal(built.size, 3);
  const direct = await computeFeatures([listing.notes[0].load()], SPEC);
  const cached = built.read(0);
  let worst = 0;
  for (let i = 0; i < cached.length; i++) worst = Math.max(worst, Math.abs(cached[i] - direct[0][i]) / Math.max(1, Math.abs(direct[0][i])));
  assert.ok(worst <= 2 ** -10, `float16 cache error ${worst}`);
  const mtime = statSync(join(cacheDir, 'index.json')).mtimeMs;

  const again = await FeatureCache.open(cacheDir, listing.notes, listing.fingerprint, SPEC, { batchSize: 2 });
  assert.equal(again.reused, true);
  assert.equal(statSync(join(cacheDir, 'index.json')).mtimeMs, mtime);
  assert.deepEqual(again.read(2), built.read(2));
  assert.notEqual(spectralHash({ ...SPEC, mel: false }), spectralHash(SPEC));

  // Same notes, another dtype → rebuilt; a changed dataset (one note dropped by the filter) → new fingerprint.
  const f32 = await FeatureCache.open(cacheDir, listing.notes, listing.fingerprint, SPEC, { dtype: 'float32', batchSize: 3 });
  assert.equal(f32.reused, false);
  const fewer = listDatasetNotes(data, { filter: makeNoteFilter({ pitchMin: 40 }) });
  assert.notEqual(fewer.fingerprint, listing.fingerprint);
  const rebuilt = await FeatureCache.open(cacheDir, fewer.notes, fewer.fingerprint, SPEC, { dtype: 'float32' });
  assert.equal(rebuilt.reused, false);
  assert.deepEqual(rebuilt.entries.map((e) => e.pitch).sort(), [60, 67]);

  const norm = rangeNormalizerFromCache(rebuilt, { numExamples: 1000 });
  assert.equal(norm.numExamples, 2);
  const acc = new RangeAccumulator();
  for (let i = 0; i < rebuilt.size; i++) acc.add(rebuilt.read(i));
  const m = norm.normalization;
  assert.ok(Math.abs(acc.ranges[0].min * m.magA + m.magB + 0.8) < 1e-9 && Math.abs(acc.ranges[0].max * m.magA + m.magB - 0.8) < 1e-9);
  console.log(`# range normaliser of 2 FluidR3 notes: ${JSON.stringify(m)} (Magenta prespecified: ${JSON.stringify(MAGENTA_NORMALIZATION)})`);
});

test('batcher: full batches, one-hot labels, every example once per epoch, seeded, resumable', () => {
  const pitches = [24, 30, 60, 84, 60, 50, 40];
  const source: FeatureSource = {
    size: pitches.length, featureSize: 4, entries: pitches.map((pitch) => ({ pitch })),
    read: (i, out = new Float32Array(4)) => { out.set([i, -i, 2 * i, 0.5]); return out; },
  };
  const opts = { batchSize: 3, normalization: { magA: 0.1, magB: 0, ifA: 1, ifB: 0 }, seed: 9, pitchMin: 24, pitchCount: 61 };
  const b = new Batcher(source, opts);
  const seen: number[] = [];
  const batches = Array.from({ length: 7 }, () => b.next()); // 21 examples = 3 epochs of 7
  for (const batch of batches) {
    assert.equal(batch.features.length, 3 * 4);
    assert.equal(batch.oneHot.length, 3 * 61);
    for (let k = 0; k < 3; k++) {
      const i = batch.indices[k];
      seen.push(i);
      assert.equal(batch.pitches[k], pitches[i]);
      assert.equal(batch.oneHot[k * 61 + pitches[i] - 24], 1);
      assert.equal(batch.oneHot.subarray(k * 61, (k + 1) * 61).reduce((s, x) => s + x, 0), 1);
      assert.deepEqual([...batch.features.subarray(k * 4, k * 4 + 4)].map((x) => +x.toFixed(5)), [Math.min(1, 0.1 * i), Math.max(-1, -i), Math.min(1, 0.2 * i), 0.5].map((x) => +x.toFixed(5)));
    }
  }
  for (let e = 0; e < 3; e++) assert.deepEqual(seen.slice(e * 7, e * 7 + 7).sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.notDeepEqual(seen.slice(0, 7), seen.slice(7, 14));
  const b2 = new Batcher(source, opts);
  assert.deepEqual([...b2.next().indices], [...batches[0].indices]);
  const state = b2.getState();
  const b3 = new Batcher(source, { ...opts, seed: 1 });
  b3.setState(state);
  assert.deepEqual([...b3.next().indices], [...b2.next().indices]);
  assert.throws(() => new Batcher({ ...source, entries: [{ pitch: 90 }], size: 1 }, opts), /pitch 90 outside the model's 24..84/);
  assert.throws(() => pitchOneHot([23], 24, 61), /outside/);
  const counts = pitchCounts([60, 60, 60, 72]);
  assert.deepEqual([...counts], [[60, 3], [72, 1]]);
  const drawn = samplePitches(counts, 4000, new SeededRandom(2));
  const share = drawn.filter((p) => p === 60).length / 4000;
  assert.ok(Math.abs(share - 0.75) < 0.03, `pitch 60 drawn ${share}`);
});

test('prepareTrainingData: cache + range normaliser + batcher over a json+wav dataset', async () => {
  await useNodeBackend('wasm');
  const { prepareTrainingData } = await import('../src/data/pipeline.ts');
  const data = join(OUT, 'mini');
  const d = await prepareTrainingData({ dataset: data, cacheDir: join(OUT, 'cache-pipeline'), normalizer: 'range', batchSize: 2, seed: 4 });
  assert.equal(d.cache.size, 3);
  assert.equal(d.normalizer.method, 'range');
  assert.deepEqual([...d.pitchCounts], [[36, 1], [60, 1], [67, 1]]);
  const batch = d.batcher.next();
  assert.equal(batch.features.length, 2 * featureSize(SPEC));
  assert.ok(batch.features.every((x) => x >= -1 && x <= 1));
  const again = await prepareTrainingData({ dataset: data, cacheDir: join(OUT, 'cache-pipeline'), batchSize: 2, seed: 4 });
  assert.equal(again.cache.reused, true);
  assert.deepEqual(again.normalization, MAGENTA_NORMALIZATION);
});

test('features command: builds then reuses the cache, writes the normaliser', async () => {
  const { main } = await import('../src/commands/features.ts');
  const cache = join(OUT, 'cache-cmd');
  rmSync(cache, { recursive: true, force: true });
  const args = ['--dataset', join(OUT, 'mini'), '--cache', cache, '--normalizer', 'range', '--backend', 'wasm', '--no-progress'];
  await main(args);
  const n = loadNormalizer(join(cache, 'normalizer.json'));
  assert.equal(n.method, 'range');
  assert.equal(n.numExamples, 3);
  const mtime = statSync(join(cache, 'index.json')).mtimeMs;
  await main(args);
  assert.equal(statSync(join(cache, 'index.json')).mtimeMs, mtime);
  await assert.rejects(main(['--dataset', join(OUT, 'mini')]), /--cache is required/);
  await assert.rejects(main([...args, '--dtype', 'int8']), /--dtype must be one of float16\|float32, got 'int8'/);
});
