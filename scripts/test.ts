/**
 * `npm test`: every Node and browser suite in one node:test run (one summary at the end).
 * Finds *.test.ts under test/ and trainer/test/; sets up Vulkan → SwiftShader for the `webgpu` package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
function find(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const only = process.argv.slice(2);
const files = [...find(join(root, 'test')), ...find(join(root, 'trainer/test'))].filter(
  (f) => only.length === 0 || only.some((o) => f.includes(o)),
);
const env = { ...process.env };
if (!env.VK_ICD_FILENAMES) {
  const icd = ['/usr/lib/chromium/vk_swiftshader_icd.json'].find(existsSync);
  if (icd) env.VK_ICD_FILENAMES = icd;
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(r.status ?? 1);
