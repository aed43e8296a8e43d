/**
 * Model-file corruption matrix: every corruption a download, a disk or a hand edit can make, applied to a seeded tiny
 * model in our layout (model.json + manifest + 2 float32 shards) and in Magenta's hosted layout (manifest + 2 uint8
 * shards), each loaded with `loadModelFromDisk` as `gansynth render --model DIR` does. A case passes when the model
 * loads with finite weights (a flipped byte can leave a valid file) or the error names the file, within
 * CASE_LIMIT_MS; a TypeError, an error without the path, or a hang fails it.
 */
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initGeneratorParams } from '../src/engine/generator.ts';
import { loadModelFromDisk, saveModelDir } from '../src/node/model-io.ts';
import { TINY_CONFIG } from '../src/shared/model-config.ts';
import { SeededRandom } from '../src/shared/random.ts';
import { describeError, isCleanError } from './verdict.ts';

const CASE_LIMIT_MS = 10_000;
const MANIFEST = 'weights_manifest.json';
const SHARD = 'group1-shard1of2.bin';

/** What the matrix found. */
export interface CorruptionFigures {
  cases: number;
  loaded: number;
  cleanErrors: number;
  failures: string[];
}

type Layout = 'ours' | 'magenta';
interface Corruption {
  name: string;
  layouts: readonly Layout[];
  apply(dir: string, rng: SeededRandom): Promise<void>;
}

const BOTH: readonly Layout[] = ['ours', 'magenta'];
const edit = async (file: string, f: (b: Buffer) => Buffer | string) => writeFile(file, f(await readFile(file)));
const editJson = async (file: string, f: (j: any) => void) => edit(file, (b) => {
  const j = JSON.parse(b.toString('utf8'));
  f(j);
  return JSON.stringify(j);
});
/** The manifest's weight entries (tfjs layout: [{paths, weights: [...]}, ...]). */
const entries = (m: any): any[] => m.flatMap((g: any) => g.weights);

const CORRUPTIONS: Corruption[] = [
  { name: 'model.json empty', layouts: ['ours'], apply: (d) => writeFile(join(d, 'model.json'), '') },
  { name: 'model.json cut in half', layouts: ['ours'], apply: (d) => edit(join(d, 'model.json'), (b) => b.subarray(0, b.length >> 1)) },
  { name: 'model.json is an HTML page', layouts: ['ours'], apply: (d) => writeFile(join(d, 'model.json'), '<!doctype html><title>404</title>') },
  { name: 'model.json unknown format', layouts: ['ours'], apply: (d) => editJson(join(d, 'model.json'), (j) => { j.format = 'gansynth-web/99'; }) },
  { name: 'model.json latentSize 0', layouts: ['ours'], apply: (d) => editJson(join(d, 'model.json'), (j) => { j.config.latentSize = 0; }) },
  { name: 'model.json filters missing', layouts: ['ours'], apply: (d) => editJson(join(d, 'model.json'), (j) => { delete j.config.filters; }) },
  { name: 'manifest empty', layouts: BOTH, apply: (d) => writeFile(join(d, MANIFEST), '') },
  { name: 'manifest cut in half', layouts: BOTH, apply: (d) => edit(join(d, MANIFEST), (b) => b.subarray(0, b.length >> 1)) },
  { name: 'manifest is {}', layouts: BOTH, apply: (d) => writeFile(join(d, MANIFEST), '{}') },
  { name: 'manifest: a shape changed', layouts: BOTH, apply: (d) => editJson(join(d, MANIFEST), (m) => { entries(m)[0].shape[0] += 1; }) },
  { name: 'manifest: dtype int64', layouts: BOTH, apply: (d) => editJson(join(d, MANIFEST), (m) => { entries(m)[1].dtype = 'int64'; }) },
  { name: 'manifest: a tensor renamed', layouts: BOTH, apply: (d) => editJson(join(d, MANIFEST), (m) => { entries(m)[2].name += '_x'; }) },
  { name: 'manifest: a tensor removed', layouts: BOTH, apply: (d) => editJson(join(d, MANIFEST), (m) => { m[0].weights.pop(); }) },
  { name: 'manifest: shard path ../../etc/passwd', layouts: BOTH, apply: (d) => editJson(join(d, MANIFEST), (m) => { m[0].paths[0] = '../../etc/passwd'; }) },
  { name: 'manifest: shard path /etc/passwd', layouts: BOTH, apply: (d) => editJson(join(d, MANIFEST), (m) => { m[0].paths[0] = '/etc/passwd'; }) },
  { name: 'manifest: quantization scale NaN', layouts: ['magenta'], apply: (d) => editJson(join(d, MANIFEST), (m) => { entries(m)[0].quantization.scale = 'NaN'; }) },
  { name: 'manifest: quantization dtype uint4', layouts: ['magenta'], apply: (d) => editJson(join(d, MANIFEST), (m) => { entries(m)[0].quantization.dtype = 'uint4'; }) },
  { name: 'shard missing', layouts: BOTH, apply: (d) => unlink(join(d, SHARD)) },
  { name: 'shard empty', layouts: BOTH, apply: (d) => writeFile(join(d, SHARD), '') },
  { name: 'shard 1 byte short', layouts: BOTH, apply: (d) => edit(join(d, SHARD), (b) => b.subarray(0, b.length - 1)) },
  { name: 'shard cut in half', layouts: BOTH, apply: (d) => edit(join(d, SHARD), (b) => b.subarray(0, b.length >> 1)) },
  { name: 'shard with 100 bytes appended', layouts: BOTH, apply: (d) => edit(join(d, SHARD), (b) => Buffer.concat([b, Buffer.alloc(100, 7)])) },
  { name: 'shard is an HTML page', layouts: BOTH, apply: (d) => writeFile(join(d, SHARD), '<!doctype html><title>Not found</title>') },
  { name: 'shard all 0xFF (NaN floats)', layouts: BOTH, apply: (d) => edit(join(d, SHARD), (b) => Buffer.alloc(b.length, 0xff)) },
  {
    name: 'shard: 8 random bytes flipped', layouts: BOTH, apply: (d, rng) => edit(join(d, SHARD), (b) => {
      const out = Buffer.from(b);
      for (let i = 0; i < 8; i++) out[rng.nextInt(out.length)] ^= 1 << rng.nextInt(8);
      return out;
    }),
  },
];

