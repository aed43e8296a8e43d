/**
 * The software-adapter rule (src/engine/adapter-probe.ts) on the strings real adapters report, and the wasm clause of
 * a selection's reason. The browser half (probing, selection) is test/browser/backend-auto.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softwareAdapterName } from '../../src/engine/adapter-probe.ts';
import { describeWasm, selectBackendExplained } from '../../src/engine/backend.ts';

test('software rasterisers are recognised by what they report, hardware is not', () => {
  // Chromium 147's WebGPU adapter on SwiftShader (adapter.info) and its WebGL unmasked renderer.
  assert.equal(softwareAdapterName({ vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true }), 'SwiftShader');
  assert.equal(softwareAdapterName({ description: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)' }), 'SwiftShader');
  // Mesa's CPU drivers (WebGL through GL, WebGPU through Vulkan) and Windows' WARP.
  assert.equal(softwareAdapterName({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), 'llvmpipe');
  assert.equal(softwareAdapterName({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)', architecture: '' }), 'llvmpipe');
  assert.equal(softwareAdapterName({ description: 'lavapipe' }), 'lavapipe');
  assert.equal(softwareAdapterName({ description: 'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)' }), 'WARP');
  assert.equal(softwareAdapterName({ description: 'Apple Software Renderer' }), 'software');
  // A fallback adapter that names nothing known is still software.
  assert.equal(softwareAdapterName({ vendor: 'acme', isFallbackAdapter: true }), 'fallback adapter');
  // Hardware: NVIDIA on Vulkan (Dawn's info), Intel through ANGLE, Apple, an empty description.
  assert.equal(softwareAdapterName({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', isFallbackAdapter: false }), null);
  assert.equal(softwareAdapterName({ description: 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)' }), null);
  assert.equal(softwareAdapterName({ vendor: 'apple', architecture: 'metal-3' }), null);
  assert.equal(softwareAdapterName({}), null);
});

test('the wasm clause names SIMD and threads, and why there are none', () => {
  assert.equal(describeWasm({ simd: true, threads: 2, crossOriginIsolated: true }), 'SIMD, 2 threads');
  assert.equal(describeWasm({ simd: true, threads: 1, crossOriginIsolated: true }), 'SIMD, 1 thread');
  assert.equal(describeWasm({ simd: true, threads: 1, crossOriginIsolated: false }), 'SIMD, 1 thread (not cross-origin isolated: no threads)');
  assert.equal(describeWasm({ simd: false, threads: 1, crossOriginIsolated: true }), 'no SIMD, 1 thread');
});

test('a wasm thread count outside 1..8 is refused before anything starts', async () => {
  await assert.rejects(selectBackendExplained('wasm', { wasmThreads: 0 }), /wasmThreads must be an integer 1\.\.8, got 0/);
  await assert.rejects(selectBackendExplained('auto', { wasmThreads: 1.5 }), /got 1\.5/);
  await assert.rejects(selectBackendExplained('wasm', { wasmThreads: 9 }), /got 9/);
});
