'use strict';
// A monthly performance report (seed 002) in a real browser, script on: a filler of
// unit lab-1 starts a month for platform p1, fills the cover and the staff (the live
// "分项合计" flags a total that does not add up), comes back in a second visit to
// find what was saved, checks it (检查并提交: every part, the unopened ones marked,
// the consistency error and the missing stock listed), fixes it, submits from the
// check page, withdraws, submits again; the unit administrator approves it from the
// review queue with an opinion and a text message, and downloads its PDF, which holds
// the unit's and the platform's names in an embedded Chinese face.

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, screenshot, clickAndLoad, signIn, open } = require('./harness');

const UNIT = 'lab-1';
const PLATFORM = 'p1';
const PERIOD = '2025-06';
const OVERVIEW = `/api/web/reports/${UNIT}/${PLATFORM}/${PERIOD}`;
const PLATFORM_NAME = '黑龙江省黑土保护利用技术创新中心';
// Generous: a slow shared machine with a debug build.
const STEP_MS = 30_000;
const NAV_MS = 60_000;

const path = (page) => new URL(page.url()).pathname;

// A PDF's text (every page, items joined) and its page count, read with PDF.js; and
// the names of the fonts it embeds (a `/FontName` of a font descriptor that has a
// `/FontFile…`), read from its bytes.
async function readPdf(bytes) {
  // PDF.js asks for Node 22's Promise.withResolvers; Node 20 runs the tests too.
  if (!Promise.withResolvers) {
    Promise.withResolvers = function withResolvers() {
      let resolve, reject;
      const promise = new this((a, b) => { resolve = a; reject = b; });
      return { promise, resolve, reject };
    };
  }
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, disableFontFace: true }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    text += content.items.map((i) => i.str).join('') + '\n';
  }
  const raw = Buffer.from(bytes).toString('latin1');
  const fonts = raw.includes('/FontFile') ? [...raw.matchAll(/\/FontName\s*\/([^\s/>]+)/g)].map((m) => m[1]) : [];
  return { text, fonts, pages: doc.numPages };
}

async function status(page) {
  return (await page.locator('.gz-status__label strong').innerText()).trim();
}

// The message shown at a field (data-error-for), '' when hidden.
async function fieldMessage(page, field) {
  const box = page.locator(`.gz-error-message[data-error-for="${field}"]`);
  if (!(await box.isVisible())) return '';
  return (await box.textContent()).replace(/\s+/g, ' ').trim();
}

// Waits until forms.js has taken the part's form over.
async function enhanced(page) {
  await page.waitForFunction(() => {
    const f = document.getElementById('form-monthly-report');
    return f && f.noValidate && f.elements.namedItem('_idem');
  });
}

