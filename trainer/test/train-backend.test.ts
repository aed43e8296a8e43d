/**
 * `--backend auto` for training follows the one selection policy the `gansynth` CLI uses (src/shared/backend-policy.ts
 * through src/node/backends.ts): tfjs-node(-gpu) when installed, else WebGPU on a hardware adapter, else cpu, never a
 * software WebGPU adapter (SwiftShader) and never wasm;
 * a named `webgpu` still runs on SwiftShader. Each choice runs in a fresh Node process (the tfjs backend is global).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { useTrainingBackend } from '../src/train/backend.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** What a fresh process reports after useTrainingBackend(name). */
interface Choice {
  chosen: string;
  tfBackend: string;
  /** The shared rule's verdict on the WebGPU adapter tfjs runs on (false off webgpu). */
  software: boolean;
  adapter: string;
  /** The policy's reason line (one clause per backend considered). */
  reason: string;
}

/**
 * The child's environment. Without a system Vulkan loader (Debian's libvulkan1), Dawn finds no adapter; the
 * @sparticuz/chromium devDependency unpacks one into the temp folder next to its SwiftShader ICD, which
 * src/node/backends.ts already uses, so the child gets that folder on its library path.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (existsSync(join(tmpdir(), 'libvulkan.so.1')) && !existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1')) {
    env.LD_LIBRARY_PATH = [tmpdir(), env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  return env;
}

/** `who`: the trainer's selection (purpose training), or the `gansynth` CLI's (src/node/backends.ts, inference). */
function choose(name: string, who: 'trainer' | 'cli' = 'trainer'): Choice {
  const url = (p: string) => pathToFileURL(join(ROOT, p)).href;
  const select = who === 'trainer'
    ? `(await import(${JSON.stringify(url('trainer/src/train/backend.ts'))})).selectTrainingBackend(${JSON.stringify(name)})`
    : `(await import(${JSON.stringify(url('src/node/backends.ts'))})).selectNodeBackend(${JSON.stringify(name)}, 'inference')`;
  const script = `
    import * as tf from '@tensorflow/tfjs-core';
    const { isSoftwareWebgpu, webgpuAdapterDescription } = await import(${JSON.stringify(url('src/engine/backend.ts'))});
    const { backend: chosen, reason } = await ${select};
    console.log('CHOICE ' + JSON.stringify({ chosen, reason, tfBackend: tf.getBackend(), software: isSoftwareWebgpu(), adapter: webgpuAdapterDescription() }));
  `;
  const out = execFileSync(process.execPath, ['--conditions=gansynth-source', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  const line = out.split('\n').find((l) => l.startsWith('CHOICE '));
  assert.ok(line, `no choice reported; stdout: ${out}`);
  return JSON.parse(line.slice('CHOICE '.length)) as Choice;
}

function tensorflowInstalled(): boolean {
  const require = createRequire(import.meta.url);
  return ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((p) => {
    try {
      require.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
}

test('a software WebGPU adapter: auto passes over it (cpu here), --backend webgpu still runs on it', async (t) => {
  let named: Choice;
  try {
    named = choose('webgpu');
  } catch (e) {
    t.skip(`webgpu cannot start here: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
    return;
  }
  if (!named.software) {
    t.skip(`this machine's WebGPU adapter is hardware (${named.adapter}); the software case needs SwiftShader`);
    return;
  }
  assert.equal(named.chosen, 'webgpu', 'a named webgpu is used as asked');
  assert.equal(named.tfBackend, 'webgpu');
  const auto = choose('auto');
  assert.notEqual(auto.chosen, 'webgpu', `auto must not train on the software adapter (${named.adapter})`);
  assert.equal(auto.chosen, tensorflowInstalled() ? 'tensorflow' : 'cpu', 'then tfjs-node when installed, else cpu (never wasm)');
  assert.equal(auto.tfBackend, auto.chosen, 'the chosen backend is the one tfjs runs');
  // The same probe and rule as `gansynth --backend auto` (issue 16): both name the adapter they passed over.
  const passedOver = /webgpu: software adapter \((\w+)\) passed over/;
  assert.match(auto.reason, passedOver, auto.reason);
  const cli = choose('auto', 'cli');
  assert.equal(passedOver.exec(cli.reason)?.[0], passedOver.exec(auto.reason)?.[0], `CLI: ${cli.reason}; trainer: ${auto.reason}`);
  assert.equal(cli.chosen, tensorflowInstalled() ? 'tensorflow' : 'wasm', 'the CLI infers on wasm where the trainer trains on cpu');
});

test('auto picks tensorflow when installed, a hardware WebGPU adapter, else cpu; wasm and unknown names are refused', async () => {
  const auto = choose('auto');
  // What this machine has decides the one right answer (the policy's order: tensorflow > hardware WebGPU > cpu).
  let webgpu: Choice | undefined;
  try {
    webgpu = choose('webgpu');
  } catch {
    webgpu = undefined;
  }
  const expected = tensorflowInstalled() ? 'tensorflow' : webgpu && !webgpu.software ? 'webgpu' : 'cpu';
  assert.equal(auto.chosen, expected, `auto chose ${auto.chosen}: ${auto.reason}`);
  if (auto.chosen === 'webgpu') assert.equal(auto.software, false, `a hardware adapter (${auto.adapter})`);
  await assert.rejects(useTrainingBackend('wasm'), /wasm cannot train/);
  await assert.rejects(useTrainingBackend('webgl'), /--backend must be one of auto, tensorflow, webgpu, cpu/);
});
