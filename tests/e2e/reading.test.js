'use strict';
// Reading the site on a screen: dates and document numbers are never split over
// two lines; a long document's outline sits beside the text on a wide screen and
// is folded on a phone (without JavaScript); search results arrive without moving
// the page; every page has a favicon and asks for nothing missing; calls to act
// show only while they can be answered, and a course page tells the seats left.
// The build date is fixed (2026-11-29) so that what is open and closed is known.

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, PHONE, DESKTOP } = require('./harness');

const TODAY = '2026-11-29';
const NOTICE = '/notices/guokebanjian-2022-83/';
const POLICY = '/policies/kexiefazuzi-2020-17/';

describe('reading on a screen', { timeout: 240_000 }, () => {
  let gazette, browser;

  before(async () => {
    gazette = await startGazette({ today: TODAY });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (browser) assert.deepEqual(browser.blockedRequests, [], 'pages asked for something outside 127.0.0.1');
  });

  it('dates and document numbers stay on one line at every phone width', async () => {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    const split = [];
    for (const url of ['/', '/notices/', NOTICE, POLICY, '/notices/jikepinghan-2023-16/', '/courses/']) {
      await page.goto(gazette.url + url);
      for (let width = 320; width <= 430; width += 5) {
        await page.setViewportSize({ width, height: 800 });
        const broken = await page.evaluate(() =>
          [...document.querySelectorAll('main time, main .doc-number, main .unbroken')]
            .filter((el) => getComputedStyle(el).display !== 'none')
            .filter((el) => {
              // Split over lines: more than one box, or one box taller than a line.
              const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.75;
              return el.getClientRects().length > 1 || el.getBoundingClientRect().height > lineHeight * 1.5;
            })
            .map((el) => el.textContent),
        );
        for (const text of broken) split.push(`${url} at ${width} px: ${text}`);
      }
    }
    await context.close();
    assert.deepEqual(split, [], `split over two lines:\n${split.join('\n')}`);
  });

  it('the outline of a long policy sits in a sticky column beside the text on a wide screen', async () => {
    const context = await browser.newContext({ ...DESKTOP });
    const page = await context.newPage();
    await page.goto(gazette.url + POLICY);
    const box = async (sel) => page.locator(sel).first().boundingBox();
    const outline = await box('.outline');
    const body = await box('.document-body');
    const firstParagraph = await box('.document-body p');
    assert.ok(outline.x >= body.x + body.width, `the outline is right of the text (outline at x=${outline.x}, text ends at ${body.x + body.width})`);
    assert.ok(firstParagraph.y < DESKTOP.viewport.height, `the text starts above the fold (at y=${firstParagraph.y})`);
    assert.ok(await page.locator('.outline a').first().isVisible(), 'the outline is open on a wide screen');
    // Still in view halfway down the document.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
    const scrolled = await box('.outline');
    assert.ok(scrolled.y >= 0 && scrolled.y < 100, `the outline stays in view while reading (at y=${scrolled.y})`);
    await checkA11y(page, 'policy with its outline beside the text');
    await context.close();
  });

  it('on a phone the outline is folded and opens without JavaScript', async () => {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(gazette.url + POLICY);
    const links = page.locator('.outline a');
    assert.equal(await page.locator('.outline details').getAttribute('open'), null, 'the outline is folded');
    assert.equal(await links.first().isVisible(), false, 'its entries are hidden');
    const folded = await page.locator('.outline').boundingBox();
    assert.ok(folded.height < 80, `the folded outline takes one line (${folded.height} px)`);
    const firstParagraph = await page.locator('.document-body p').first().boundingBox();
    assert.ok(firstParagraph.y < PHONE.viewport.height * 1.5, `the text starts within a screen and a half (at y=${firstParagraph.y})`);
    await page.locator('.outline summary').click();
    assert.ok(await links.first().isVisible(), 'a tap unfolds it');
    assert.ok((await links.count()) >= 30, 'every heading is listed');
    await context.close();
  });

  it('search results arrive without moving what is in view on a phone (layout shift under 0.05)', async () => {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__shift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    // As a reader does: open the page, type a query; the results come a moment
    // later, after the grace period a browser gives shifts caused by input.
    await page.goto(gazette.url + '/search/');
    await page.waitForLoadState('networkidle');
    await page.locator('#q').pressSequentially('培训', { delay: 50 });
    await page.locator('#search-results > li').first().waitFor();
    await page.locator('#search-status', { hasText: /找到 \d+ 条结果/ }).waitFor();
    await page.waitForTimeout(1000);
    const shift = await page.evaluate(() => window.__shift);
    assert.ok(shift < 0.05, `cumulative layout shift ${shift.toFixed(3)} (0.15 before the search page reserved its space)`);
    await context.close();
  });

  it('every page has an SVG favicon and no request of a page answers 404', async () => {
    const context = await browser.newContext({ ...DESKTOP });
    const page = await context.newPage();
    const missing = [];
    page.on('response', (r) => {
      if (r.status() === 404) missing.push(`${r.status()} ${r.url()}`);
    });
    for (const url of ['/', '/notices/', NOTICE, POLICY, '/courses/kycx-chegao-lunwen-banli-shiwu-2026/', '/search/', '/cases/']) {
      await page.goto(gazette.url + url);
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      assert.equal(icon, '/favicon.svg', `${url} names its favicon`);
    }
    const response = await page.request.get(gazette.url + '/favicon.svg');
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /image\/svg\+xml/);
    const ico = await page.request.get(gazette.url + '/favicon.ico');
    assert.equal(ico.status(), 200, 'browsers that ask for /favicon.ico by habit get one too');
    await context.close();
    assert.deepEqual(missing, []);
  });
});

