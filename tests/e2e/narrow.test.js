'use strict';
// No page scrolls sideways on a phone, whatever the content: a project full of
// long unbroken strings (hostile-project.js) and the site's own pages, at 320 and
// 390 px. Wide tables and code scroll inside their own box instead.

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, PHONE } = require('./harness');
const { hostileProject } = require('./hostile-project');

const WIDTHS = [320, 390];

// Every page of `pages` whose document is wider than the viewport at `width`,
// as "url: scrollWidth px" (and the widest element, to say what to fix).
async function overflowing(browser, baseUrl, pages, width) {
  const context = await browser.newContext({ ...PHONE, viewport: { width, height: 800 } });
  const found = [];
  try {
    const page = await context.newPage();
    for (const url of pages) {
      const response = await page.goto(baseUrl + url);
      assert.ok(response.status() < 500, `${url} answers`);
      // Scripts may fill the page after load (search fills its issuer list).
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => document.fonts.ready.then(() => true));
      const { scrollWidth, innerWidth, culprit } = await page.evaluate(() => {
        const vw = window.innerWidth;
        let culprit = '';
        for (const el of document.body.querySelectorAll('*')) {
          const r = el.getBoundingClientRect();
          if (r.right > vw + 1 && !culprit) culprit = `${el.tagName.toLowerCase()}.${el.className} (${Math.round(r.right)} px)`;
        }
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, culprit };
      });
      if (scrollWidth > innerWidth) found.push(`${decodeURIComponent(url)}: ${scrollWidth} px wide at ${innerWidth} px, first too wide: ${culprit}`);
    }
  } finally {
    await context.close();
  }
  return found;
}

describe('hostile long content on a phone', { timeout: 240_000 }, () => {
  let project, gazette, browser;

  before(async () => {
    project = hostileProject();
    gazette = await startGazette({ root: project.root, today: '2026-11-29' });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (project) project.remove();
  });

  for (const width of WIDTHS) {
    it(`no page scrolls sideways at ${width} px with long URLs, words, e-mails, tables and code`, async () => {
      const found = await overflowing(browser, gazette.url, project.pages, width);
      assert.deepEqual(found, [], `pages wider than the screen:\n${found.join('\n')}`);
    });
  }

  it('a wide table and a long code line scroll inside their own box', async () => {
    const context = await browser.newContext({ ...PHONE, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(gazette.url + '/notices/changlianjie-tongzhi/');
    for (const selector of ['.document-body table', '.document-body pre']) {
      const box = await page.locator(selector).first().evaluate((el) => {
        const style = getComputedStyle(el);
        return { overflowX: style.overflowX, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, right: el.getBoundingClientRect().right };
      });
      assert.ok(box.scrollWidth > box.clientWidth, `${selector} is wider than its box (${box.scrollWidth} > ${box.clientWidth})`);
      assert.equal(box.overflowX, 'auto', `${selector} scrolls sideways by itself`);
      assert.ok(box.right <= 320, `${selector} fits the screen (right edge ${box.right})`);
    }
    await context.close();
  });
});

describe("the site's own pages on a phone", { timeout: 240_000 }, () => {
  let gazette, browser;

  before(async () => {
    gazette = await startGazette({ today: '2026-11-29' });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
  });

  it('no page scrolls sideways at 320 px', async () => {
    const pages = [
      '/',
      '/notices/',
      '/courses/',
      '/policies/',
      '/cases/',
      '/search/',
      '/notices/guokebanjian-2022-83/',
      '/notices/jikepinghan-2023-16/',
      '/policies/kexiefazuzi-2020-17/',
      '/courses/kycx-chegao-lunwen-banli-shiwu-2026/',
      '/cases/nanjing-daxue-anli/',
    ];
    const found = await overflowing(browser, gazette.url, pages, 320);
    assert.deepEqual(found, [], `pages wider than the screen:\n${found.join('\n')}`);
  });
});
