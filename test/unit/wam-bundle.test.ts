/**
 * The WAM plugin's main-thread module (src/wam/index.ts, what a host loads by URL) carries neither tfjs nor webmidi:
 * the plugin renders in its Worker and the host sends MIDI. Bundled here with esbuild, as the build does with rollup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../support/browser-harness.ts';

test('the WAM main-thread bundle has no tfjs and no webmidi, and stays under 300 kB', async () => {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'src/wam/index.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    write: false, metafile: true, logLevel: 'error', outfile: 'index.js', define: { 'process.env.NODE_ENV': '"production"' },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const heavy = inputs.filter((f) => /node_modules\/(@tensorflow|webmidi)\//.test(f));
  assert.deepEqual(heavy, [], 'modules that belong in the render Worker or the element, not in the plugin');
  const bytes = result.outputFiles[0]!.contents.length;
  assert.ok(bytes < 300_000, `index.js is ${bytes} bytes`);
});
