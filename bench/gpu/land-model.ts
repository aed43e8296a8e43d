/**
 * The model half of landing a campaign slice (bench/gpu/land.ts): the pitch-accuracy gate, the model card, the
 * f0 check of the rendered notes, and the replacement of models/default, built beside it and swapped in by rename
 * so a failure at any point leaves the old model in place.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../src/shared/wav.ts';
import { estimateF0Hz, midiToHz } from '../../src/shared/pitch.ts';

/** What the gate compares and the card states (from the eval command's metrics.json). */
export interface SliceEval {
  pitchAccuracy: number;
  pitchAccuracyCi95: number;
  pitchEntropy: number;
  inceptionScore: number;
  fid: number;
  ndb: string;
}

/** models/default/model-card.json. */
export interface ModelCard {
  format: 'gansynth-model-card/1';
  name: string;
  date: string;
  config: string;
  step: number;
  images: number;
  stage: number;
  metrics: { generated: SliceEval; realCeiling: SliceEval | null; classifierHeldOutAccuracy: number | null; f0: F0Check | null };
  dataset: { recipe: string; soundfont: string };
  device: { gpu: string; webgpuAdapter: string };
}

/** `gansynth generate` notes checked by ear-free f0 (YIN): how many sound within 50 cents of the asked pitch. */
export interface F0Check {
  notes: number;
  within50Cents: number;
  fraction: number;
  medianAbsCents: number | null;
}

/** Reads the generated and real sets of an eval metrics.json; throws naming the file and field. */
export function readEvalMetrics(path: string): { generated: SliceEval | null; real: SliceEval; classifierHeldOutAccuracy: number | null } {
  const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const pick = (set: unknown, name: string): SliceEval => {
    const s = set as Record<string, { value?: number; ci95?: number; count?: number; k?: number } & number>;
    const pa = s?.pitchAccuracy?.value;
    if (typeof pa !== 'number') throw new Error(`${path}: ${name}.pitchAccuracy.value missing`);
    return {
      pitchAccuracy: pa, pitchAccuracyCi95: s.pitchAccuracy.ci95 ?? 0, pitchEntropy: s.pitchEntropy?.value ?? NaN,
      inceptionScore: s.inceptionScore?.value ?? NaN, fid: Number(s.fid), ndb: `${s.ndb?.count}/${s.ndb?.k}`,
    };
  };
  const cls = (m.classifier as { heldOutAccuracy?: number } | undefined)?.heldOutAccuracy;
  return { generated: m.generated ? pick(m.generated, 'generated') : null, real: pick(m.real, 'real'), classifierHeldOutAccuracy: cls ?? null };
}

/** f0 of each `gansynth-p<pitch>-s<seed>.wav` in `dir`, over 0.3–0.43 s (past the attack). */
export function checkNotesF0(dir: string): F0Check {
  const cents: number[] = [];
  let notes = 0;
  for (const f of readdirSync(dir).filter((f) => /^gansynth-p\d+-s\d+\.wav$/.test(f)).sort()) {
    const pitch = Number(/-p(\d+)-/.exec(f)![1]);
    const wav = decodeWav(readFileSync(join(dir, f)));
    const f0 = estimateF0Hz(wav.channels[0]!, wav.sampleRateHz, { start: Math.round(0.3 * wav.sampleRateHz) });
    notes++;
    if (f0 > 0) cents.push(Math.abs(1200 * Math.log2(f0 / midiToHz(pitch))));
  }
  const within = cents.filter((c) => c <= 50).length;
  const sorted = [...cents].sort((a, b) => a - b);
  return { notes, within50Cents: within, fraction: notes ? within / notes : 0, medianAbsCents: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null };
}

