'use strict';
// Real accounts on `gazette serve` without the development switch: the first national
// administrator from `gazette accounts create-admin`; a regional administrator
// created by it; a unit registers itself (单位注册) choosing its department, which
// approves it; its administrator creates a filler (一人一号); each reads its one-time
// password from the outbox page of the administrator above and must change it at
// first sign-in. The unit's administrator registers a platform, the filler submits a
// month's report for it chosen from that list, and the province forwards a case to
// the unit chosen from its region's list. Wrong passwords lock an account out, and a page served from another
// port of 127.0.0.1 cannot act with a signed-in administrator's cookie, neither by an
// auto-submitted form nor by fetch(no-cors, credentials: 'include').

const assert = require('node:assert/strict');
const http = require('node:http');
const { execFileSync } = require('node:child_process');
const { describe, it, before, after } = require('node:test');
const { REPO, DESKTOP, startGazette, launchBrowser, clickAndLoad, freePort, open, registerIntegrityCase } = require('./harness');

const NEW_PASSWORD = 'river stone 2024';

/** Signs `page` in with username and password; when the password is a one-time
 * one, sets NEW_PASSWORD. Resolves on the desk. */
async function signInWithPassword(page, base, username, password) {
  await page.goto(`${base}/api/web/sign-in`);
  assert.equal(await page.getByRole('button', { name: '开发登录' }).count(), 0, 'no role picker without the switch');
  await page.locator('#f-username').fill(username);
  await page.locator('#f-password').fill(password);
  await clickAndLoad(page, page.getByRole('button', { name: '登录', exact: true }));
  if (await page.locator('#f-new_password').count()) {
    await page.locator('#f-new_password').fill(NEW_PASSWORD);
    await page.locator('#f-confirm_password').fill(NEW_PASSWORD);
    await clickAndLoad(page, page.getByRole('button', { name: '设置并登录' }));
  }
  assert.equal(new URL(page.url()).pathname, '/api/web/', `${username} reaches the desk`);
  assert.match(await page.locator('.site-nav__who').innerText(), new RegExp(username.replace('.', '\\.')));
}

/** The one-time password of `username`, as the administrator signed in on `page`
 * reads it from the outbox page. */
async function oneTimePassword(page, base, username) {
  await page.goto(`${base}/api/web/outbox`);
  const text = await page.locator('main').innerText();
  const match = text.match(new RegExp(`账号 ${username.replace('.', '\\.')} (?:已开通|的注册已审核通过)。一次性密码：(\\S+)`));
  assert.ok(match, `the outbox holds ${username}'s one-time password:\n${text}`);
  return match[1];
}

