/**
 * `gansynth-trainer eval`: the paper's metrics (PA, PE, IS, FID, NDB) for a model's generated notes and for
 * held-out real notes (the ceiling), with a pitch classifier trained on the dataset's real notes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { wavesToFeatures } from 'gansynth-web/engine/spectral';
import { loadModelFromDisk } from 'gansynth-web/node/model-io';
import { type CommandSpec, parseOrHelp, requireOption } from 'gansynth-web/node/cli/common/args';
import { type CliIo, CliUsageError, processIo } from 'gansynth-web/node/cli/common/io';
import { NODE_BACKENDS, selectNodeBackend, useNodeBackend } from 'gansynth-web/node/backends';
import { backendChoices } from 'gansynth-web/shared/backend-policy';
import { GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { encodeWav } from 'gansynth-web/shared/wav';
import { makeNoteFilter } from '../data/nsynth-filter.ts';
import type { NoteRef } from '../data/listing.ts';
import { listDatasetNotes } from '../data/source.ts';
import { registerTrainingGradients } from '../train/gradients.ts';
import { CLASSIFIER_JSON, loadClassifier, pooledInputs, readClassifierInfo, saveClassifier } from '../eval/classifier-io.ts';
import { classifyAll, fitClassifier, generateNotes, inputsOfNotes, ndbVector, scoreSet, type SetScores } from '../eval/evaluate.ts';
import { DEFAULT_CLASSIFIER_CONFIG, classifierParamShapes } from '../eval/pitch-classifier.ts';
import { pitchAccuracy } from '../eval/metrics.ts';
import { renderReportHtml } from '../eval/report-html.ts';
import { spectrogramPng } from '../train/report-assets.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'eval',
  summary: 'evaluate a model (PA, PE, IS, FID, NDB) against held-out real notes, with a pitch classifier',
  usage: ['--data DIR [--model DIR|URL] [options]'],
  options: {
    data: {
      kind: 'string', value: 'DIR',
      help: "dataset: NSynth json+wav / TFRecord / TFDS-prepared nsynth / a 'gansynth-trainer dataset'\noutput (needs train + test/valid); required",
    },
    model: { kind: 'string', value: 'DIR|URL', defaultText: 'none: the real-data ceiling only', help: 'the model to evaluate' },
    classifier: { kind: 'string', value: 'DIR', defaultText: 'DIR/pitch-classifier under --data', help: 'pitch classifier directory; trained when missing' },
    'train-notes': { kind: 'int', value: 'N', min: 1, default: 1500, help: 'real training notes for the classifier and the FID/NDB reference' },
    notes: { kind: 'int', value: 'N', min: 1, default: 300, help: 'held-out real notes, and as many generated notes' },
    steps: { kind: 'int', value: 'N', min: 1, default: 1500, help: 'classifier training steps' },
    batch: { kind: 'int', value: 'N', min: 1, default: 32, help: 'classifier batch' },
    'conv-channels': {
      kind: 'string', value: 'L', defaultText: 'none',
      help: "conv blocks of a new classifier, e.g. 16,16,32,32 (the paper's small conv net; none:\nan MLP over the time-pooled log-mel, since tfjs-cpu's conv backprop is ~50× slower here)",
    },
    'ndb-k': { kind: 'int', value: 'K', min: 1, default: 50, help: 'NDB bins' },
    samples: { kind: 'int', value: 'N', min: 0, default: 8, help: 'generated samples shown in the report' },
    seed: { kind: 'int', value: 'S', min: 0, default: 0, help: 'sampling, classifier and latent seed' },
    backend: {
      kind: 'choice', choices: backendChoices(NODE_BACKENDS, 'inference'), default: 'auto',
      help: 'README.md "Backends": inference for features and notes, training for the\nclassifier (wasm trains it on cpu)',
    },
    out: { kind: 'string', value: 'DIR', defaultText: './eval-<date>', help: 'metrics.json, report.html, samples/' },
  },
  examples: ['--data data/fluidr3 --model models/mine --out eval/mine', '--data data/fluidr3 --train-notes 732 --notes 122 --steps 1000 --ndb-k 20'],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

function parseChannels(text: string): number[] {
  const list = text.split(',').map((x) => Number(x.trim()));
  if (list.length === 0 || list.length > 8 || list.some((x) => !Number.isInteger(x) || x < 1 || x > 256)) {
    throw new CliUsageError(`--conv-channels must be up to 8 integers 1..256 separated by commas, got '${text}'`);
  }
  return list;
}

function sample<T>(items: readonly T[], n: number, rng: SeededRandom): T[] {
  return rng.shuffle([...items]).slice(0, Math.min(n, items.length));
}

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values } = parsed;
  const data = requireOption('data', values.data, 'the dataset');
  const { seed, steps, batch, samples: nSamples } = values;
  const nTrain = values['train-notes'];
  const nEval = values.notes;
  const ndbK = values['ndb-k'];
  const out = values.out ?? `eval-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  const backendFlag = values.backend;
  // The one selection policy, per purpose: inference for features and generated notes, training for the classifier
  // (an explicit wasm trains it on cpu: wasm cannot train).
  const inferBackend = (await selectNodeBackend(backendFlag, 'inference')).backend;
  const trainBackend = (await selectNodeBackend(backendFlag === 'wasm' ? 'cpu' : backendFlag, 'training')).backend;
  await registerTrainingGradients();

  const filter = makeNoteFilter();
  const rng = new SeededRandom(seed);
  const train = listDatasetNotes(data, { split: 'train', filter });
  let held: NoteRef[];
  try {
    held = listDatasetNotes(data, { split: 'test', filter }).notes;
  } catch {
    held = listDatasetNotes(data, { split: 'valid', filter }).notes;
  }
  if (train.notes.length === 0 || held.length === 0) throw new Error(`${data}: needs notes in both the train and a held-out (test/valid) split`);
  const trainNotes = sample(train.notes, nTrain, rng);
  const heldNotes = sample(held, nEval, rng);
  const clsDir = values.classifier ?? join(data, 'pitch-classifier');
  const existing = existsSync(join(clsDir, CLASSIFIER_JSON)) ? readClassifierInfo(clsDir) : null;
  const convChannels = values['conv-channels'] === undefined ? [] : parseChannels(values['conv-channels']);
  if (existing && values['conv-channels'] !== undefined && existing.config.channels.join(',') !== convChannels.join(',')) {
    throw new Error(`${clsDir} holds a classifier with conv channels [${existing.config.channels.join(', ')}]: give another --classifier folder for [${convChannels.join(', ')}]`);
  }
  // A trained classifier brings its own shape; a new one is the default with the conv blocks asked for.
  const c = existing ? existing.config : { ...DEFAULT_CLASSIFIER_CONFIG, channels: convChannels };
  classifierParamShapes(c); // validates the shape (bins divisible by 2^blocks)
  const spectral = GANSYNTH_SPECTRAL;
  const t0 = performance.now();
  console.log(`eval: ${trainNotes.length} train / ${heldNotes.length} held-out real notes; backends ${inferBackend} (inference), ${trainBackend} (training)`);

  await useNodeBackend(inferBackend);
  const trainX = await inputsOfNotes(trainNotes, spectral, c);
  const heldX = await inputsOfNotes(heldNotes, spectral, c);

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
      config: c, spectral, normalization: MAGENTA_NORMALIZATION, heldOutAccuracy: classifierAccuracy,
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
      const genX = { pooled: await pooledInputs(waves, spectral, MAGENTA_NORMALIZATION, c), pitches };
      generated = { ...(await scoreSet(params, c, genX, reference, { ndbK, seed })), sanity: summarizeSanity(sanity) };
      for (let i = 0; i < Math.min(nSamples, waves.length); i++) {
        const wav = `samples/gen-${i}-p${pitches[i]}.wav`;
        const png = `samples/gen-${i}-p${pitches[i]}.png`;
        writeFileSync(join(out, wav), encodeWav([waves[i]!], spectral.sampleRateHz));
        const feat = tf.tidy(() => wavesToFeatures(tf.tensor2d(waves[i]!, [1, spectral.audioLengthSamples]), spectral, MAGENTA_NORMALIZATION));
        writeFileSync(join(out, png), spectrogramPng((await feat.data()) as Float32Array, spectral.frames, spectral.bins, 2, 0, 4));
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
