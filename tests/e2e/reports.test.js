'use strict';
// A monthly performance report (seed 002) in a real browser, script on: a filler of
// unit lab-1 starts a month for platform p1, fills the cover and the staff (the live
// "分项合计" flags a total that does not add up), comes back in a second visit to
// find what was saved, submits and is shown the consistency error, fixes it,
// submits, withdraws, submits again; the unit administrator approves it from the
// review queue.

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
    await sum.waitFor({ state: 'visible' });
    assert.equal((await sum.innerText()).trim(), '分项合计：9，与总数不一致', 'the live total flags it');
    assert.match(await sum.getAttribute('class'), /\bgz-sum--off\b/);
    await screenshot(page, 'report-part');
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

    // Submitted from the overview: the consistency error, linking to its part.
    await goto(page, OVERVIEW);
    assert.equal(await status(page), '草稿');
    await clickAndLoad(page, page.getByRole('button', { name: '检查并提交' }));
    assert.equal(path(page), OVERVIEW);
    assert.match(new URL(page.url()).search, /^\?attempt=[0-9A-Z]{26}$/);
    assert.equal(await status(page), '草稿', 'not submitted');
    const summary = page.locator('#report-summary');
    assert.ok(await summary.isVisible());
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'report-summary');
    const links = summary.locator('.gz-error-summary__list a');
    assert.equal(await links.count(), 1);
    assert.match(await links.first().innerText(), /“从业人员总数”（10 人）应等于.*之和（9 人）/);
    assert.match(await links.first().getAttribute('href'), /\/staff\?attempt=[0-9A-Z]{26}#f-staff_total$/);
    assert.match(await page.locator('.gz-part h2', { hasText: '人员队伍' }).innerText(), /1 处问题/);
    await checkA11y(page, 'report overview with errors');

    // The link's page: the message at the field, in the form.
    await clickAndLoad(page, links.first());
    assert.equal(path(page), `${OVERVIEW}/staff`);
    await enhanced(page);
    assert.match(await fieldMessage(page, 'staff_total'), /^错误：“从业人员总数”（10 人）应等于.*之和（9 人）$/);
    assert.equal(await page.locator('#f-staff_total').getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('#form-monthly-report-summary').isVisible(), 'the part has its summary too');
    // The link's #f-staff_total puts the reader at the field itself.
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'f-staff_total');
    await checkA11y(page, 'report form page with errors');
    await screenshot(page, 'report-errors');

    // Fixed: the live total agrees, the part is saved, the month submitted.
    await page.locator('#f-staff_total').fill('9');
    await page.waitForFunction(() => {
      const out = document.querySelector('.gz-sum[data-sum-for="staff_total"]');
      return out && out.textContent === '分项合计：9' && !out.classList.contains('gz-sum--off');
    });
    await clickAndLoad(page, page.getByRole('button', { name: '保存并继续' }));
    assert.equal(path(page), `${OVERVIEW}/funding`);
    await goto(page, OVERVIEW);
    await clickAndLoad(page, page.getByRole('button', { name: '检查并提交' }));
    assert.equal(page.url(), gazette.url + OVERVIEW, 'back to the overview, no errors');
    assert.equal(await status(page), '待审核');
    assert.equal(await page.locator('#report-summary').count(), 0);

    // Withdrawn: a draft again. Submitted again.
    await clickAndLoad(page, page.getByRole('button', { name: '撤回' }));
    assert.equal(await status(page), '草稿');
    await clickAndLoad(page, page.getByRole('button', { name: '检查并提交' }));
    assert.equal(await status(page), '待审核');
    assert.equal(await page.getByRole('button', { name: '检查并提交' }).count(), 0);
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
    await clickAndLoad(page, page.getByRole('button', { name: '审核通过' }));
    assert.equal(path(page), OVERVIEW);
    assert.equal(await status(page), '审核通过');
    assert.equal(await page.getByRole('button', { name: '审核通过' }).count(), 0, 'nothing left to decide');
    assert.match(await page.locator('.gz-timeline').innerText(), /审核通过/);
    await checkA11y(page, 'approved report');
    await screenshot(page, 'report-approved');
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
