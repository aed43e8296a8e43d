#!/usr/bin/env node
// Launcher: registers tsx's ESM loader (a devDependency; `npm install` installs it) so the TypeScript
// sources run as they are, then hands over to the command dispatcher in src/node/cli/index.ts.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/node/cli/index.ts');
process.exitCode = await runCli(process.argv.slice(2));
