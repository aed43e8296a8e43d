/**
 * What the GPU adapters of a page or Worker are, asked before tfjs opens a device: the WebGPU adapter tfjs would get
 * and a throwaway WebGL context's renderer, each classified by one rule (`softwareAdapterName`) that the browser's
 * 'auto' and Node's (src/node/backends.ts, through `isSoftwareWebgpu`) share.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What a GPU adapter says about itself: WebGPU's GPUAdapterInfo, or a WebGL renderer string as `description`. */
export interface AdapterDescription {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** Software rasterisers by what their adapters call themselves; the first match names the adapter. */
const SOFTWARE_ADAPTERS: readonly (readonly [RegExp, string])[] = [
  [/swiftshader|subzero/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/basic render driver|\bwarp\b/i, 'WARP'],
  [/software/i, 'software'],
];

/**
 * Pure: the name of the software rasteriser `info` describes ('SwiftShader', 'llvmpipe', 'lavapipe', 'softpipe',
 * 'WARP', 'software', or 'fallback adapter' for a WebGPU fallback adapter of unknown name), or null for hardware.
 * On these a `paper` note takes 20–90 s (measured ~0.04–0.3 GFLOP/s), where tfjs-wasm on the same CPU takes ~1.5 s.
 */
export function softwareAdapterName(info: AdapterDescription): string | null {
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  for (const [pattern, name] of SOFTWARE_ADAPTERS) if (pattern.test(text)) return name;
  return info.isFallbackAdapter === true ? 'fallback adapter' : null;
}

/** What probing a GPU API found, before tfjs opens anything. */
export interface GpuProbe {
  /** Why the API cannot be used here; undefined when an adapter/context exists. */
  readonly unavailable?: string;
  /** Software rasteriser name, or null for hardware. */
  readonly software: string | null;
}

/** Requests the adapter tfjs-backend-webgpu would get (same power preference) and classifies it; opens no device. */
export async function probeWebgpu(): Promise<GpuProbe> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return { unavailable: 'no navigator.gpu', software: null };
  let lowPower = false;
  try {
    lowPower = tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU');
  } catch {
    /* flag registered only once tfjs-backend-webgpu is loaded: its default is high-performance */
  }
  const adapter = await gpu.requestAdapter({ powerPreference: lowPower ? 'low-power' : 'high-performance' }).catch(() => null);
  if (!adapter) return { unavailable: 'no adapter', software: null };
  const legacy = adapter as unknown as { isFallbackAdapter?: boolean; requestAdapterInfo?: () => Promise<AdapterDescription> };
  const info: AdapterDescription = ('info' in adapter ? adapter.info : await legacy.requestAdapterInfo?.()) ?? {};
  // GPUAdapterInfo's fields are prototype getters, which a spread would not copy.
  const { vendor, architecture, device, description } = info;
  return { software: softwareAdapterName({ vendor, architecture, device, description, isFallbackAdapter: info.isFallbackAdapter ?? legacy.isFallbackAdapter }) };
}

/** The (unmasked, where allowed) renderer of a throwaway WebGL context, or null when there is none. */
function webglRenderer(version: 'webgl2' | 'webgl'): string | null {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : typeof document !== 'undefined' ? document.createElement('canvas') : null;
  const gl = canvas?.getContext(version) as WebGLRenderingContext | null | undefined;
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext(); // browsers cap live contexts: give this one back now
  return renderer;
}

/** Creates a context the way tfjs-backend-webgl would (WebGL 2, else 1) and classifies its renderer. */
export function probeWebgl(): GpuProbe {
  try {
    const renderer = webglRenderer('webgl2') ?? webglRenderer('webgl');
    if (renderer === null) return { unavailable: 'no WebGL context', software: null };
    return { software: softwareAdapterName({ description: renderer }) };
  } catch (e) {
    return { unavailable: (e as Error).message, software: null };
  }
}

/** The software rasteriser tfjs's own GPU context runs on (after it started), or null. */
export function runningSoftwareAdapter(name: string): string | null {
  if (name === 'webgpu') return softwareAdapterName({ description: webgpuAdapterDescription() });
  if (name === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl ? softwareAdapterName({ description: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) }) : null;
  }
  return null;
}

/** "vendor architecture" of the WebGPU adapter tfjs runs on ('' on other backends or when unknown). */
export function webgpuAdapterDescription(): string {
  if (tf.getBackend() !== 'webgpu') return '';
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return [info?.vendor, info?.architecture].filter(Boolean).join(' ');
}

/**
 * True when tfjs runs WebGPU on a software rasteriser (SwiftShader, llvmpipe/lavapipe; `softwareAdapterName`): there
 * a `paper` note takes minutes (measured ~0.04–0.3 GFLOP/s), slower than tfjs-wasm on the same CPU.
 */
export function isSoftwareWebgpu(): boolean {
  return tf.getBackend() === 'webgpu' && softwareAdapterName({ description: webgpuAdapterDescription() }) !== null;
}
