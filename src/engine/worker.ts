/**
 * Web Worker entry of the note renderer (bundled as dist/demo/render-worker.js). Start it with
 * `new Worker(url, {type: 'module'})` and talk to it through RenderWorkerClient (worker-client.ts).
 */
import { attachRenderWorker } from './worker-host.ts';

attachRenderWorker(self as unknown as Parameters<typeof attachRenderWorker>[0]);
