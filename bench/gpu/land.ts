/**
 * `npm run campaign:land -- DIR [--repo ROOT] [--allow-software-device]`: lands what one GPU campaign slice
 * (bench/gpu/campaign.sh) brought back in DIR (the device tool's files_at folder) into the repo:
 *
 *   models/default-run/checkpoint.gsck   replaced (atomically) by the slice's, after checking it whole (CRC), that it
 *                                        continues the same run (run.json createdAt, config) and is not older
 *   models/default-run/metrics.jsonl     one record per slice: schedule position, throughput, losses, phase wall
 *                                        times, device, eval (PA, PE, IS, FID, NDB and the real-data ceiling), f0
 *   models/default-run/training.jsonl    the slice's step records, thinned to at most 200
 *   models/default-run/pitch-classifier/ the eval's classifier when the run had none (kept for comparable PA)
 *   bench/results/<name>-campaign.json   the slice's bench report(s)
 *   models/default/                      the EMA export with a model card, only when its pitch accuracy beats the
 *                                        current default's (land-model.ts), and never from a software adapter
 *                                        (SwiftShader dry runs) unless --allow-software-device
 *
 * Everything is checked before anything is written; the metrics record goes last, so a failed landing can be rerun,
 * and a slice already in metrics.jsonl is refused.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { type CommandSpec, type ParsedCommand, runScript } from '../../src/node/cli/common/args.ts';
import { CliUsageError } from '../../src/node/cli/common/io.ts';
import { writeFileAtomic } from '../../trainer/src/train/checkpoint.ts';
import { type CompactHeader, verifyCompactCheckpoint } from '../../trainer/src/train/compact-checkpoint.ts';
import { type F0Check, type ModelCard, checkModelDir, checkNotesF0, currentPitchAccuracy, pitchGate, readEvalMetrics, replaceDefaultModel, untar } from './land-model.ts';

/** One JSON line of slice.jsonl. */
type SliceLine = Record<string, string | number>;

/** What landing did. */
export interface LandReport {
  checkpoint: 'replaced' | 'unchanged' | 'absent';
  position: { step: number; images: number; stage: number } | null;
  model: { replaced: boolean; reason: string };
  classifier: 'added' | 'kept' | 'none';
  bench: string[];
  f0: F0Check | null;
  /** Repo paths written (for `git add`). */
  written: string[];
}

/** Options of landCampaign. */
export interface LandOptions {
  /** The folder the device tool copied $OUT into. */
  from: string;
  /** The repo root (default: this checkout). */
  repo: string;
  /** Let a slice trained on a software adapter (SwiftShader) replace models/default. */
  allowSoftwareDevice?: boolean;
}

const REPO = resolve(import.meta.dirname, '../..');

function readJsonl(path: string): SliceLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as SliceLine;
    } catch {
      throw new Error(`${path}: line ${i + 1} is not JSON`);
    }
  });
}

/** The slice's checkpoint: checkpoint.gsck, or its split parts checkpoint.gsck.00, .01, … joined. */
function sliceCheckpoint(from: string, scratch: string): string | null {
  const whole = join(from, 'checkpoint.gsck');
  if (existsSync(whole)) return whole;
  const parts = readdirSync(from).filter((f) => /^checkpoint\.gsck\.\d\d$/.test(f)).sort();
  if (parts.length === 0) return null;
  const joined = join(scratch, 'checkpoint.gsck');
  writeFileSync(joined, Buffer.concat(parts.map((p) => readFileSync(join(from, p)))));
  return joined;
}

function median(xs: number[]): number | null {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : null;
}

function mean(xs: number[]): number | null {
  const s = xs.filter(Number.isFinite);
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
}

function isSoftware(start: SliceLine): boolean {
  return /swiftshader|llvmpipe|lavapipe/i.test(`${start.webgpuAdapter} ${start.vulkanIcd}`) || !start.gpu || start.gpu === 'none';
}

