/**
 * Two copies of the library on one page (the element's bundle and a WAM plugin of another build): the second one's
 * sub-elements find their tags taken and load anyway (src/ui/define-element.ts), instead of throwing
 * "already defined" while the module evaluates.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';

describe('custom element tags already defined by another copy', { skip: browserSkipReason() }, () => {
  let opened: OpenedPage;
  before(async () => {
    opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/define-twice-page.ts'));
  });
  after(async () => {
    await opened?.close();
  });

  test('the element and the WAM GUI load, keep the other copy\'s classes, and render', { timeout: 60_000 }, async () => {
    await opened.page.waitForFunction(() => typeof window.loadAfterOthers === 'function');
    const r = await opened.page.evaluate(() => window.loadAfterOthers());
    assert.equal(r.error, null);
    assert.equal(r.keptOthers, true);
    assert.equal(r.instrumentDefined, true);
    assert.equal(r.rendered, true);
  });
});