describe('accounts and sign-in', { timeout: 300_000 }, () => {
  let gazette, browser, adminPassword;

  before(async () => {
    gazette = await startGazette({
      devSignIn: false,
      beforeStart: ({ bin, dataDir, env }) => {
        const out = execFileSync(
          bin,
          ['accounts', 'create-admin', '--username', 'nation.admin', '--name', '国家管理员', '--email', 'admin@example.cn', '--data-dir', dataDir],
          { cwd: REPO, env, encoding: 'utf8' },
        );
        adminPassword = out.trim().split('\n').pop();
      },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
  });

  it('takes a unit from registration to a filler who has changed the one-time password', async () => {
    const base = gazette.url;
    const national = await (await browser.newContext(DESKTOP)).newPage();
    await signInWithPassword(national, base, 'nation.admin', adminPassword);

    // The national administrator creates Hebei's regional administrator.
    await national.goto(`${base}/api/web/accounts`);
    await national.locator('#f-role').selectOption('regional-admin');
    await national.locator('#f-region').selectOption('hebei');
    await national.locator('#f-username').fill('hebei.admin');
    await national.locator('#f-name').fill('河北管理员');
    await national.locator('#f-email').fill('hebei@example.cn');
    await clickAndLoad(national, national.getByRole('button', { name: '开通账号' }));
    const hebeiPassword = await oneTimePassword(national, base, 'hebei.admin');

    // A unit registers, choosing its superior department; it cannot sign in yet.
    const unit = await (await browser.newContext(DESKTOP)).newPage();
    await unit.goto(`${base}/`);
    await clickAndLoad(unit, unit.getByRole('link', { name: '登录 / 办事' }));
    await clickAndLoad(unit, unit.getByRole('link', { name: '单位注册' }));
    await unit.locator('#f-unit_name').fill('河北省科技平台一');
    await unit.locator('#f-unit_code').fill('hebei-kjpt-001');
    await unit.locator('#f-department').selectOption({ label: '河北省科学技术厅（局）' });
    await unit.locator('#f-username').fill('kjpt.admin');
    await unit.locator('#f-name').fill('单位管理员');
    await unit.locator('#f-email').fill('kjpt@example.cn');
    await clickAndLoad(unit, unit.getByRole('button', { name: '提交注册' }));
    assert.match(await unit.locator('main').innerText(), /待 河北省科学技术厅（局） 审核/);
    await unit.goto(`${base}/api/web/sign-in`);
    await unit.locator('#f-username').fill('kjpt.admin');
    await unit.locator('#f-password').fill('anything 12345');
    await clickAndLoad(unit, unit.getByRole('button', { name: '登录', exact: true }));
    assert.match(await unit.locator('.gz-error-summary').innerText(), /账号或密码不正确/);

    // The department (Hebei's regional administrator) approves it.
    const hebei = await (await browser.newContext(DESKTOP)).newPage();
    await signInWithPassword(hebei, base, 'hebei.admin', hebeiPassword);
    await hebei.goto(`${base}/api/web/accounts`);
    await clickAndLoad(hebei, hebei.getByRole('button', { name: '审核通过 kjpt.admin' }));
    const unitPassword = await oneTimePassword(hebei, base, 'kjpt.admin');

    // Another unit registers and is refused: the reason reaches it through the outbox,
    // and its code is free again.
    const other = await (await browser.newContext(DESKTOP)).newPage();
    await other.goto(`${base}/api/web/register-unit`);
    await other.locator('#f-unit_name').fill('河北省科技平台二');
    await other.locator('#f-unit_code').fill('hebei-kjpt-002');
    await other.locator('#f-department').selectOption({ label: '河北省科学技术厅（局）' });
    await other.locator('#f-username').fill('kjpt2');
    await other.locator('#f-name').fill('单位管理员二');
    await other.locator('#f-email').fill('kjpt2@example.cn');
    await clickAndLoad(other, other.getByRole('button', { name: '提交注册' }));
    await hebei.goto(`${base}/api/web/accounts`);
    await hebei.locator('#reason-kjpt2').fill('单位名称与统一社会信用代码不符');
    await clickAndLoad(hebei, hebei.getByRole('button', { name: '不予通过' }));
    await hebei.goto(`${base}/api/web/outbox`);
    assert.match(await hebei.locator('main').innerText(), /kjpt2 的注册申请未获通过。理由：单位名称与统一社会信用代码不符/);
    await other.context().close();

    // Its administrator creates a filler, who changes the one-time password.
    await signInWithPassword(unit, base, 'kjpt.admin', unitPassword);
    await unit.goto(`${base}/api/web/accounts`);
    await unit.locator('#f-role').selectOption('filler');
    await unit.locator('#f-username').fill('zhang.filler');
    await unit.locator('#f-name').fill('张填报');
    await unit.locator('#f-phone').fill('13800138000');
    await clickAndLoad(unit, unit.getByRole('button', { name: '开通账号' }));
    const fillerPassword = await oneTimePassword(unit, base, 'zhang.filler');
    const filler = await (await browser.newContext(DESKTOP)).newPage();
    await signInWithPassword(filler, base, 'zhang.filler', fillerPassword);
    assert.match(await filler.locator('.site-nav__who').innerText(), /填报人 · hebei-kjpt-001/);

    // The unit administrator sees the changes in the audit log.
    await unit.goto(`${base}/api/web/accounts`);
    const log = await unit.locator('main').innerText();
    assert.match(log, /zhang\.filler\s+创建账号\s+kjpt\.admin/);
    assert.match(log, /zhang\.filler\s+修改密码\s+zhang\.filler/);

    // The unit administrator registers the unit's platform (seed 002's list); the
    // filler chooses it from that list and submits the month's report.
    await unit.goto(`${base}/api/web/platforms`);
    await unit.locator('#f-name').fill('河北省土壤修复技术创新中心');
    await unit.locator('#f-code').fill('trxf');
    await unit.locator('#f-leader').fill('张一');
    await unit.locator('#f-department').fill('平台处');
    await clickAndLoad(unit, unit.getByRole('button', { name: '登记平台' }));
    await filler.goto(`${base}/api/web/reports`);
    const choices = await filler.locator('#f-open-platform option').allInnerTexts();
    assert.deepEqual(choices.map((c) => c.trim()), ['请选择', '1. 河北省土壤修复技术创新中心'], 'the unit\'s platforms, and only those');
    await filler.locator('#f-open-platform').selectOption({ label: '1. 河北省土壤修复技术创新中心' });
    await filler.locator('#f-open-period').fill('2026-10');
    await clickAndLoad(filler, filler.getByRole('button', { name: '开始填报' }));
    const month = '/api/web/reports/hebei-kjpt-001/trxf/2026-10';
    assert.equal(new URL(filler.url()).pathname, `${month}/cover`);
    await filler.locator('#f-platform_name').fill('河北省土壤修复技术创新中心');
    await filler.locator('#f-filler_name').fill('张填报');
    await filler.locator('#f-filler_phone').fill('0311-86661234');
    await clickAndLoad(filler, filler.getByRole('button', { name: '保存并继续' }));
    // The staff and the funding part's stock (仪器设备原值) are the figures a month
    // cannot leave blank; then 检查并提交 → 确认提交.
    await filler.goto(`${base}${month}/staff`);
    for (const [f, v] of [['staff_total', '9'], ['staff_senior', '3'], ['staff_intermediate', '3'], ['staff_junior', '2'],
      ['staff_other', '1'], ['staff_doctorate', '2'], ['staff_master', '3'], ['staff_full_time', '8'], ['staff_high_level', '1']]) {
      await filler.locator(`#f-${f}`).fill(v);
    }
    await clickAndLoad(filler, filler.getByRole('button', { name: '保存并继续' }));
    await filler.goto(`${base}${month}/funding`);
    await filler.locator('#f-equipment_value').fill('500');
    await clickAndLoad(filler, filler.getByRole('button', { name: '保存并继续' }));
    await filler.goto(`${base}${month}`);
    await clickAndLoad(filler, filler.getByRole('link', { name: '检查并提交' }));
    assert.equal(await filler.locator('#check-summary').count(), 0, await filler.locator('main').innerText());
    await clickAndLoad(filler, filler.getByRole('button', { name: '确认提交' }));
    assert.equal(await filler.locator('.gz-status__label strong').innerText(), '待审核', 'submitted');

    // A province forwards a case by picking the institution from its region's list.
    const paper = 'A Retracted Paper on Soil Remediation';
    const caseUrl = await registerIntegrityCase(national, base, paper);
    await clickAndLoad(national, national.locator('form#dispatch button[type=submit]'));
    await open(hebei, '', caseUrl);
    const institutions = await hebei.locator('#forward-unit option').allInnerTexts();
    assert.ok(institutions.includes('河北省科技平台一（hebei-kjpt-001）'), `the registered unit is a choice: ${institutions}`);
    await hebei.locator('#forward-unit').selectOption('hebei-kjpt-001');
    await clickAndLoad(hebei, hebei.locator('form#forward button[type=submit]'));
    await hebei.locator('main').getByText('已转办至机构。').waitFor();

    // Cross-port forgery: a page on another port posts with the unit administrator's cookie.
    const port = await freePort();
    const evil = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><body>
<form id="f" method="post" action="${base}/api/web/accounts">
<input name="role" value="filler"><input name="username" value="evil.form"><input name="name" value="x"><input name="phone" value="13800138001">
</form>
<script>
fetch('${base}/api/web/accounts', { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'role=filler&username=evil.fetch&name=x&phone=13800138002' })
  .finally(() => document.getElementById('f').submit());
</script></body>`);
    });
    await new Promise((r) => evil.listen(port, '127.0.0.1', r));
    try {
      const forged = await unit.context().newPage();
      const answered = forged.waitForResponse((r) => r.url() === `${base}/api/web/accounts` && r.request().method() === 'POST' && r.request().resourceType() === 'document');
      await forged.goto(`http://127.0.0.1:${port}/`);
      assert.equal((await answered).status(), 403, 'the forged form is refused');
    } finally {
      evil.close();
    }
    await unit.goto(`${base}/api/web/accounts`);
    const listed = await unit.locator('main').innerText();
    assert.doesNotMatch(listed, /evil\.form|evil\.fetch/, 'no account was created by the forged requests');
  });

  it('locks an account out after wrong passwords', async () => {
    const base = gazette.url;
    const page = await (await browser.newContext(DESKTOP)).newPage();
    const messages = [];
    for (let i = 0; i < 16; i++) {
      await page.goto(`${base}/api/web/sign-in`);
      await page.locator('#f-username').fill('nation.admin');
      await page.locator('#f-password').fill(`wrong password ${i}`);
      await clickAndLoad(page, page.getByRole('button', { name: '登录', exact: true }));
      messages.push(await page.locator('.gz-error-summary').innerText());
      if (/锁定/.test(messages[messages.length - 1])) break;
      if (/秒后再试/.test(messages[messages.length - 1])) await new Promise((r) => setTimeout(r, 5_500));
    }
    assert.match(messages[0], /账号或密码不正确/);
    assert.ok(messages.some((m) => /秒后再试/.test(m)), `wrong passwords slow down: ${messages}`);
    assert.match(messages[messages.length - 1], /已锁定/);
    // Locked: even the right password is refused.
    await page.goto(`${base}/api/web/sign-in`);
    await page.locator('#f-username').fill('nation.admin');
    await page.locator('#f-password').fill(NEW_PASSWORD);
    await clickAndLoad(page, page.getByRole('button', { name: '登录', exact: true }));
    assert.match(await page.locator('.gz-error-summary').innerText(), /已锁定/);
  });
});