/** Lands a slice; see the module doc. Throws (having written nothing) when the slice does not fit the run. */
export async function landCampaign(o: LandOptions): Promise<LandReport> {
  const from = resolve(o.from);
  const runDir = join(o.repo, 'models/default-run');
  const slicePath = join(from, 'slice.jsonl');
  if (!existsSync(slicePath)) throw new Error(`${slicePath} missing: ${from} is not what bench/gpu/campaign.sh leaves in $OUT`);
  const lines = readJsonl(slicePath);
  const start = lines.find((l) => l.kind === 'start');
  if (!start) throw new Error(`${slicePath}: no "start" line`);
  const spec = JSON.parse(readFileSync(join(runDir, 'campaign.json'), 'utf8')) as { config: string; seed: number; checkpoint: { file: string }; dataset: { args: string; soundfont: string }; name: string };
  if (start.config !== spec.config) throw new Error(`${slicePath}: the slice trained config "${start.config}", ${runDir}/campaign.json says "${spec.config}"`);
  const metricsPath = join(runDir, 'metrics.jsonl');
  if (readJsonl(metricsPath).some((r) => r.slice === start.date)) throw new Error(`${metricsPath} already has the slice of ${start.date}: landed before`);
  const scratch = mkdtempSync(join(tmpdir(), 'gansynth-land-'));
  const written: string[] = [];
  try {
    // 1. Check everything.
    const ckptPath = sliceCheckpoint(from, scratch);
    const current = join(runDir, spec.checkpoint.file);
    let header: CompactHeader | null = null;
    let ckptState: LandReport['checkpoint'] = 'absent';
    if (ckptPath) {
      header = verifyCompactCheckpoint(ckptPath).header;
      if (header.run.config !== spec.config) throw new Error(`${ckptPath}: a run of config "${header.run.config}", the campaign's is "${spec.config}"`);
      ckptState = 'replaced';
      if (existsSync(current)) {
        const cur = verifyCompactCheckpoint(current).header;
        if (cur.run.createdAt !== header.run.createdAt) throw new Error(`${ckptPath} is another run (created ${header.run.createdAt}) than ${current} (created ${cur.run.createdAt})`);
        if (header.meta.imageId < cur.meta.imageId) throw new Error(`${ckptPath} (${header.meta.imageId} images) is older than ${current} (${cur.meta.imageId} images)`);
        if (header.meta.imageId === cur.meta.imageId) ckptState = 'unchanged';
      }
    }
    const evalDir = join(scratch, 'eval-x');
    const evalTar = join(from, 'eval.tar.xz');
    if (existsSync(evalTar)) untar(evalTar, evalDir);
    const evalMetricsPath = join(evalDir, 'eval/metrics.json');
    const evalMetrics = existsSync(evalMetricsPath) ? readEvalMetrics(evalMetricsPath) : null;
    const notesTar = join(from, 'notes.tar.xz');
    let f0: F0Check | null = null;
    if (existsSync(notesTar)) {
      untar(notesTar, join(scratch, 'notes-x'));
      f0 = checkNotesF0(join(scratch, 'notes-x/notes'));
      if (f0.notes === 0) f0 = null;
    }
    const modelTar = join(from, 'model.tar.xz');
    const modelDir = join(scratch, 'model-x/model');
    if (existsSync(modelTar)) untar(modelTar, join(scratch, 'model-x'));
    const software = isSoftware(start);
    let gate = pitchGate(evalMetrics?.generated?.pitchAccuracy ?? null, currentPitchAccuracy(join(o.repo, 'models/default')));
    if (!existsSync(modelTar)) gate = { replace: false, reason: 'no model.tar.xz came back' };
    else if (gate.replace && !header) gate = { replace: false, reason: 'no checkpoint came back to say what the export is' };
    else if (gate.replace && software && !o.allowSoftwareDevice) gate = { replace: false, reason: `${gate.reason}, but it was trained on a software adapter (${start.webgpuAdapter}): not the default model` };
    if (gate.replace) checkModelDir(modelDir);

    // 2. Write: bench reports, classifier, model, checkpoint, then the records.
    const bench: string[] = [];
    const benchDir = join(from, 'bench');
    for (const f of existsSync(benchDir) ? readdirSync(benchDir).filter((f) => f.endsWith('.json')) : []) {
      const dest = join(o.repo, 'bench/results', `${basename(f, '.json')}-campaign.json`);
      copyFileSync(join(benchDir, f), dest);
      bench.push(dest);
    }
    let classifier: LandReport['classifier'] = existsSync(join(runDir, 'pitch-classifier')) ? 'kept' : 'none';
    const newCls = join(evalDir, 'eval/pitch-classifier');
    if (classifier === 'none' && existsSync(newCls)) {
      mkdirSync(join(runDir, 'pitch-classifier'), { recursive: true });
      for (const f of readdirSync(newCls)) {
        writeFileAtomic(join(runDir, 'pitch-classifier', f), readFileSync(join(newCls, f)));
      }
      classifier = 'added';
      written.push(join(runDir, 'pitch-classifier'));
    }
    if (gate.replace && header && evalMetrics?.generated) {
      const card: ModelCard = {
        format: 'gansynth-model-card/1', name: `${spec.name} (${spec.config}, ${header.meta.imageId} images)`, date: String(start.date),
        config: spec.config, step: header.meta.step, images: header.meta.imageId, stage: header.meta.stage,
        metrics: { generated: evalMetrics.generated, realCeiling: evalMetrics.real, classifierHeldOutAccuracy: evalMetrics.classifierHeldOutAccuracy, f0 },
        dataset: { recipe: spec.dataset.args, soundfont: spec.dataset.soundfont },
        device: { gpu: String(start.gpu), webgpuAdapter: String(start.webgpuAdapter) },
      };
      replaceDefaultModel(join(o.repo, 'models'), modelDir, card);
      written.push(join(o.repo, 'models/default'));
    }
    if (ckptPath && header && ckptState === 'replaced') {
      writeFileAtomic(current, readFileSync(ckptPath));
      written.push(current);
    }
    const steps = readJsonl(join(from, 'train-metrics.jsonl'));
    const stride = Math.max(1, Math.ceil(steps.length / 200));
    const thinned = steps.filter((_, i) => i % stride === 0 || i === steps.length - 1);
    if (thinned.length) {
      const trainingPath = join(runDir, 'training.jsonl');
      const before = existsSync(trainingPath) ? readFileSync(trainingPath, 'utf8') : '';
      writeFileAtomic(trainingPath, before + thinned.map((r) => JSON.stringify({ slice: start.date, ...r }) + '\n').join(''));
      written.push(trainingPath);
    }
    const phases = Object.fromEntries(lines.filter((l) => l.kind === 'phase').map((l) => [l.phase, { sec: l.sec, rc: l.rc }]));
    const record = {
      slice: start.date, config: spec.config, device: { gpu: start.gpu, webgpuAdapter: start.webgpuAdapter, software },
      resumedFrom: start.resumeFrom, position: header ? { step: header.meta.step, images: header.meta.imageId, stage: header.meta.stage } : null,
      checkpoint: ckptState, steps: steps.length, imagesPerSecMedian: median(steps.map((s) => Number(s.imagesPerSec))),
      gLossMean: mean(steps.map((s) => Number(s.g_loss))), dLossMean: mean(steps.map((s) => Number(s.d_loss))),
      phases, setupSec: start.setupSec, totalSec: lines.find((l) => l.kind === 'end')?.totalSec ?? null,
      eval: evalMetrics, f0, model: gate, bench: bench.map((b) => basename(b)),
    };
    const before = existsSync(metricsPath) ? readFileSync(metricsPath, 'utf8') : '';
    writeFileAtomic(metricsPath, before + JSON.stringify(record) + '\n');
    written.push(metricsPath, ...bench);
    return {
      checkpoint: ckptState, position: record.position, model: { replaced: gate.replace, reason: gate.reason }, classifier, bench, f0, written,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The tool's options, parser and --help (src/node/cli/common/args.ts, as the CLIs'). */
export const spec = {
  program: 'npm run',
  command: 'campaign:land --',
  summary: "lands a GPU campaign slice's files in the repository and prints the `git add` line",
  usage: ['DIR [--repo ROOT] [--allow-software-device]'],
  positionals: true,
  notes: 'DIR: the files a bench/gpu/campaign.sh call brought back ($OUT).',
  options: {
    repo: { kind: 'string', value: 'ROOT', defaultText: 'this repository', help: 'the repository to land in' },
    'allow-software-device': { kind: 'flag', help: 'let a model trained on a software adapter (SwiftShader dry runs) replace models/default' },
  },
  examples: ['/work/.device/<files_at>', '/tmp/dry/out1 --repo /tmp/dry/repo'],
} as const satisfies CommandSpec;

async function main({ values, positionals }: ParsedCommand<typeof spec.options>): Promise<void> {
  if (positionals.length !== 1) throw new CliUsageError(`give exactly one DIR, got ${positionals.length ? positionals.join(' ') : 'none'}`);
  const r = await landCampaign({ from: positionals[0]!, repo: resolve(values.repo ?? REPO), allowSoftwareDevice: values['allow-software-device'] });
  const pos = r.position ? `step ${r.position.step}, ${r.position.images} images, stage ${r.position.stage}` : 'no checkpoint';
  console.log(`checkpoint ${r.checkpoint} (${pos}); classifier ${r.classifier}; f0 ${r.f0 ? `${r.f0.within50Cents}/${r.f0.notes} within 50 cents` : '–'}`);
  console.log(`models/default ${r.model.replaced ? 'replaced' : 'kept'}: ${r.model.reason}`);
  console.log(`bench: ${r.bench.map((b) => basename(b)).join(', ') || 'none'}`);
  console.log(`git add ${r.written.map((p) => p.startsWith(REPO) ? p.slice(REPO.length + 1) : p).join(' ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = await runScript(spec, process.argv.slice(2), main);
}
