/**
 * Browser test harness: bundles a test entry with esbuild, serves it cross-origin isolated, and opens it
 * in real Chromium (playwright-core) with WebGPU on SwiftShader. A missing Chromium is a named skip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from '../scripts/chromium.ts';
import { startStaticServer, type Mount } from '../scripts/static-server.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
/** Where tests write their artefacts (screenshots, WAVs); not committed. */
export const TEST_OUT_DIR = join(REPO_ROOT, '.test-out');

/** Chromium flags verified for WebGPU/WebGL2/AudioWorklet on a CPU-only machine. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** The Chromium found once per process (scripts/chromium.ts: CHROME_PATH, Debian's, else @sparticuz/chromium). */
const CHROMIUM = await findChromium();

/** The Chromium binary, or undefined when there is none. */
export function chromiumPath(): string | undefined {
  return CHROMIUM?.executable;
}

/** Reason to skip browser tests, or false when Chromium is available. */
export function browserSkipReason(): string | false {
  return CHROMIUM ? false : 'no Chromium: set CHROME_PATH, apt-get install chromium, or npm install (@sparticuz/chromium)';
}

export interface OpenedPage {
  readonly browser: Browser;
  readonly page: Page;
  readonly url: string;
  /** Console lines the page printed (errors included), for failure messages. */
  readonly consoleLines: string[];
  close(): Promise<void>;
}

/**
 * Bundles `entry` (a .ts file importing our sources) to ESM, serves it with an HTML page that loads it,
 * and opens the page. `extraMounts` adds folders (e.g. a model directory) to the server.
 */
export async function openTestPage(entry: string, opts: { extraMounts?: Mount[]; html?: string; extraArgs?: string[] } = {}): Promise<OpenedPage> {
  const exe = chromiumPath();
  if (!exe) throw new Error('no Chromium');
  const outDir = join(TEST_OUT_DIR, 'bundles', basename(entry).replace(/\.ts$/, ''));
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outDir, 'entry.js'),
    sourcemap: 'inline',
    logLevel: 'error',
    // tfjs-backend-wasm references Node built-ins it never uses in a browser.
    external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const html = opts.html ?? '<!doctype html><meta charset="utf-8"><body><script type="module" src="entry.js"></script></body>';
  await writeFile(join(outDir, 'index.html'), html);
  const mounts: Mount[] = [
    ...(opts.extraMounts ?? []),
    { prefix: '/wasm/', dir: join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') },
    { prefix: '/', dir: outDir },
  ];
  const { server, url } = await startStaticServer(mounts);
  const browser = await chromium.launch({ executablePath: exe, args: [...CHROMIUM_ARGS, ...(opts.extraArgs ?? [])], headless: true });
  const page = await browser.newPage();
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.goto(`${url}/index.html`);
  return {
    browser,
    page,
    url,
    consoleLines,
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}
