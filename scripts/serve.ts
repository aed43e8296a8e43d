/**
 * `npm start` (after `npm run build`): serves the demo cross-origin isolated (COOP/COEP, so
 * SharedArrayBuffer and precise timers work) on http://localhost:$PORT (default 8080) and prints the URL.
 *   /            dist/demo (main.js, render-worker.js) then demo/ (index.html)
 *   /worklet/    dist/worklet (the voice processor)
 *   /models/     models/ (the default model)
 *   /wasm/       tfjs-backend-wasm's .wasm files
 *   /plugin/     dist/ (the WAM plugin at /plugin/wam/index.js, loaded by /wam-host.html)
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startStaticServer } from './static-server.ts';

const root = resolve(import.meta.dirname, '..');
/** Ends `npm start` with one line on stderr (these are setup problems, not bugs: no stack). */
function exitWith(line: string): never {
  console.error(`npm start: ${line}`);
  process.exit(1);
}

const portText = process.env.PORT ?? '8080';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) exitWith(`PORT must be an integer 0..65535, got '${portText}'`);
for (const file of ['dist/demo/main.js', 'dist/worklet/processor.js']) {
  if (!existsSync(join(root, file))) {
    console.error(`${file} is missing: run \`npm run build\` first (npm start does).`);
    process.exit(1);
  }
}
const started = await startStaticServer(
  [
    { prefix: '/worklet/', dir: join(root, 'dist/worklet') },
    { prefix: '/models/', dir: join(root, 'models') },
    { prefix: '/wasm/', dir: join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') },
    { prefix: '/plugin/', dir: join(root, 'dist') },
    { prefix: '/', dir: join(root, 'dist/demo') },
    { prefix: '/', dir: join(root, 'demo') },
  ],
  port,
).catch((e: NodeJS.ErrnoException) => {
  if (e.code === 'EADDRINUSE') exitWith(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE): stop the other server or set PORT`);
  if (e.code === 'EACCES') exitWith(`no permission to listen on port ${port} (EACCES): use a port above 1023`);
  exitWith(`cannot listen on 127.0.0.1:${port}: ${e.message}`);
});
const { url } = started;
console.log(`gansynth-web demo: ${url.replace('127.0.0.1', 'localhost')}/  (Ctrl-C to stop)`);
console.log(`the WAM plugin in a host page: ${url.replace('127.0.0.1', 'localhost')}/wam-host.html  (plugin URL: /plugin/wam/index.js)`);
