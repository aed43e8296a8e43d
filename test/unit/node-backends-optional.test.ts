/**
 * `webgpu` is an optional dependency: where it is not installed (no prebuilt binary for the platform), `auto` must go
 * on to wasm instead of failing, while an explicit `webgpu` still says what is missing. Run in a child Node whose
 * module resolution refuses 'webgpu' (a loader hook), as on such a machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

test("without the optional 'webgpu' package: auto starts wasm, an explicit webgpu names the package", () => {
  const dir = mkdtempSync(join(tmpdir(), 'no-webgpu-'));
  writeFileSync(join(dir, 'hooks.mjs'), `export async function resolve(specifier, context, next) {
  if (specifier === 'webgpu') throw Object.assign(new Error("Cannot find package 'webgpu'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\n`);
  writeFileSync(join(dir, 'main.mts'), `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const { useNodeBackend } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/node/backends.ts')).href)});
console.log('auto=' + await useNodeBackend('auto'));
try { await useNodeBackend('webgpu'); console.log('webgpu=started'); } catch (e) { console.log('webgpu-error=' + e.message); }
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'main.mts')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  // Without webgpu the policy leaves one right answer here: tensorflow when tfjs-node is installed, else wasm.
  const require = createRequire(import.meta.url);
  const tensorflow = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((p) => {
    try {
      require.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
  assert.match(r.stdout, new RegExp(`^auto=${tensorflow ? 'tensorflow' : 'wasm'}$`, 'm'), r.stdout + r.stderr);
  assert.match(r.stdout, /^webgpu-error=backend webgpu could not be initialised here: the 'webgpu' package is not installed \(npm install webgpu\): Cannot find package 'webgpu'$/m);
});
