#!/usr/bin/env node
// Launcher of `gansynth-trainer`. In the repository it registers tsx's loader and runs src/cli.ts as it is, with
// the `gansynth-source` export condition so that `gansynth-web/...` imports reach the library's sources too (the
// dataset command's workers get the same condition: src/data/soundfont-dataset.ts); a packed package ships no
// src/, so it runs the built dist/cli.js, which imports the installed gansynth-web's dist.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  (await import('tsx/esm/api')).register();
  register(new URL('./source-condition.js', import.meta.url));
}
const { runCli } = await import(existsSync(source) ? source.href : '../dist/cli.js');
process.exitCode = await runCli(process.argv.slice(2));
