/**
 * The instrument's model choice as logic (Node): which sources a `model` value tries, in what order, and the
 * loader's fallback, reuse and supersession rules. The renderers here are minimal BankRenderers whose initialize()
 * succeeds or fails on cue; the real ones are exercised in Chromium (test/browser/model-picker.test.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAGENTA_GANSYNTH_BASE_URL, NAMED_MODELS, modelCandidates, modelValueOf } from '../../src/ui/model-catalog.ts';
import { ModelLoader, formatBytesOf } from '../../src/ui/model-loader.ts';
import type { BankRenderer } from '../../src/ui/audio-engine-controller.ts';
import type { ModelSource } from '../../src/ui/model-catalog.ts';

const BUILTIN = 'http://host/models/default/';
const trained = async () => true;
const untrained = async () => false;

describe('modelCandidates', () => {
  test('auto: a trained built-in model alone; an untrained one after Magenta acoustic_only', async () => {
    assert.deepEqual((await modelCandidates('auto', BUILTIN, { probe: trained })).map((s) => s.url), [BUILTIN]);
    const c = await modelCandidates('', BUILTIN, { probe: untrained });
    assert.deepEqual(c.map((s) => s.url), [`${MAGENTA_GANSYNTH_BASE_URL}/acoustic_only`, BUILTIN]);
    assert.deepEqual(c.map((s) => s.builtin), [false, true]);
  });

  test('named models and URLs end with the built-in fallback; hosted URLs are recognised by name', async () => {
    assert.deepEqual((await modelCandidates('builtin', BUILTIN)).map((s) => s.label), [NAMED_MODELS.builtin]);
    assert.deepEqual((await modelCandidates('all_instruments', BUILTIN)).map((s) => s.label), [NAMED_MODELS.all_instruments, NAMED_MODELS.builtin]);
    assert.deepEqual((await modelCandidates(`${MAGENTA_GANSYNTH_BASE_URL}/acoustic_only/`, BUILTIN)).map((s) => s.label), [NAMED_MODELS.acoustic_only, NAMED_MODELS.builtin]);
    assert.deepEqual((await modelCandidates('https://x.org/m/', BUILTIN)).map((s) => s.url), ['https://x.org/m/', BUILTIN]);
    assert.equal(modelValueOf('http://host/models/default', BUILTIN), 'builtin');
    const files = new Map([['model.json', new Blob(['{}'])]]);
    const local = await modelCandidates('acoustic_only', BUILTIN, { files, filesLabel: 'mine' });
    assert.equal(local[0]!.files, files);
    assert.equal(local[0]!.label, 'mine');
    assert.equal(local[1]!.builtin, true);
  });
});

/** A renderer whose initialize() resolves after `ms` or rejects with `fail`. */
function renderer(name: string, log: string[], opts: { fail?: string; ms?: number } = {}): BankRenderer {
  return {
    backend: 'test', modelName: name, latentSize: 4,
    async initialize() {
      await new Promise((r) => setTimeout(r, opts.ms ?? 1));
      if (opts.fail) throw new Error(opts.fail);
    },
    async renderBank() {},
    dispose() {
      log.push(`dispose ${name}`);
    },
  };
}

function loaderWith(behaviour: (s: ModelSource) => { fail?: string; ms?: number }) {
  const log: string[] = [];
  const installed: string[] = [];
  const loader = new ModelLoader({
    makeRenderer: (s, progress) => {
      progress(5e6, 2e7);
      return renderer(s.label, log, behaviour(s));
    },
    install: (info) => installed.push(info.source.label),
    changed: () => log.push(`progress ${loader.progressText}`),
    settingsKey: () => 'wasm',
  }, () => BUILTIN, untrained);
  return { loader, log, installed };
}

describe('ModelLoader', () => {
  test('a failing source falls back to the built-in model with the reason; the failed renderer is disposed', async () => {
    const { loader, log, installed } = loaderWith((s) => (s.builtin ? {} : { fail: 'https://storage…/weights_manifest.json: HTTP 404' }));
    const info = await loader.load({ value: 'acoustic_only' });
    assert.equal(info!.source.label, NAMED_MODELS.builtin);
    assert.equal(info!.notice, `${NAMED_MODELS.acoustic_only} could not be loaded (https://storage…/weights_manifest.json: HTTP 404); playing the ${NAMED_MODELS.builtin}`);
    assert.equal(loader.notice, info!.notice);
    assert.deepEqual(installed, [NAMED_MODELS.builtin]);
    assert.ok(log.includes(`dispose ${NAMED_MODELS.acoustic_only}`));
    assert.ok(log.includes(`progress loading ${NAMED_MODELS.acoustic_only}: 5.0 of 20.0 MB`));
    assert.equal(loader.progressText, '');
  });

  test('falling back to the model already playing keeps it (no reload); the same request again reuses it', async () => {
    const { loader, installed } = loaderWith((s) => (s.builtin ? {} : { fail: 'offline' }));
    await loader.load({ value: 'builtin' });
    const again = await loader.load({ value: 'all_instruments' });
    assert.equal(again!.reused, true);
    assert.match(again!.notice, /all_instruments could not be loaded \(offline\)/);
    assert.deepEqual(installed, [NAMED_MODELS.builtin]);
    assert.equal((await loader.load({ value: 'builtin' }))!.reused, true);
  });

  test('a newer request supersedes one still loading: the older renderer is disposed, never installed', async () => {
    const { loader, log, installed } = loaderWith((s) => (s.builtin ? { ms: 5 } : { ms: 60 }));
    const slow = loader.load({ value: 'acoustic_only' });
    await new Promise((r) => setTimeout(r, 20)); // acoustic_only is initialising now
    const fast = loader.load({ value: 'builtin' });
    assert.equal(await slow, undefined);
    assert.equal((await fast)!.source.label, NAMED_MODELS.builtin);
    assert.deepEqual(installed, [NAMED_MODELS.builtin]);
    assert.ok(log.includes(`dispose ${NAMED_MODELS.acoustic_only}`));
  });

  test('nothing loads: one error naming every source', async () => {
    const { loader } = loaderWith((s) => ({ fail: `${s.url}: broken` }));
    await assert.rejects(loader.load({ value: 'acoustic_only' }), /no model could be loaded: .*acoustic_only.*broken.*built-in model could not be loaded .*default\/: broken/);
  });

  test('formatBytesOf', () => assert.equal(formatBytesOf(12_345_678, 29_233_208), '12.3 of 29.2 MB'));
});
