/**
 * `gansynth-trainer eval`: the paper's metrics (PA, PE, IS, FID, NDB) for a model's generated notes and for
 * held-out real notes (the ceiling), with a pitch classifier trained on the dataset's real notes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { wavesToFeatures } from 'gansynth-web/engine/spectral';
import { loadModelFromDisk } from 'gansynth-web/node/model-io';
import { useNodeBackend, type NodeBackendName } from 'gansynth-web/node/backends';
import { GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { encodeWav } from 'gansynth-web/shared/wav';
import { makeNoteFilter } from '../data/nsynth-filter.ts';
import { listDatasetNotes, type NoteRef } from '../data/source.ts';
import { registerTrainingGradients } from '../train/gradients.ts';
import { CLASSIFIER_JSON, loadClassifier, pooledInputs, readClassifierInfo, saveClassifier } from '../eval/classifier-io.ts';
import { classifyAll, fitClassifier, generateNotes, inputsOfNotes, ndbVector, scoreSet, type SetScores } from '../eval/evaluate.ts';
import { DEFAULT_CLASSIFIER_CONFIG, classifierParamShapes } from '../eval/pitch-classifier.ts';
import { pitchAccuracy } from '../eval/metrics.ts';
import { renderReportHtml } from '../eval/report-html.ts';
import { spectrogramPng } from '../train/report-assets.ts';

/** One line for the CLI's usage list. */
export const summary = 'evaluate a model (PA, PE, IS, FID, NDB) against held-out real notes, with a pitch classifier';

const HELP = `usage: gansynth-trainer eval --data DIR [--model DIR|URL] [options]

  --data DIR          dataset: NSynth json+wav / TFRecord / TFDS-prepared nsynth / a 'gansynth-trainer dataset' output (needs train + test/valid)
  --model DIR|URL     the model to evaluate (omit for the real-data ceiling only)
  --classifier DIR    pitch classifier directory (default DIR/pitch-classifier under --data); trained when missing
  --train-notes N     real training notes for the classifier and the FID/NDB reference (default 1500)
  --notes N           held-out real notes, and as many generated notes (default 300)
  --steps N           classifier training steps (default 1500), --batch N (default 32)
  --conv-channels L   conv blocks of a new classifier, e.g. 16,16,32,32 (the paper's small conv net; default none:
                      an MLP over the time-pooled log-mel, since tfjs-cpu's conv backprop is ~50× slower here)
  --ndb-k K           NDB bins (default 50)
  --samples N         generated samples shown in the report (default 8)
  --seed S            (default 0)
  --backend B         auto|tensorflow|webgpu|wasm|cpu (auto: tensorflow if installed, else wasm for features and
                      inference + cpu for classifier training: wasm cannot train)
  --out DIR           metrics.json, report.html, samples/ (default ./eval-<date>)
`;