describe('monthly report', { timeout: 420_000 }, () => {
  let gazette, browser;
  const contexts = [];

  before(async () => {
    gazette = await startGazette();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (browser) assert.deepEqual(browser.blockedRequests, [], 'pages asked for something outside 127.0.0.1');
  });

  // A new visit: a fresh browser context (no cookies), signed in.
  async function visit(role) {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(NAV_MS);
    contexts.push(context);
    const page = await context.newPage();
    page.scriptErrors = [];
    page.on('pageerror', (e) => page.scriptErrors.push(e.message));
    await signIn(page, gazette.url, { role, unit: UNIT });
    return page;
  }

  const goto = (page, where) => open(page, gazette.url, where);

  it('is filled over two visits, checked, submitted, withdrawn and approved', async () => {
    // ---- the unit administrator registers the platform (seed 002's list) ------------
    const admin = await visit('unit-admin');
    await goto(admin, '/api/web/platforms');
    await admin.locator('#f-name').fill(PLATFORM_NAME);
    await admin.locator('#f-code').fill(PLATFORM);
    await admin.locator('#f-leader').fill('张一');
    await admin.locator('#f-department').fill('保教处');
    await clickAndLoad(admin, admin.getByRole('button', { name: '登记平台' }));
    assert.match(await admin.locator('main table').innerText(), new RegExp(`1\\s+${PLATFORM_NAME}\\s+${PLATFORM}\\s+张一\\s+保教处`));

    // ---- first visit: start the month, cover, staff that do not add up --------------
    let page = await visit('filler');
    await goto(page, '/api/web/reports');
    await page.locator('#f-open-platform').selectOption({ label: `1. ${PLATFORM_NAME}` });
    await page.locator('#f-open-period').fill(PERIOD);
    await clickAndLoad(page, page.getByRole('button', { name: '开始填报' }));
    assert.equal(path(page), `${OVERVIEW}/cover`, 'the first part');
    await enhanced(page);
    assert.equal(await page.locator('#f-period').inputValue(), PERIOD, 'the month is filled in');
    await page.locator('#f-platform_name').fill(PLATFORM_NAME);
    await page.locator('#f-filler_name').fill('王芳');
    await page.locator('#f-filler_phone').fill('0451-86661234');
    await clickAndLoad(page, page.getByRole('button', { name: '保存并继续' }));
    assert.equal(path(page), `${OVERVIEW}/staff`, 'on to the next part');
    assert.match(await page.locator('.gz-caption').innerText(), /草稿/, 'the month is a draft now');

    await enhanced(page);
    const sum = page.locator('.gz-sum[data-sum-for="staff_total"]');
    await page.locator('#f-staff_total').fill('10');
    await page.locator('#f-staff_senior').fill('3');
    await page.locator('#f-staff_intermediate').fill('3');
    await page.locator('#f-staff_junior').fill('2');
    await page.locator('#f-staff_other').fill('1');
    for (const [f, v] of [['staff_doctorate', '2'], ['staff_master', '3'], ['staff_full_time', '8'], ['staff_high_level', '1']]) {
      await page.locator(`#f-${f}`).fill(v);
    }
    await sum.waitFor({ state: 'visible' });
    assert.equal((await sum.innerText()).trim(), '分项合计：9，与总数不一致', 'the live total flags it');
    assert.match(await sum.getAttribute('class'), /\bgz-sum--off\b/);
    // Leaving the last field runs the checks as you type, which redraw the messages:
    // let them land before pressing, so the button is where the press began.
    await page.locator('#f-staff_other').blur();
    await page.waitForLoadState('networkidle');
    // Saved as it is: a draft may disagree with itself until it is submitted.
    await clickAndLoad(page, page.getByRole('button', { name: '保存并继续' }));
    assert.equal(path(page), `${OVERVIEW}/funding`);
    assert.deepEqual(page.scriptErrors, [], 'no script errors');
    await page.context().close();

    // ---- second visit: what was saved is there -------------------------------------------
    page = await visit('filler');
    await goto(page, `${OVERVIEW}/cover`);
    assert.equal(await page.locator('#f-platform_name').inputValue(), PLATFORM_NAME);
    assert.equal(await page.locator('#f-filler_phone').inputValue(), '0451-86661234');
    await goto(page, `${OVERVIEW}/staff`);
    await enhanced(page);
    const saved = {};
    for (const f of ['staff_total', 'staff_senior', 'staff_intermediate', 'staff_junior', 'staff_other']) {
      saved[f] = await page.locator(`#f-${f}`).inputValue();
    }
    assert.deepEqual(saved, {
      staff_total: '10',
      staff_senior: '3',
      staff_intermediate: '3',
      staff_junior: '2',
      staff_other: '1',
    });
    assert.equal((await page.locator('.gz-sum[data-sum-for="staff_total"]').innerText()).trim(), '分项合计：9，与总数不一致');
    // Drawn here, on a page loaded afresh: a screenshot while the checks as you type
    // are still redrawing the first visit's form moved the button from under the press.
    await screenshot(page, 'report-part');

    // Checked from the overview: every part, the unopened ones marked, the problems listed
    // with their part and linked to their field; no submit button while they stand.
    await goto(page, OVERVIEW);
    assert.equal(await status(page), '草稿');
    await clickAndLoad(page, page.getByRole('link', { name: '检查并提交' }));
    assert.equal(path(page), `${OVERVIEW}/check`);
    const summary = page.locator('#check-summary');
    assert.ok(await summary.isVisible());
    const links = summary.locator('.gz-error-summary__list a');
    const problems = await links.allInnerTexts();
    assert.equal(problems.length, 2, problems.join(' | '));
    assert.match(problems[0], /^人员队伍：“从业人员总数”（10 人）应等于.*之和（9 人）/);
    assert.equal(problems[1], '经费筹集：请填写“仪器设备原值”', 'an untouched stock is missing, not 0');
    assert.match(await links.first().getAttribute('href'), /\/staff#f-staff_total$/);
    assert.equal(await page.locator('.gz-part h2 .gz-tag', { hasText: '未打开' }).count(), 7, 'cover and staff were saved');
    assert.match(await page.locator('.gz-part', { hasText: '经费筹集' }).innerText(), /经费筹集总额\s*未填写/);
    assert.equal(await page.getByRole('button', { name: '确认提交' }).count(), 0);
    await checkA11y(page, 'check your answers with errors');
    await screenshot(page, 'report-check');

    // The link's page: the field; fixed, the live total agrees, then the funding part.
    await clickAndLoad(page, links.first());
    assert.equal(path(page), `${OVERVIEW}/staff`);
    await enhanced(page);
    await page.locator('#f-staff_total').fill('9');
    await page.waitForFunction(() => {
      const out = document.querySelector('.gz-sum[data-sum-for="staff_total"]');
      return out && out.textContent === '分项合计：9' && !out.classList.contains('gz-sum--off');
    });
    await clickAndLoad(page, page.getByRole('button', { name: '保存并继续' }));
    assert.equal(path(page), `${OVERVIEW}/funding`);
    await enhanced(page);
    await page.locator('#f-equipment_value').fill('500');
    await clickAndLoad(page, page.getByRole('button', { name: '保存并继续' }));
    assert.equal(path(page), `${OVERVIEW}/outputs`);
    await goto(page, `${OVERVIEW}/check`);
    assert.equal(await page.locator('#check-summary').count(), 0, 'nothing left to fix');
    await clickAndLoad(page, page.getByRole('button', { name: '确认提交' }));
    assert.equal(page.url(), gazette.url + OVERVIEW, 'submitted, back to the overview');
    assert.equal(await status(page), '待审核');

    // Withdrawn: a draft again. Submitted again.
    await clickAndLoad(page, page.getByRole('button', { name: '撤回' }));
    assert.equal(await status(page), '草稿');
    await clickAndLoad(page, page.getByRole('link', { name: '检查并提交' }));
    await clickAndLoad(page, page.getByRole('button', { name: '确认提交' }));
    assert.equal(await status(page), '待审核');
    assert.equal(await page.getByRole('link', { name: '检查并提交' }).count(), 0);
    assert.deepEqual(page.scriptErrors, [], 'no script errors');
    await page.context().close();

    // ---- the unit administrator -------------------------------------------------------------
    page = await visit('unit-admin');
    await goto(page, '/api/web/review');
    const row = page.locator('.gz-queue a', { hasText: `${PLATFORM_NAME} ${PERIOD}` });
    assert.equal(await row.count(), 1, 'the report waits in the review queue');
    assert.equal(await row.getAttribute('href'), OVERVIEW);
    await clickAndLoad(page, row);
    assert.equal(path(page), OVERVIEW);
    assert.equal(await status(page), '待审核');
    await page.locator('#f-comment').fill('数据完整，同意。');
    await page.getByLabel('短信通知填报人审核结果').check();
    await clickAndLoad(page, page.getByRole('button', { name: '审核通过' }));
    assert.equal(path(page), OVERVIEW);
    assert.equal(await status(page), '审核通过');
    assert.equal(await page.getByRole('button', { name: '审核通过' }).count(), 0, 'nothing left to decide');
    assert.match(await page.locator('.gz-timeline').innerText(), /审核通过/);
    await checkA11y(page, 'approved report');
    await screenshot(page, 'report-approved');

    // Its PDF: downloaded as the unit administrator, a PDF whose text holds the unit's
    // and the platform's names, its Chinese face embedded.
    const pdfLink = page.getByRole('link', { name: '下载 PDF' });
    const download = await page.request.get(new URL(await pdfLink.getAttribute('href'), gazette.url).href);
    assert.equal(download.status(), 200);
    assert.equal(download.headers()['content-type'], 'application/pdf');
    assert.match(download.headers()['content-disposition'], /^attachment;/);
    const bytes = await download.body();
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    const { text, fonts, pages } = await readPdf(bytes);
    assert.ok(text.includes(UNIT), `the unit's name is in the PDF: ${text.slice(0, 200)}`);
    assert.ok(text.includes(PLATFORM_NAME), "the platform's Chinese name is in the PDF");
    assert.ok(text.includes('数据完整，同意。'), 'with the review opinion');
    assert.ok(pages >= 1);
    assert.ok(fonts.some((f) => /NotoSansCJK/.test(f)), `the Chinese face is embedded: ${fonts}`);
    await goto(page, '/api/web/review');
    assert.match(await page.locator('main').innerText(), /没有待审核的月度报告。/);
    assert.deepEqual(page.scriptErrors, [], 'no script errors');
  });

  // "保存" posts to its own route (formaction …/stay): saves and stays on the part;
  // "保存并继续" posts to the form's route and moves on.
  it('"保存" saves the part and stays on it', async () => {
    const page = await visit('filler');
    const other = `/api/web/reports/${UNIT}/${PLATFORM}/2025-07`;
    await goto(page, `${other}/cover`);
    await enhanced(page);
    await page.locator('#f-platform_name').fill(PLATFORM_NAME);
    await page.locator('#f-filler_name').fill('王芳');
    await page.locator('#f-filler_phone').fill('13900001111');
    const stay = `/api/web/act/reports/${UNIT}/${PLATFORM}/2025-07/parts/cover/stay`;
    const posted = page.waitForRequest((r) => r.url().endsWith(stay) && r.method() === 'POST');
    await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
    assert.equal(new URL((await posted).url()).pathname, stay, 'the pressed button posts to its own route');
    assert.equal(path(page), `${other}/cover`, '"保存" stays on the part');
    assert.equal(await page.locator('#f-filler_phone').inputValue(), '13900001111', 'saved');
    assert.match(await page.locator('.gz-caption').innerText(), /草稿/);
    await page.context().close();
  });
});
