/**
 * Note cost (src/engine/cost.ts): the paper generator's multiply-adds, written out by hand from Magenta's layer
 * shapes, with and without the phase upscale (blocks ≥ 2's conv0 as 2×2 phase convs: 4 taps per output pixel, not 9).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatorFlops } from '../../src/engine/cost.ts';
import { PAPER_CONFIG, TINY_CONFIG } from '../../src/shared/model-config.ts';

/** [output frames, bins, in channels, out channels] of each block ≥ 2 of the paper generator. */
const PAPER_BLOCKS = [[4, 32, 256, 256], [8, 64, 256, 256], [16, 128, 256, 256], [32, 256, 256, 128], [64, 512, 128, 64], [128, 1024, 64, 32]] as const;

function paperMacs(conv0Taps: number): number {
  let macs = 2 * 16 * (2 * 16) * (256 + 61) * 256 + 2 * 16 * 9 * 256 * 256; // block 1: the 2×16 'valid' conv, conv1
  for (const [h, w, cin, cout] of PAPER_BLOCKS) macs += h * w * (conv0Taps * cin * cout + 9 * cout * cout);
  return macs + 128 * 1024 * 32 * 2; // to_rgb
}

test('paper generator: 14.2 GMAC per note as upscale + 3×3 conv0, 9.2 GMAC with the phase upscale', () => {
  assert.equal(generatorFlops(PAPER_CONFIG), 2 * paperMacs(9));
  assert.equal(generatorFlops(PAPER_CONFIG, { phaseUpscale: true }), 2 * paperMacs(4));
  assert.equal(Math.round(paperMacs(9) / 1e8) / 10, 14.2);
  assert.equal(Math.round(paperMacs(4) / 1e8) / 10, 9.2);
});

test('the phase upscale saves 5 of 9 taps of every conv0 from block 2 on, in any config', () => {
  for (const config of [PAPER_CONFIG, TINY_CONFIG]) {
    let saved = 0;
    for (let b = 2; b <= config.filters.length; b++) {
      const f = 2 ** (b - 1);
      saved += 2 * (2 * f) * (16 * f) * 5 * config.filters[b - 2]! * config.filters[b - 1]!;
    }
    assert.equal(generatorFlops(config) - generatorFlops(config, { phaseUpscale: true }), saved, config.name);
  }
});