/** Writes the two seeded base models under `root`. */
async function writeBases(root: string): Promise<Record<Layout, string>> {
  await tf.setBackend('cpu');
  const params = initGeneratorParams(TINY_CONFIG, 5);
  const bytes = Object.values(params).reduce((n, t) => n + t.size * 4, 0);
  try {
    const ours = join(root, 'ours');
    const magenta = join(root, 'magenta');
    await saveModelDir(ours, { config: TINY_CONFIG, params, meta: { name: 'fault base' } }, { shardBytes: Math.ceil(bytes / 2) + 4 });
    await saveModelDir(magenta, { config: TINY_CONFIG, params }, { magentaLayout: true, quantize: 'uint8', shardBytes: Math.ceil(bytes / 8) + 4 });
    return { ours, magenta };
  } finally {
    tf.dispose(Object.values(params));
  }
}

async function withLimit<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`HANG: ${what} took over ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS); });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the whole matrix (`repeats` seeds of the random corruptions) in a temporary folder, removed afterwards. */
export async function runModelCorruption(repeats = 1, seed = 7): Promise<CorruptionFigures> {
  const root = await mkdtemp(join(tmpdir(), 'gansynth-faults-model-'));
  const fig: CorruptionFigures = { cases: 0, loaded: 0, cleanErrors: 0, failures: [] };
  const rng = new SeededRandom(seed);
  try {
    const bases = await writeBases(root);
    // The bases themselves must load (else every case below would "pass" as an error).
    for (const dir of Object.values(bases)) (await loadModelFromDisk(dir, { cache: false, magentaConfig: TINY_CONFIG })).dispose();
    let n = 0;
    for (const c of CORRUPTIONS) {
      for (const layout of c.layouts) {
        for (let r = 0; r < (c.name.includes('random') ? repeats : 1); r++) {
          const dir = join(root, `case-${n++}`);
          await cp(bases[layout], dir, { recursive: true });
          await c.apply(dir, rng);
          fig.cases++;
          const label = `${c.name} (${layout})`;
          try {
            const m = await withLimit(loadModelFromDisk(dir, { cache: false, magentaConfig: TINY_CONFIG }), label);
            const finite = Object.values(m.params).every((t) => t.dataSync().every(Number.isFinite));
            m.dispose();
            if (finite) fig.loaded++;
            else fig.failures.push(`${label}: loaded non-finite weights`);
          } catch (e) {
            if (isCleanError(e, dir)) fig.cleanErrors++;
            else fig.failures.push(`${label}: ${describeError(e)}`);
          }
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return fig;
}
