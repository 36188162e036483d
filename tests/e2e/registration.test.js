'use strict';
// Registering for a course from its page, in a real browser: with the page's script
// (errors shown in place and checked as you type, the receipt after a good
// submission) and without it (the server's own error page, then the receipt).

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, screenshot, clickAndLoad, open, fitsPhone, signIn } = require('./harness');

// A course open for registration (capacity 70) in content/courses/.
const COURSE = 'cas-jingpin-heitu-liangcang-2027';
const COURSE_PAGE = `/courses/${COURSE}/`;
// Generous: a slow shared machine with a debug build.
const STEP_MS = 30_000;
const NAV_MS = 60_000;

// Every e-mail address a new person: a course takes one registration per address.
const unique = (tag) => `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.org`;

async function fillValid(form, { name, email }) {
  await form.locator('#f-name').fill(name);
  await form.locator('#f-organisation').fill('中国科学院东北地理与农业生态研究所');
  await form.locator('#f-position').fill('副研究员');
  await form.locator('#f-phone').fill('18620680001');
  await form.locator('#f-email').fill(email);
  await form.locator('#f-region').selectOption('heilongjiang');
  await form.locator('#f-consent').check();
}

// The message shown at a field (data-error-for), '' when hidden.
async function fieldMessage(form, path) {
  const box = form.locator(`.gz-error-message[data-error-for="${path}"]`);
  if (!(await box.isVisible())) return '';
  return (await box.textContent()).replace(/\s+/g, ' ').trim();
}

