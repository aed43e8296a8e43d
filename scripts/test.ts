/**
 * `npm test`: every Node and browser suite in one node:test run (one summary at the end).
 * Finds *.test.ts under test/ and trainer/test/; finds Chromium (scripts/chromium.ts) and points Vulkan at its
 * SwiftShader for the `webgpu` package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { findChromium } from './chromium.ts';
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
// The browser suites' Chromium, and its SwiftShader Vulkan ICD for the `webgpu` package in Node.
const chromium = await findChromium();
console.log(chromium ? `chromium: ${chromium.executable} (${chromium.source})` : 'chromium: none, browser suites will skip');
if (chromium && !env.CHROME_PATH) env.CHROME_PATH = chromium.executable;
if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && chromium?.vulkanIcd) env.VK_ICD_FILENAMES = chromium.vulkanIcd;
const r = spawnSync(
  process.execPath,
  ['--conditions=gansynth-source', '--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(r.status ?? 1);
