#!/usr/bin/env node
// Launcher of the `gansynth` command. In this repository it registers tsx's loader (a devDependency) and runs the
// TypeScript CLI in src/node/cli/ as it is; a packed package ships no src/, so it runs the built dist/node/cli/.
import { existsSync } from 'node:fs';

const source = new URL('../src/node/cli/index.ts', import.meta.url);
if (existsSync(source)) (await import('tsx/esm/api')).register();
const { runCli } = await import(existsSync(source) ? source.href : '../dist/node/cli/index.js');
process.exitCode = await runCli(process.argv.slice(2));
