/**
 * Entry of the self-contained `gansynth` CLI bundle (bench/gpu/pack.ts → gansynth.mjs): the instrument's CLI with
 * its commands imported statically, so the GPU campaign renders notes from the model it just exported
 * (`node gansynth.mjs generate --model DIR ...`). Give --model: the bundle has no models/default beside it.
 */
import { createCli } from '../../src/node/cli/common/dispatch.ts';
import * as generate from '../../src/node/cli/generate.ts';
import * as render from '../../src/node/cli/render.ts';

const { runCli } = createCli({ program: 'gansynth', modules: { generate, render } });
process.exitCode = await runCli(process.argv.slice(2));
