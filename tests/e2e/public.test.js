'use strict';
// The public pages in a real browser: they load, pass axe-core's serious and
// critical rules, and search finds Chinese text. Screenshots go to
// tests/screenshots/.

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, screenshot } = require('./harness');

describe('public pages', { timeout: 120_000 }, () => {
  let gazette, browser, context;

  before(async () => {
    gazette = await startGazette();
    browser = await launchBrowser();
    context = await browser.newContext();
    context.setDefaultTimeout(30_000);
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (browser) assert.deepEqual(browser.blockedRequests, [], 'pages asked for something outside 127.0.0.1');
  });

  it('home page loads, has a heading and passes axe', async () => {
    const page = await context.newPage();
    const response = await page.goto(gazette.url + '/');
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await page.locator('h1').count(), 1, 'the home page has exactly one <h1>');
    assert.notEqual((await page.locator('h1').innerText()).trim(), '');
    await checkA11y(page, 'home page');
    await screenshot(page, 'home');
    await page.close();
  });

  it('a notice page passes axe', async () => {
    const page = await context.newPage();
    const itemLink = async () => {
      const hrefs = await page.locator('main a[href^="/notices/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      return hrefs.find((h) => /^\/notices\/[a-z0-9-]+\/$/.test(h));
    };
    await page.goto(gazette.url + '/');
    let href = await itemLink();
    if (!href) {
      await page.goto(gazette.url + '/notices/');
      href = await itemLink();
    }
    assert.ok(href, 'neither / nor /notices/ links to a notice');
    const response = await page.goto(gazette.url + href);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('h1').count(), 1, `${href} has exactly one <h1>`);
    await checkA11y(page, `notice ${href}`);
    await screenshot(page, 'notice');
    await page.close();
  });

  it('search finds 培训', async () => {
    const page = await context.newPage();
    const results = page.locator('#search-results > li');
    const found = async (p) => {
      await p.locator('#search-results > li').first().waitFor();
      await p.locator('#search-status', { hasText: /找到 \d+ 条结果/ }).waitFor();
    };
    await page.goto(gazette.url + '/search/');
    await page.locator('#q').fill('培训');
    await found(page);
    assert.ok((await results.count()) > 0);
    assert.match(await page.locator('#search-status').innerText(), /找到 \d+ 条结果/);
    // Every result highlights the query and links to a page of the site.
    const first = results.first();
    assert.match(await first.locator('a').getAttribute('href'), /^\/(notices|courses|policies|cases)\/[a-z0-9-]+\/$/);
    assert.ok((await page.locator('#search-results mark').count()) > 0, 'no <mark> in the results');
    assert.match(page.url(), /[?&]q=%E5%9F%B9%E8%AE%AD/, 'the query is kept in the address');
    await checkA11y(page, 'search results');
    await screenshot(page, 'search', { ready: found });
    await page.close();
  });
});
