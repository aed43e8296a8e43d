import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initGeneratorParams } from 'gansynth-web/engine/generator';
import { disposeSpectralCache } from 'gansynth-web/engine/spectral';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { saveModelDir } from 'gansynth-web/node/model-io';
import { renderSoundfontNote } from '../src/data/soundfont.ts';
import { TINY_CONFIG } from 'gansynth-web/shared/model-config';
import { encodeWav } from 'gansynth-web/shared/wav';
import { main } from '../src/commands/eval.ts';

const ROOT = join(import.meta.dirname, '../../.test-out/eval-command');

/** Writes an NSynth json+wav split of real SoundFont notes. */
async function writeSplit(dir: string, programs: number[], pitches: number[]) {
  mkdirSync(join(dir, 'audio'), { recursive: true });
  const index: Record<string, unknown> = {};
  for (const program of programs) {
    for (const pitch of pitches) {
      const note_str = `sf_program_${program}-${String(pitch).padStart(3, '0')}-100`;
      const wave = await renderSoundfontNote({ program, pitch, velocity: 100, heldSec: 1.5, releaseSec: 0.5 });
      writeFileSync(join(dir, 'audio', `${note_str}.wav`), encodeWav([wave], 16000));
      index[note_str] = { note_str, pitch, velocity: 100, instrument: program, instrument_str: `sf_program_${program}`,
        instrument_family: 0, instrument_source: 0, sample_rate: 16000 };
    }
  }
  writeFileSync(join(dir, 'examples.json'), JSON.stringify(index));
}

test('eval: trains the classifier, scores real held-out and generated notes, writes metrics.json and report.html', async () => {
  rmSync(ROOT, { recursive: true, force: true });
  const pitches = [36, 48, 60, 72];
  await writeSplit(join(ROOT, 'data/nsynth-train'), [0, 24, 40], pitches);
  await writeSplit(join(ROOT, 'data/nsynth-test'), [19], pitches);
  await useNodeBackend('cpu');
  await saveModelDir(join(ROOT, 'model'), { config: TINY_CONFIG, params: initGeneratorParams(TINY_CONFIG, 3) });
  disposeSpectralCache();
  const before = tf.memory().numTensors;
  const out = join(ROOT, 'out');
  await main(['--data', join(ROOT, 'data'), '--model', join(ROOT, 'model'), '--out', out, '--steps', '60', '--batch', '12',
    '--ndb-k', '3', '--samples', '2', '--backend', 'wasm', '--seed', '1']);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.real.notes, 4);
  assert.equal(m.generated.notes, 4);
  assert.ok(m.classifier.heldOutAccuracy >= 0.5, `classifier accuracy ${m.classifier.heldOutAccuracy}`);
  // 4 distinct pitches, all classified right (softly after 60 steps): IS well above 1 (4 at full confidence).
  assert.ok(m.real.inceptionScore.value > 1.5, `real IS ${m.real.inceptionScore.value}`);
  assert.equal(m.real.pitchAccuracy.value, m.classifier.heldOutAccuracy);
  for (const set of [m.real, m.generated]) {
    // IS = exp(I(note; predicted pitch)) ≤ exp(H(note)) = the number of notes (4), not just the class count.
    assert.ok(set.inceptionScore.value >= 1 - 1e-9 && set.inceptionScore.value <= set.notes + 1e-9, `IS ${set.inceptionScore.value} of ${set.notes} notes`);
    assert.equal(set.ndb.k, 3);
    // Per pitch [pitch, accuracy, notes]: one note of each asked pitch, and PA is their note-weighted mean.
    assert.deepEqual(set.perPitch.map((p: number[]) => [p[0], p[2]]), pitches.map((p) => [p, 1]));
    const weighted = set.perPitch.reduce((a: number, p: number[]) => a + p[1]! * p[2]!, 0) / set.notes;
    assert.ok(Math.abs(set.pitchAccuracy.value - weighted) < 1e-9, `PA ${set.pitchAccuracy.value} vs per-pitch mean ${weighted}`);
  }
  // The classifier is surer of real notes than of an untrained generator's.
  assert.ok(m.generated.pitchEntropy.value > m.real.pitchEntropy.value, `PE generated ${m.generated.pitchEntropy.value} vs real ${m.real.pitchEntropy.value}`);
  // An untrained generator is far from real notes in the classifier's feature space.
  assert.ok(m.generated.fid > m.real.fid, `FID generated ${m.generated.fid} vs real ${m.real.fid}`);
  assert.equal(m.generated.sanity.notes, 4);
  const files = readdirSync(join(out, 'samples')).sort();
  assert.equal(files.length, 4, files.join());
  assert.ok(files.some((f) => /^gen-0-p\d+\.wav$/.test(f)) && files.some((f) => /^gen-1-p\d+\.png$/.test(f)), files.join());
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<table>/);
  assert.match(html, /<svg/);
  assert.ok(existsSync(join(ROOT, 'data/pitch-classifier/classifier.json')), 'classifier saved beside the data');
  disposeSpectralCache(); // the per-backend DFT/mel constants are meant to outlive a render
  assert.equal(tf.memory().numTensors, before);

  // A second run reuses the saved classifier and gives the same real-data metrics.
  await main(['--data', join(ROOT, 'data'), '--out', join(ROOT, 'out2'), '--ndb-k', '3', '--backend', 'wasm', '--seed', '1']);
  const m2 = JSON.parse(readFileSync(join(ROOT, 'out2/metrics.json'), 'utf8'));
  assert.deepEqual(m2.real.pitchAccuracy, m.real.pitchAccuracy);
  assert.equal(m2.generated, null);
  await assert.rejects(main(['--model', 'x']), /--data is required/);
  await assert.rejects(main(['--data', join(ROOT, 'nope')]), /does not exist/);
});