describe('course registration', { timeout: 300_000 }, () => {
  let gazette, browser;

  before(async () => {
    gazette = await startGazette();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (browser) assert.deepEqual(browser.blockedRequests, [], 'pages asked for something outside 127.0.0.1');
  });

  async function newPage(options = {}) {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(NAV_MS);
    const page = await context.newPage();
    page.scriptErrors = [];
    page.on('pageerror', (e) => page.scriptErrors.push(e.message));
    return page;
  }

  it('with the script: errors in place and as you type, then the receipt', async () => {
    const page = await newPage();
    await open(page, gazette.url, COURSE_PAGE);
    const form = page.locator('form#form-registration');
    await form.waitFor();
    // forms.js has taken the form over (its own messages, an idempotency key).
    await page.waitForFunction(() => {
      const f = document.getElementById('form-registration');
      return f && f.noValidate && f.elements.namedItem('_idem');
    });
    const summary = form.locator('.gz-error-summary');
    assert.equal(await summary.isVisible(), false, 'no summary before a submission');

    // Sent empty: the errors appear on the same page, the summary focused.
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/web/act/registrations') && r.request().method() === 'POST');
    await form.getByRole('button', { name: '提交报名' }).click();
    assert.equal((await posted).status(), 422, 'the registration route refuses an empty form');
    await summary.waitFor({ state: 'visible' });
    await fitsPhone(page, 'the course page with the errors in place');
    assert.equal(new URL(page.url()).pathname, COURSE_PAGE, 'still on the course page');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'form-registration-summary');
    assert.equal(await summary.getAttribute('role'), 'alert');
    const hrefs = await summary.locator('.gz-error-summary__list a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(
      [...hrefs].sort(),
      ['#f-consent', '#f-email', '#f-name', '#f-organisation', '#f-phone', '#f-position', '#f-region'],
      'every field in the summary, each linking to its control',
    );
    assert.match(await summary.innerText(), /请填写“手机”/);
    assert.equal(await fieldMessage(form, 'name'), '错误：请填写“姓名”');
    assert.match(await fieldMessage(form, 'phone'), /请填写“手机”/);
    assert.match(await fieldMessage(form, 'consent'), /请勾选/);
    assert.equal(await form.locator('#f-phone').getAttribute('aria-invalid'), 'true');
    assert.match(await form.locator('#f-phone').getAttribute('aria-describedby'), /\bf-phone-error\b/);
    // A summary link moves to its field.
    await summary.locator('a[href="#f-email"]').click();
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'f-email');

    await checkA11y(page, 'course page with its form');
    await screenshot(page, 'course-form');

    // Checked as you type: a wrong phone number is named when leaving the field…
    await form.locator('#f-phone').fill('1862068');
    await form.locator('#f-phone').press('Tab');
    await page.waitForFunction(() => {
      const box = document.querySelector('[data-error-for="phone"]');
      return box && !box.hidden && box.textContent.includes('格式不正确');
    });
    assert.equal(await fieldMessage(form, 'phone'), '错误：“手机”格式不正确，应为 11 位手机号');
    // …and a field put right loses its message.
    await form.locator('#f-name').fill('李四');
    await form.locator('#f-name').press('Tab');
    await page.waitForFunction(() => document.querySelector('[data-error-for="name"]').hidden);
    assert.equal(await form.locator('#f-name').getAttribute('aria-invalid'), null);

    // Filled in properly: the receipt.
    await fillValid(form, { name: '李四', email: unique('lisi') });
    await form.getByRole('button', { name: '提交报名' }).click();
    await page.waitForURL(/\/api\/web\/receipt\/[0-9A-Z]{26}$/, { timeout: NAV_MS });
    await page.locator('h1', { hasText: '报名回执' }).waitFor();
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '待审核');
    const details = await page.locator('.gz-summary-list').innerText();
    assert.match(details, /186\*\*\*\*0001/, 'the phone shown masked');
    assert.doesNotMatch(details, /18620680001/, 'never the whole phone number');
    assert.match(details, /黑土粮仓/, 'the course named');
    await checkA11y(page, 'registration receipt');
    await screenshot(page, 'receipt');
    assert.deepEqual(page.scriptErrors, [], 'no script errors');
    await page.context().close();
  });

  it('without the script: the server shows the errors and keeps what was typed', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await open(page, gazette.url, COURSE_PAGE);
    const form = page.locator('form#form-registration');
    // All filled in as the browser's own checks want, but the unit only spaces:
    // the browser lets it through, the server's validator does not.
    await fillValid(form, { name: '张三', email: unique('zhangsan') });
    await form.locator('#f-organisation').fill('   ');
    await clickAndLoad(page, form.getByRole('button', { name: '提交报名' }), { timeout: NAV_MS });

    assert.match(new URL(page.url()).pathname, /^\/api\/web\/form\/[0-9A-Z]{26}$/, 'the refused form, kept');
    const again = page.locator('form#form-registration');
    const summary = again.locator('.gz-error-summary');
    assert.ok(await summary.isVisible(), 'the server drew the summary');
    const items = await summary.locator('.gz-error-summary__list a').evaluateAll((as) =>
      as.map((a) => [a.getAttribute('href'), a.textContent.trim()]),
    );
    assert.deepEqual(items, [['#f-organisation', '请填写“单位”']]);
    assert.equal(await fieldMessage(again, 'organisation'), '错误：请填写“单位”');
    assert.equal(await again.locator('#f-name').inputValue(), '张三', 'the name typed is kept');
    assert.equal(await again.locator('#f-region').inputValue(), 'heilongjiang');
    assert.ok(await again.locator('#f-consent').isChecked(), 'the ticked box stays ticked');
    assert.ok(await page.locator('a', { hasText: '返回原页面' }).isVisible());

    await again.locator('#f-organisation').fill('东北农业大学');
    await clickAndLoad(page, again.getByRole('button', { name: '重新提交' }), { timeout: NAV_MS });
    assert.match(new URL(page.url()).pathname, /^\/api\/web\/receipt\/[0-9A-Z]{26}$/);
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '待审核');
    assert.match(await page.locator('.gz-summary-list').innerText(), /东北农业大学/);
    await page.context().close();
  });

  // The one sentence for an e-mail already registered (http/error.rs).
  const ALREADY = '该邮箱已报名本课程，每人每门课程只能有一份有效报名；如需查看或撤回，请使用报名回执。';

  // Registers with `email` from the course page; resolves once the receipt is shown.
  async function registerFromCoursePage(page, { javaScriptEnabled, name, email }) {
    await open(page, gazette.url, COURSE_PAGE);
    const form = page.locator('form#form-registration');
    if (javaScriptEnabled) await page.waitForFunction(() => document.getElementById('form-registration').noValidate);
    await fillValid(form, { name, email });
    if (javaScriptEnabled) {
      await form.getByRole('button', { name: '提交报名' }).click();
      await page.waitForURL(/\/api\/web\/receipt\/[0-9A-Z]{26}$/, { timeout: NAV_MS });
      await fitsPhone(page, 'the receipt');
    } else {
      await clickAndLoad(page, form.getByRole('button', { name: '提交报名' }), { timeout: NAV_MS });
    }
    assert.match(new URL(page.url()).pathname, /^\/api\/web\/receipt\/[0-9A-Z]{26}$/, 'the receipt');
    return page.url();
  }

  async function withdrawAndRegisterAgain({ javaScriptEnabled }) {
    const page = await newPage({ javaScriptEnabled });
    const email = unique(javaScriptEnabled ? 'again-js' : 'again');
    const receipt = await registerFromCoursePage(page, { javaScriptEnabled, name: '王五', email });

    // Withdrawing asks first, on a page of its own; "不撤回" changes nothing.
    await clickAndLoad(page, page.getByRole('link', { name: '撤回报名' }));
    assert.equal(await page.locator('h1').innerText(), '确认撤回报名');
    assert.match(await page.locator('main').innerText(), /确定撤回对“.*黑土粮仓.*”的报名吗？/);
    await clickAndLoad(page, page.getByRole('link', { name: '不撤回，返回回执' }));
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '待审核', 'not withdrawn');
    await clickAndLoad(page, page.getByRole('link', { name: '撤回报名' }));
    await clickAndLoad(page, page.getByRole('button', { name: '确认撤回报名' }));
    assert.equal(page.url(), receipt);
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '已撤回');
    assert.equal(await page.getByRole('link', { name: '撤回报名' }).count(), 0, 'nothing left to withdraw');

    // The same person registers for the course again: a new receipt.
    const again = await registerFromCoursePage(page, { javaScriptEnabled, name: '王五', email });
    assert.notEqual(again, receipt);
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '待审核');

    // A third time while that one stands: refused, said once and the same way everywhere.
    await open(page, gazette.url, COURSE_PAGE);
    let form = page.locator('form#form-registration');
    if (javaScriptEnabled) await page.waitForFunction(() => document.getElementById('form-registration').noValidate);
    await fillValid(form, { name: '王五', email });
    if (javaScriptEnabled) {
      await form.getByRole('button', { name: '提交报名' }).click();
      await form.locator('.gz-error-summary').waitFor({ state: 'visible' });
    } else {
      await clickAndLoad(page, form.getByRole('button', { name: '提交报名' }), { timeout: NAV_MS });
      assert.match(new URL(page.url()).pathname, /^\/api\/web\/form\/[0-9A-Z]{26}$/);
      form = page.locator('form#form-registration');
      // The refused form keeps the site's navigation, with its 登录 / 办事 entry.
      const nav = await page.locator('header nav').allInnerTexts();
      assert.match(nav.join(' '), /通知公告[\s\S]*培训课程[\s\S]*政策文件[\s\S]*典型案例[\s\S]*登录 \/ 办事/);
    }
    const summary = (await form.locator('.gz-error-summary__list').innerText()).trim();
    assert.equal(summary, ALREADY);
    assert.equal(await fieldMessage(form, 'email'), `错误：${ALREADY}`);
    const mentions = (await page.locator('main').innerText()).split(/\n+/).filter((line) => line.includes('该邮箱'));
    assert.ok(mentions.length >= 1 && mentions.every((line) => line.replace(/^错误：/, '') === ALREADY), `one wording: ${mentions.join(' | ')}`);
    await page.context().close();
  }

  it("the organisers' list of the course reads on a phone, and approves from it", async () => {
    const page = await newPage();
    await signIn(page, gazette.url, { role: 'organiser' });
    await open(page, gazette.url, `/api/web/registrations?course=${COURSE}`);
    const rows = page.locator('table.gz-table tbody tr');
    assert.ok((await rows.count()) >= 2, 'the registrations so far are listed');
    // On a phone each registration is a card: every cell under its column's name.
    await page.setViewportSize({ width: 390, height: 844 });
    const label = await rows.first().locator('td').first().evaluate((td) => getComputedStyle(td, '::before').content);
    assert.equal(label, '"姓名"');
    await page.setViewportSize({ width: 1280, height: 900 });
    await clickAndLoad(page, rows.first().getByRole('button', { name: /^通过/ }));
    assert.match(await rows.first().innerText(), /已通过/);
    await page.context().close();
  });

  it('without the script: withdrawing asks first, and the registrant may register again', async () => {
    await withdrawAndRegisterAgain({ javaScriptEnabled: false });
  });

  it('with the script: withdrawing asks first, and the registrant may register again', async () => {
    await withdrawAndRegisterAgain({ javaScriptEnabled: true });
  });
});
