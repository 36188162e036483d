'use strict';
// An integrity case's result (seed 004) as the institution fills it in, with the
// page's script and without it: saved with a finding and one author, then saved
// again after a penalty set with (五) and its period (chosen as 3 years) is added — the periods of the
// penalties not chosen are neither stored nor checked — with a second author added
// (and one removed) through the group's own buttons; submitted, returned by the
// province, changed and submitted again. Progress (办理进度) shows one "saved" step
// per stretch of saves, and every page fits a phone's width.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const {
  startGazette,
  launchBrowser,
  checkA11y,
  signIn,
  clickAndLoad,
  open,
  fitsPhone,
  pressRowButton,
  registerIntegrityCase,
  registerUnit,
} = require('./harness');

const PDF = '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n';
const STEP_MS = 30_000;

describe('an integrity result at the institution', { timeout: 600_000 }, () => {
  let gazette, browser, tmp, pdf;

  before(async () => {
    gazette = await startGazette();
    browser = await launchBrowser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-integrity-'));
    pdf = path.join(tmp, '调查报告.pdf');
    fs.writeFileSync(pdf, PDF);
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (browser) assert.deepEqual(browser.blockedRequests, [], 'pages asked for something outside 127.0.0.1');
  });

  async function newPage(options = {}) {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    page.scriptErrors = [];
    page.on('pageerror', (e) => page.scriptErrors.push(e.message));
    return page;
  }

  // The nation registers a retracted paper for Hebei and sends it; the province
  // forwards it to `unit`. Resolves with the case page's address.
  async function caseAt(unit, paper) {
    const base = gazette.url;
    await registerUnit(base, { code: unit, name: `${unit} 医院`, region: 'hebei' });
    const page = await newPage();
    const main = page.locator('main');
    await signIn(page, base, { role: 'national-admin' });
    const caseUrl = await registerIntegrityCase(page, base, paper);
    await clickAndLoad(page, page.locator('form#dispatch button[type=submit]'));
    await signIn(page, base, { role: 'regional-admin', region: 'hebei' });
    await open(page, '', caseUrl);
    await page.locator('#forward-unit').selectOption(unit);
    await clickAndLoad(page, page.locator('form#forward button[type=submit]'));
    await main.getByText('已转办至机构。').waitFor();
    await page.context().close();
    return caseUrl;
  }

  const button = (page, name) => page.locator('#form-integrity-result').getByRole('button', { name, exact: true });

  async function saved(page) {
    await page.locator('main').getByText('办理结果已保存。').waitFor();
    assert.equal(await page.locator('#form-integrity-result .gz-error-summary:not([hidden])').count(), 0, 'saved without errors');
  }

  // The institution's whole round, with or without the script.
  async function institutionRound({ javaScriptEnabled }) {
    const unit = javaScriptEnabled ? 'hosp-js' : 'hosp-plain';
    const caseUrl = await caseAt(unit, `Retracted paper ${unit}`);
    const base = gazette.url;
    const page = await newPage({ javaScriptEnabled });
    const main = page.locator('main');
    await signIn(page, base, { role: 'unit-admin', unit });
    await open(page, '', caseUrl);
    const form = page.locator('#form-integrity-result');
    if (javaScriptEnabled) await page.waitForFunction(() => document.getElementById('form-integrity-result').noValidate);

    // 是, one author: saved.
    await form.locator('#f-finding-0').check();
    await form.locator('#f-authors-0-name').fill('王星星');
    await form.locator('#f-authors-0-institution').fill('某某省第三医院');
    await form.locator('#f-authors-0-id_number').fill('11010519491231002X');
    await form.locator('#f-authors-0-role').selectOption('first');
    await clickAndLoad(page, button(page, '保存'));
    await saved(page);
    assert.equal(await form.locator('#f-penalty_sets-0-years_suspend-0').isChecked(), false, 'a period not asked is not stored');

    // Penalty (五) for 3 years: saved again, nothing said of the periods not chosen.
    await form.locator('#f-authors-0-penalty_set').selectOption('1');
    await form.locator('#f-penalty_sets-0-misconduct_kinds-1').check();
    await form.locator('#f-penalty_sets-0-severity-2').check();
    await form.locator('#f-penalty_sets-0-penalties-4').check();
    if (javaScriptEnabled) {
      await page.locator('[data-field="penalty_sets[0].years_ban_projects"]').waitFor({ state: 'visible' });
      assert.ok(await page.locator('[data-field="penalty_sets[0].years_suspend"]').isHidden(), 'a period not chosen is not asked');
    }
    const years = (n) => form.locator(`#f-penalty_sets-0-years_ban_projects-${n - 1}`);
    await years(3).check();
    await clickAndLoad(page, button(page, '保存'));
    await saved(page);
    assert.ok(await years(3).isChecked(), '3 years kept');

    // A second author through the group's button, and a third added and removed again.
    await fitsPhone(page, 'the result form');
    const authors = form.locator('[data-field="authors"] > fieldset.gz-row');
    assert.equal(await authors.count(), 1, 'one author so far');
    const add = form.getByRole('button', { name: '添加作者' });
    const press = (locator) => pressRowButton(page, locator, { javaScriptEnabled });
    await press(add);
    assert.ok(await years(3).isChecked(), 'what was chosen is kept');
    assert.equal(await authors.count(), 2);
    await form.locator('#f-authors-1-name').fill('张三');
    await form.locator('#f-authors-1-institution').fill('某某省第三医院');
    await form.locator('#f-authors-1-id_number').fill('440304199001011233');
    await form.locator('#f-authors-1-role').selectOption('corresponding');
    await form.locator('#f-authors-1-penalty_set').selectOption('none');
    await press(add);
    assert.equal(await authors.count(), 3);
    if (!javaScriptEnabled) {
      // A row added without the script is a round trip, and a full ID number is
      // never kept between pages: the new author's is asked for again.
      await main.getByText('为保护个人信息，填写的身份证号未予保留，请重新填写。').first().waitFor();
    }
    await press(form.getByRole('button', { name: '删除：作者 3' }));
    assert.equal(await authors.count(), 2, 'the third row is gone');
    assert.equal(await form.locator('#f-authors-1-name').inputValue(), '张三');
    if (!javaScriptEnabled) {
      assert.equal(await form.locator('#f-authors-1-id_number').inputValue(), '');
      await form.locator('#f-authors-1-id_number').fill('440304199001011233');
    }

    // The files, then saved and submitted.
    for (const field of ['report', 'author_statements', 'interview_records', 'raw_data', 'submission_records']) {
      await form.locator(`#f-${field}`).setInputFiles(pdf);
    }
    await clickAndLoad(page, button(page, '保存并提交审核'));
    assert.match(page.url(), /\/submit$/, 'the check-your-answers page');
    const answers = await main.innerText();
    assert.match(answers, /张三/);
    assert.match(answers, /禁止承担或参与科技活动期限/);
    assert.match(answers, /3 年/);
    assert.doesNotMatch(answers, /暂停期限/, 'a period not chosen is not among the answers');
    await clickAndLoad(page, page.getByRole('button', { name: '确认提交' }));
    await main.getByText('办理结果已提交。').waitFor();

    // The province returns it.
    const province = await newPage();
    await signIn(province, base, { role: 'regional-admin', region: 'hebei' });
    await open(province, '', caseUrl);
    await province.locator('#form-integrity-review #f-opinion').fill('请补充作者情况说明。');
    await clickAndLoad(province, province.locator('#form-integrity-review').getByRole('button', { name: '退回修改' }));
    await province.locator('main').getByText('已退回修改。').waitFor();
    await province.context().close();

    // Changed, saved and submitted again after the return.
    await open(page, '', caseUrl);
    await main.getByText('审查意见：请补充作者情况说明。').waitFor();
    assert.ok(await years(3).isChecked());
    await years(4).check();
    await clickAndLoad(page, button(page, '保存'));
    await saved(page);
    await clickAndLoad(page, button(page, '保存并提交审核'));
    await clickAndLoad(page, page.getByRole('button', { name: '确认提交' }));
    await main.getByText('办理结果已提交。').waitFor();
    await main.getByText('待省级审核结果').first().waitFor();

    // Progress: the steps and decisions, one "saved" per stretch of saves.
    const steps = await page.locator('.gz-timeline__title strong').allInnerTexts();
    assert.deepEqual(steps, [
      '登记案件',
      '发送至省级办理',
      '转办至机构',
      '保存办理结果',
      '提交办理结果',
      '省级审核退回',
      '保存办理结果',
      '提交办理结果',
    ]);
    await fitsPhone(page, 'the case with its result and progress');
    if (javaScriptEnabled) {
      await checkA11y(page, 'integrity case submitted again');
      assert.deepEqual(page.scriptErrors, [], 'no script errors');
    }
    await page.context().close();
  }

  it('is saved again after a penalty is added, and resubmitted after a return, without the script', async () => {
    await institutionRound({ javaScriptEnabled: false });
  });

  it('is saved again after a penalty is added, and resubmitted after a return, with the script', async () => {
    await institutionRound({ javaScriptEnabled: true });
  });
});
