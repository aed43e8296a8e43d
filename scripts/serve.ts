/**
 * `npm start` (after `npm run build`): serves the demo cross-origin isolated (COOP/COEP, so
 * SharedArrayBuffer and precise timers work) on http://localhost:$PORT (default 8080) and prints the URL.
 *   /            dist/demo (main.js, render-worker.js) then demo/ (index.html)
 *   /worklet/    dist/worklet (the voice processor)
 *   /models/     models/ (the default model)
 *   /wasm/       tfjs-backend-wasm's .wasm files
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startStaticServer } from './static-server.ts';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0..65535, got ${process.env.PORT}`);
for (const file of ['dist/demo/main.js', 'dist/worklet/processor.js']) {
  if (!existsSync(join(root, file))) {
    console.error(`${file} is missing: run \`npm run build\` first (npm start does).`);
    process.exit(1);
  }
}
const { url } = await startStaticServer(
  [
    { prefix: '/worklet/', dir: join(root, 'dist/worklet') },
    { prefix: '/models/', dir: join(root, 'models') },
    { prefix: '/wasm/', dir: join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') },
    { prefix: '/', dir: join(root, 'dist/demo') },
    { prefix: '/', dir: join(root, 'demo') },
  ],
  port,
);
console.log(`gansynth-web demo: ${url.replace('127.0.0.1', 'localhost')}/  (Ctrl-C to stop)`);
