/**
 * `gansynth-trainer report RUN`: an HTML page (RUN/report/index.html by default) with the metrics log as inline
 * SVG plots and, per checkpoint, the fixed-latent EMA samples as spectrogram PNGs and WAV audio (rendered
 * with the engine's featuresToWaves).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { encodeWav } from 'gansynth-web/shared/wav';
import { featuresToWaves } from 'gansynth-web/engine/spectral';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { type CommandSpec, parseOrHelp } from 'gansynth-web/node/cli/common/args';
import { type CliIo, CliUsageError, processIo } from 'gansynth-web/node/cli/common/io';
import { readMetrics } from '../train/metrics-log.ts';
import { readSampleSets } from '../train/monitor.ts';
import { readRunInfo } from '../train/run-info.ts';
import { resolveTrainConfig } from '../train/configs.ts';
import { type Series, spectrogramPng, svgPlot, thin } from '../train/report-assets.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'report',
  summary: 'write an HTML report of a run: loss plots, spectrograms and audio per checkpoint',
  usage: ['RUN [--out DIR] [--last N]'],
  positionals: true,
  notes: 'RUN: a training run directory (gansynth-trainer train --out RUN).',
  options: {
    out: { kind: 'string', value: 'DIR', defaultText: 'RUN/report', help: 'where index.html and its images/audio go' },
    last: { kind: 'int', value: 'N', min: 1, default: 8, help: 'sample sets (checkpoints) shown, newest last' },
  },
  examples: ['runs/small-1', 'runs/small-1 --out /tmp/report --last 3'],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

const PLOTS: { title: string; keys: string[] }[] = [
  { title: 'Losses (total)', keys: ['g_loss', 'd_loss'] },
  { title: 'Wasserstein terms', keys: ['g_wasserstein', 'd_wasserstein', 'score_real', 'score_fake'] },
  { title: 'Gradient penalty and drift', keys: ['gradient_penalty', 'gradient_norm', 'drift'] },
  { title: 'Auxiliary pitch loss', keys: ['ac_real_loss', 'ac_fake_loss'] },
  { title: 'Auxiliary pitch accuracy', keys: ['ac_real_accuracy', 'ac_fake_accuracy'] },
  { title: 'Progress (stage, fade-in)', keys: ['progress', 'alpha'] },
  { title: 'Throughput (images/s)', keys: ['imagesPerSec'] },
];
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/** Writes the report; returns the index.html path. Needs an initialised tfjs backend. */
export async function writeReport(runDir: string, outDir = join(runDir, 'report'), lastSets = 8): Promise<string> {
  const info = readRunInfo(runDir);
  const cfg = info.trainConfig ?? resolveTrainConfig(info.config);
  const metrics = thin(readMetrics(runDir), 1500);
  mkdirSync(outDir, { recursive: true });
  const plots = PLOTS.map((p) => svgPlot(p.title, 'images', p.keys.map((k, i): Series => ({
    label: k, color: COLORS[i % COLORS.length]!, points: metrics.filter((r) => k in r).map((r) => [r.images!, r[k]!]),
  })))).join('\n');
  const sets = readSampleSets(runDir).slice(-lastSets);
  const sections: string[] = [];
  for (const set of sets) {
    const [n, frames, bins, colors] = set.shape;
    const waves = tf.tidy(() => featuresToWaves(tf.tensor4d(set.features, set.shape), cfg.model.spectral, info.normalization));
    const audio = (await waves.data()) as Float32Array;
    waves.dispose();
    const len = cfg.model.spectral.audioLengthSamples;
    const cells: string[] = [];
    for (let i = 0; i < n; i++) {
      const one = set.features.subarray(i * frames * bins * colors, (i + 1) * frames * bins * colors);
      const base = `step${set.step}-pitch${set.pitches[i]}`;
      writeFileSync(join(outDir, `${base}-mag.png`), spectrogramPng(one, frames, bins, colors, 0));
      writeFileSync(join(outDir, `${base}-if.png`), spectrogramPng(one, frames, bins, colors, 1));
      const wave = audio.slice(i * len, (i + 1) * len);
      let peak = 0;
      for (const v of wave) peak = Math.max(peak, Math.abs(v));
      // Normalised to −1 dBFS so quiet early samples are audible; the peak is printed.
      const gain = peak > 0 ? 0.89 / peak : 1;
      writeFileSync(join(outDir, `${base}.wav`), encodeWav([wave.map((v) => v * gain)], cfg.model.spectral.sampleRateHz, 'pcm16'));
      cells.push(`<td><div>pitch ${set.pitches[i]} (peak ${peak.toExponential(2)})</div><img src="${base}-mag.png" title="log-mel magnitude" width="256" height="256"> <img src="${base}-if.png" title="mel IF" width="256" height="256"><br><audio controls src="${base}.wav"></audio></td>`);
    }
    sections.push(`<h3>step ${set.step} — ${set.images} images</h3><table><tr>${cells.join('')}</tr></table>`);
  }
  const last = metrics[metrics.length - 1];
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>GANSynth run ${runDir}</title>
<style>body{font-family:sans-serif;margin:1.5em}figure{display:inline-block;margin:.5em}td{vertical-align:top;padding:.5em}img{image-rendering:pixelated;border:1px solid #ccc}</style></head><body>
<h1>GANSynth training run</h1>
<p>config <b>${info.config}</b>, seed ${info.seed}, data <code>${info.data}</code>, started ${info.createdAt}.
${last ? `Last logged step ${last.step}: ${last.images} images, stage ${last.stage}, progress ${last.progress?.toFixed(3)}.` : 'No steps logged yet.'}</p>
<h2>Metrics</h2>${plots}
<h2>Fixed-latent EMA samples per checkpoint</h2><p>Left: log-mel magnitude, right: mel instantaneous frequency (time →, frequency ↑). Audio via the engine's featuresToWaves, peak-normalised.</p>
${sections.join('\n') || '<p>No samples yet.</p>'}
</body></html>\n`;
  const index = join(outDir, 'index.html');
  writeFileSync(index, html);
  return index;
}

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new CliUsageError(`give exactly one RUN directory, got ${positionals.length ? positionals.join(' ') : 'none'}`);
  await useNodeBackend('cpu');
  io.err(`wrote ${await writeReport(positionals[0]!, values.out, values.last)}`);
}