function int(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got '${v}'`);
  return x;
}

function parseChannels(text: string): number[] {
  const list = text.split(',').map((x) => Number(x.trim()));
  if (list.length === 0 || list.length > 8 || list.some((x) => !Number.isInteger(x) || x < 1 || x > 256)) {
    throw new Error(`--conv-channels: expected up to 8 integers 1..256 separated by commas, got '${text}'`);
  }
  return list;
}

function sample<T>(items: readonly T[], n: number, rng: SeededRandom): T[] {
  return rng.shuffle([...items]).slice(0, Math.min(n, items.length));
}

/** Runs the command. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      data: { type: 'string' }, model: { type: 'string' }, classifier: { type: 'string' }, 'train-notes': { type: 'string' },
      notes: { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, 'ndb-k': { type: 'string' },
      samples: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' },
      'conv-channels': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(HELP);
  if (!values.data) throw new Error(`--data is required\n${HELP}`);
  const seed = int('seed', values.seed, 0, 0);
  const nTrain = int('train-notes', values['train-notes'], 1500);
  const nEval = int('notes', values.notes, 300);
  const steps = int('steps', values.steps, 1500);
  const batch = int('batch', values.batch, 32);
  const ndbK = int('ndb-k', values['ndb-k'], 50);
  const nSamples = int('samples', values.samples, 8, 0);
  const out = values.out ?? `eval-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  const backendFlag = (values.backend ?? 'auto') as NodeBackendName | 'auto';
  if (!['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'].includes(backendFlag)) throw new Error(`--backend: unknown backend '${backendFlag}'`);
  let inferBackend: NodeBackendName;
  let trainBackend: NodeBackendName;
  if (backendFlag === 'auto') {
    const hasTf = await useNodeBackend('tensorflow').then(() => true, () => false);
    inferBackend = hasTf ? 'tensorflow' : 'wasm';
    trainBackend = hasTf ? 'tensorflow' : 'cpu';
  } else {
    inferBackend = backendFlag;
    trainBackend = backendFlag === 'wasm' ? 'cpu' : backendFlag;
  }
  await registerTrainingGradients();

  const filter = makeNoteFilter();
  const rng = new SeededRandom(seed);
  const train = listDatasetNotes(values.data, { split: 'train', filter });
  let held: NoteRef[];
  try {
    held = listDatasetNotes(values.data, { split: 'test', filter }).notes;
  } catch {
    held = listDatasetNotes(values.data, { split: 'valid', filter }).notes;
  }
  if (train.notes.length === 0 || held.length === 0) throw new Error(`${values.data}: needs notes in both the train and a held-out (test/valid) split`);
  const trainNotes = sample(train.notes, nTrain, rng);
  const heldNotes = sample(held, nEval, rng);
  const clsDir = values.classifier ?? join(values.data, 'pitch-classifier');
  const existing = existsSync(join(clsDir, CLASSIFIER_JSON)) ? readClassifierInfo(clsDir) : null;
  const convChannels = values['conv-channels'] === undefined ? [] : parseChannels(values['conv-channels']);
  if (existing && values['conv-channels'] !== undefined && existing.config.channels.join(',') !== convChannels.join(',')) {
    throw new Error(`${clsDir} holds a classifier with conv channels [${existing.config.channels.join(', ')}]: give another --classifier folder for [${convChannels.join(', ')}]`);
  }
  // A trained classifier brings its own shape; a new one is the default with the conv blocks asked for.
  const c = existing ? existing.config : { ...DEFAULT_CLASSIFIER_CONFIG, channels: convChannels };
  classifierParamShapes(c); // validates the shape (bins divisible by 2^blocks)
  const spec = GANSYNTH_SPECTRAL;
  const t0 = performance.now();
  console.log(`eval: ${trainNotes.length} train / ${heldNotes.length} held-out real notes; backends ${inferBackend} (inference), ${trainBackend} (training)`);

  await useNodeBackend(inferBackend);
  const trainX = await inputsOfNotes(trainNotes, spec, c);
  const heldX = await inputsOfNotes(heldNotes, spec, c);

  let params: Record<string, tf.Tensor>;
  let classifierAccuracy: number;
  if (existsSync(join(clsDir, CLASSIFIER_JSON))) {
    const loaded = loadClassifier(clsDir);
    params = loaded.params;
    console.log(`eval: classifier from ${clsDir}`);
  } else {
    await useNodeBackend(trainBackend);
    console.log(`eval: training the pitch classifier (${steps} steps × ${batch}) → ${clsDir}`);
    params = await fitClassifier(c, trainX, {
      steps, batchSize: batch, seed,
      onStep: (s, loss) => { if (s % 100 === 0 || s === steps - 1) console.log(`  step ${s} loss ${loss.toFixed(4)}`); },
    });
    await useNodeBackend(inferBackend);
  }
  {
    const { probs } = await classifyAll(params, c, heldX);
    classifierAccuracy = pitchAccuracy(probs, heldX.pitches.map((p) => p - c.pitchMin)).value;
  }
  if (!existsSync(join(clsDir, CLASSIFIER_JSON))) {
    await saveClassifier(clsDir, params, {
      config: c, spectral: spec, normalization: MAGENTA_NORMALIZATION, heldOutAccuracy: classifierAccuracy,
      provenance: { data: train.location, fingerprint: train.fingerprint, trainNotes: trainNotes.length, steps, batch, seed },
    });
  }
  console.log(`eval: classifier accuracy on held-out real notes ${classifierAccuracy.toFixed(4)}`);

  const refFeats = (await classifyAll(params, c, trainX)).feats;
  const reference = { feats: refFeats, ndbVectors: trainX.pooled.map((x) => ndbVector(x, c.bins)) };
  const real = await scoreSet(params, c, heldX, reference, { ndbK, seed });

  mkdirSync(join(out, 'samples'), { recursive: true });
  let generated: (SetScores & { sanity: Record<string, number>; ndbDetail?: unknown }) | undefined;
  const samples = [];
  if (values.model) {
    const model = await loadModelFromDisk(values.model);
    try {
      const pitches = heldX.pitches;
      const { waves, sanity } = await generateNotes(model, pitches, seed + 7);
      const genX = { pooled: await pooledInputs(waves, spec, MAGENTA_NORMALIZATION, c), pitches };
      generated = { ...(await scoreSet(params, c, genX, reference, { ndbK, seed })), sanity: summarizeSanity(sanity) };
      for (let i = 0; i < Math.min(nSamples, waves.length); i++) {
        const wav = `samples/gen-${i}-p${pitches[i]}.wav`;
        const png = `samples/gen-${i}-p${pitches[i]}.png`;
        writeFileSync(join(out, wav), encodeWav([waves[i]!], spec.sampleRateHz));
        const feat = tf.tidy(() => wavesToFeatures(tf.tensor2d(waves[i]!, [1, spec.audioLengthSamples]), spec, MAGENTA_NORMALIZATION));
        writeFileSync(join(out, png), spectrogramPng((await feat.data()) as Float32Array, spec.frames, spec.bins, 2, 0, 4));
        feat.dispose();
        samples.push({ pitch: pitches[i]!, wav, png, sanity: sanity[i]! });
      }
    } finally {
      model.dispose();
    }
  }
  Object.values(params).forEach((t) => t.dispose());
  const strip = <T extends SetScores>(s: T) => ({ ...s, ndbDetail: undefined });
  const result = {
    data: train.location,
    model: values.model ?? null,
    classifier: { dir: clsDir, heldOutAccuracy: classifierAccuracy },
    real: strip(real),
    generated: generated ? strip(generated) : null,
    seconds: (performance.now() - t0) / 1000,
    backends: { inference: inferBackend, training: trainBackend },
    seed,
  };
  writeFileSync(join(out, 'metrics.json'), JSON.stringify(result, null, 1));
  writeFileSync(
    join(out, 'report.html'),
    renderReportHtml({ title: `GANSynth evaluation: ${values.model ?? 'real data ceiling'}`, classifierAccuracy, real, generated, samples, provenance: result }),
  );
  const line = (name: string, s: SetScores) =>
    `${name.padEnd(10)} PA ${s.pitchAccuracy.value.toFixed(3)}  PE ${s.pitchEntropy.value.toFixed(3)}  IS ${s.inceptionScore.value.toFixed(2)}  FID ${s.fid.toFixed(2)}  NDB ${s.ndb.count}/${s.ndb.k}`;
  console.log(line('real', real));
  if (generated) console.log(line('generated', generated));
  console.log(`eval: wrote ${join(out, 'metrics.json')} and ${join(out, 'report.html')}`);
}

function summarizeSanity(reports: { flags: readonly string[] }[]): Record<string, number> {
  const counts: Record<string, number> = { notes: reports.length };
  for (const r of reports) for (const f of r.flags) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}