describe('calls to action on the build date', { timeout: 240_000 }, () => {
  let gazette, browser;

  before(async () => {
    gazette = await startGazette({ today: TODAY });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
  });

  const buttons = (page) => page.locator('main a.button').allInnerTexts();

  it('a notice whose registration or deadline has passed shows no button, one still open does', async () => {
    const page = await browser.newPage();
    // 国科办监〔2022〕83号: registration for its course closed on 2022-12-31.
    await page.goto(gazette.url + NOTICE);
    assert.deepEqual(await buttons(page), [], '国科办监〔2022〕83号 has no button');
    assert.match(await page.locator('.call-to-action').innerText(), /报名已截止/);
    // The 2023 training-plan notice: its deadline was 2022-11-14.
    await page.goto(gazette.url + '/notices/cas-2023-jixu-jiaoyu-jihua/');
    assert.deepEqual(await buttons(page), [], 'the 2023 plan notice has no button');
    assert.match(await page.locator('.call-to-action').innerText(), /已截止/);
    // Still open on 2026-11-29: the 2027 plan (deadline 2026-12-15) and the 2027
    // flagship course (registration 2026-11-16 – 2027-03-31).
    await page.goto(gazette.url + '/notices/cas-2027-jixu-jiaoyu-jihua/');
    assert.deepEqual(await buttons(page), ['在线填报']);
    await page.goto(gazette.url + '/notices/cas-2027-jingpin-peixun-baoming/');
    assert.equal((await buttons(page)).length, 1);
    assert.match((await buttons(page))[0], /^在线报名：/);
    await checkA11y(page, 'notice with an open registration');
    await page.close();
  });

  it('the home page lists latest and recommended courses not yet over, the soonest first', async () => {
    const page = await browser.newPage();
    await page.goto(gazette.url + '/');
    const starts = async (section) =>
      page.locator(`section[aria-labelledby="${section}"] .card time`).evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    for (const section of ['latest-courses', 'recommended-courses']) {
      const dates = await starts(section);
      assert.ok(dates.length > 0, `${section} lists courses`);
      assert.deepEqual(dates, [...dates].sort(), `${section}: soonest first (${dates.join(', ')})`);
    }
    const latest = await starts('latest-courses');
    assert.equal(latest[0], '2026-12-01', 'the first of the latest courses is the one starting soonest (the online course of 1 December), not June 2027');
    const recommended = await page.locator('section[aria-labelledby="recommended-courses"] .card-title a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(!recommended.some((h) => /-202[12]\/$|\/anli-/.test(h)), `no course that has ended is recommended: ${recommended.join(', ')}`);
    assert.ok(recommended.includes('/courses/kycx-chegao-lunwen-banli-shiwu-2026/'));
    await page.close();
  });

  it('a course page tells the seats left with JavaScript, and its capacity without', async () => {
    const course = 'kycx-chegao-lunwen-banli-shiwu-2026';
    const seats = await (await fetch(`${gazette.url}/api/courses/${course}/seats`)).json();
    assert.equal(seats.capacity, 500);

    const page = await browser.newPage();
    await page.goto(`${gazette.url}/courses/${course}/`);
    const left = page.locator('.seats-left');
    await left.waitFor({ state: 'visible' });
    assert.equal(await left.innerText(), `（剩余 ${seats.capacity - seats.taken} 个）`);
    assert.match(await page.locator('.meta').innerText(), new RegExp(`名额\\s*500（剩余 ${seats.capacity - seats.taken} 个）`));
    await checkA11y(page, 'course page with seats left');
    await page.close();

    const context = await browser.newContext({ javaScriptEnabled: false });
    const plain = await context.newPage();
    await plain.goto(`${gazette.url}/courses/${course}/`);
    assert.equal(await plain.locator('.seats-left').isVisible(), false, 'without JavaScript nothing half-done shows');
    assert.match(await plain.locator('.meta').innerText(), /名额\s*500/);
    await context.close();

    // A course whose registration has closed does not ask for its seats.
    const closed = await browser.newPage();
    await closed.goto(`${gazette.url}/courses/cas-suoji-kyc-kjll-zhuanti-jiangzuo-2022/`);
    assert.equal(await closed.locator('[data-seats-url]').count(), 0);
    await closed.close();
  });
});