/** Untars `archive` (.tar.xz) into a fresh `dest`. */
export function untar(archive: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xJf', archive, '-C', dest], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The current default's pitch accuracy: its card's, or null for a model with no card (the untrained placeholder). */
export function currentPitchAccuracy(modelDir: string): number | null {
  const card = join(modelDir, 'model-card.json');
  if (!existsSync(card)) return null;
  const c = JSON.parse(readFileSync(card, 'utf8')) as Partial<ModelCard>;
  const pa = c.metrics?.generated?.pitchAccuracy;
  if (typeof pa !== 'number') throw new Error(`${card}: metrics.generated.pitchAccuracy missing`);
  return pa;
}

/**
 * The gate: replace when the new pitch accuracy is strictly higher than the current default's (no card = the
 * untrained placeholder = 0). Returns the decision and why.
 */
export function pitchGate(newPa: number | null, currentPa: number | null): { replace: boolean; reason: string } {
  if (newPa === null) return { replace: false, reason: 'no evaluation of the export came back' };
  const cur = currentPa ?? 0;
  const was = currentPa === null ? 'the untrained placeholder (no model card: 0)' : `the current default's ${cur.toFixed(4)}`;
  return newPa > cur ? { replace: true, reason: `pitch accuracy ${newPa.toFixed(4)} beats ${was}` } : { replace: false, reason: `pitch accuracy ${newPa.toFixed(4)} does not beat ${was}` };
}

function fmt(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** The card's README.md. */
export function renderCard(card: ModelCard): string {
  const g = card.metrics.generated;
  const r = card.metrics.realCeiling;
  const f0 = card.metrics.f0;
  return `# ${card.name}

Trained by the GPU campaign (bench/gpu/campaign.sh; the run lives in models/default-run/). Landed ${card.date} by
\`npm run campaign:land\`; \`model-card.json\` holds the same numbers.

| | |
| --- | --- |
| config | \`${card.config}\` |
| images seen | ${card.images} (step ${card.step}, stage ${card.stage}) |
| dataset | FluidR3Mono (${card.dataset.soundfont}): \`gansynth-trainer dataset ${card.dataset.recipe}\` |
| device | ${card.device.gpu} (WebGPU adapter: ${card.device.webgpuAdapter}) |

| metric | this model | real-data ceiling |
| --- | --- | --- |
| pitch accuracy (PA) | ${fmt(g.pitchAccuracy, 3)} ± ${fmt(g.pitchAccuracyCi95, 3)} | ${fmt(r?.pitchAccuracy, 3)} |
| pitch entropy (PE, nats) | ${fmt(g.pitchEntropy, 3)} | ${fmt(r?.pitchEntropy, 3)} |
| inception score (IS) | ${fmt(g.inceptionScore, 2)} | ${fmt(r?.inceptionScore, 2)} |
| FID | ${fmt(g.fid, 2)} | ${fmt(r?.fid, 2)} (real vs real) |
| NDB | ${g.ndb} | ${r?.ndb ?? '–'} |
| f0 within 50 cents (\`gansynth generate\`, pitches 36–84) | ${f0 ? `${f0.within50Cents}/${f0.notes}` : '–'} | |

Classifier held-out accuracy: ${fmt(card.metrics.classifierHeldOutAccuracy, 3)}.
`;
}

/** Throws unless `dir` is an exported model directory (model.json that parses, weights_manifest.json, shards). */
export function checkModelDir(dir: string): void {
  for (const f of ['model.json', 'weights_manifest.json']) {
    if (!existsSync(join(dir, f))) throw new Error(`${dir}: the export has no ${f}; models/default left as it was`);
  }
  let manifest: { paths?: string[] }[];
  try {
    JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    manifest = JSON.parse(readFileSync(join(dir, 'weights_manifest.json'), 'utf8')) as { paths?: string[] }[];
  } catch (e) {
    throw new Error(`${dir}: ${(e as Error).message}; models/default left as it was`);
  }
  for (const p of manifest.flatMap((g) => g.paths ?? [])) {
    if (!existsSync(join(dir, p))) throw new Error(`${dir}: weights_manifest.json names ${p}, which is missing; models/default left as it was`);
  }
}

/**
 * Replaces `modelsDir/default` with the model directory `srcModelDir` plus `card` (model-card.json, README.md):
 * the new directory is assembled as a hidden sibling, checked, then swapped in by two renames; on any failure the
 * old directory stays (or is put back) and the sibling is removed.
 */
export function replaceDefaultModel(modelsDir: string, srcModelDir: string, card: ModelCard): void {
  checkModelDir(srcModelDir);
  const target = join(modelsDir, 'default');
  const fresh = join(modelsDir, `.default.new-${process.pid}`);
  const old = join(modelsDir, `.default.old-${process.pid}`);
  rmSync(fresh, { recursive: true, force: true });
  try {
    execFileSync('cp', ['-r', srcModelDir, fresh]);
    writeFileSync(join(fresh, 'model-card.json'), JSON.stringify(card, null, 2) + '\n');
    writeFileSync(join(fresh, 'README.md'), renderCard(card));
    if (existsSync(target)) renameSync(target, old);
    try {
      renameSync(fresh, target);
    } catch (e) {
      if (existsSync(old)) renameSync(old, target);
      throw e;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}
