'use strict';
// Typical cases (seed 000) in a real browser: a province uploads a case with a PDF,
// the organisers return it with a comment, the province edits and resubmits it, the
// organisers approve it. Every step goes through the pages' own forms and links; the
// approved case page passes axe and is screenshotted as `case`. An integrity case
// (seed 004) goes down the chain to an institution, whose page with the result form
// passes axe and is screenshotted as `integrity-case`.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, screenshot, signIn, clickAndLoad, open, registerIntegrityCase, registerUnit } = require('./harness');

// The smallest file a PDF reader opens; what matters here is its name and type.
const PDF = '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n';

describe('typical cases', { timeout: 240_000 }, () => {
  let gazette, browser, context, tmp;

  before(async () => {
    gazette = await startGazette();
    // The institution the province forwards to, registered in the directory.
    await registerUnit(gazette.url, { code: 'hosp-3', name: '某某省第三医院', region: 'hebei' });
    browser = await launchBrowser();
    context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-cases-'));
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (browser) assert.deepEqual(browser.blockedRequests, [], 'pages asked for something outside 127.0.0.1');
  });

  it('are uploaded, returned with a comment, resubmitted and approved', async () => {
    const base = gazette.url;
    const page = await context.newPage();
    const main = page.locator('main');
    const pdf = path.join(tmp, '实施方案.pdf');
    fs.writeFileSync(pdf, PDF);
    const title = '科技成果评价改革试点';
    const comment = '请补充试点成效的数据。';

    // The province uploads its case with the file.
    await signIn(page, base, { role: 'regional-admin', region: 'hebei' });
    await open(page, base, '/api/web/cases');
    await clickAndLoad(page, main.getByRole('link', { name: '上传典型案例' }));
    assert.equal(new URL(page.url()).pathname, '/api/web/cases/new');
    assert.equal(await page.locator('#f-region').inputValue(), 'hebei', 'the region is the province’s own');
    await page.locator('#f-title').fill(title);
    await page.locator('#f-provider').fill('河北省科技厅');
    await page.locator('#f-category').selectOption('evaluation');
    await page.locator('#f-date').fill('2022-06-20');
    await page.locator('#f-summary').fill('以评价改革为抓手，建立分类评价体系。');
    await page
      .locator('#f-body')
      .fill('## 一、背景\n\n为深入贯彻落实《关于完善科技成果评价机制的指导意见》，河北省开展科技成果评价改革试点。\n\n## 二、做法\n\n分类评价。');
    await page.locator('#f-attachments').setInputFiles(pdf);
    await clickAndLoad(page, main.getByRole('button', { name: '提交审核' }));
    const caseUrl = page.url().replace(/\?.*$/, '');
    assert.match(caseUrl, /\/api\/web\/cases\/[0-9A-Z]{26}$/, 'the upload leads to the case page');
    assert.equal(await page.locator('h1').innerText(), title);
    await main.getByText('案例已上传。').waitFor();
    await main.getByText('案例已提交，等待主办单位审核。').waitFor();
    await main.locator('.gz-status', { hasText: '待审核' }).first().waitFor();

    // Its file opens through the case page's link.
    const [download] = await Promise.all([page.waitForEvent('download'), main.getByRole('link', { name: '实施方案.pdf' }).click()]);
    assert.equal(fs.readFileSync(await download.path(), 'latin1'), PDF);

    // The organisers return it with a comment.
    await signIn(page, base, { role: 'organiser' });
    await open(page, '', caseUrl);
    await page.locator('#return-comment').fill(comment);
    await clickAndLoad(page, page.locator('form#return button[type=submit]'));
    await main.getByText('已退回修改。').waitFor();
    await main.getByText(`审核意见：${comment}`).waitFor();

    // The province sees why, edits the summary, keeps the file and resubmits.
    await signIn(page, base, { role: 'regional-admin', region: 'hebei' });
    await open(page, '', caseUrl);
    await main.getByText(`审核意见：${comment}`).waitFor();
    assert.equal(await page.locator('#f-title').inputValue(), title, 'the form holds the case');
    assert.ok(await main.getByLabel('保留 实施方案.pdf').isChecked(), 'the uploaded file is kept');
    await page.locator('#f-summary').fill('试点后验收周期缩短一半。');
    await clickAndLoad(page, main.getByRole('button', { name: '修改后重新提交' }));
    await main.getByText('已修改并重新提交。').waitFor();
    await main.getByText('试点后验收周期缩短一半。').waitFor();

    // The organisers approve it.
    await signIn(page, base, { role: 'organiser' });
    await open(page, '', caseUrl);
    await clickAndLoad(page, page.locator('form#approve button[type=submit]'));
    await main.getByText('审核通过，待导出为网站内容后发布。').waitFor();
    assert.equal(await page.locator('form#approve').count(), 0, 'nothing is left to decide');
    const steps = await page.locator('.gz-timeline > li .gz-timeline__title strong').allInnerTexts();
    assert.deepEqual(steps, ['上传案例', '退回修改', '修改后重新提交', '审核通过']);
    assert.match(await page.locator('.gz-timeline').innerText(), new RegExp(comment));

    await checkA11y(page, 'approved typical case');
    await screenshot(page, 'case');
    await page.close();
  });

  it('integrity cases go from the nation to an institution, whose result form passes axe', async () => {
    const base = gazette.url;
    const page = await context.newPage();
    const main = page.locator('main');
    const paper = 'A Hybrid Intelligent System for Company Financial Risk Detection';

    // The national account registers a retracted paper for Hebei and sends it there.
    await signIn(page, base, { role: 'national-admin' });
    const caseUrl = await registerIntegrityCase(page, base, paper);
    assert.equal(await page.locator('#dispatch-region').inputValue(), 'hebei');
    await clickAndLoad(page, page.locator('form#dispatch button[type=submit]'));
    await main.getByText('已发送至省级办理。').waitFor();

    // The province forwards it to the hospital.
    await signIn(page, base, { role: 'regional-admin', region: 'hebei' });
    await open(page, '', caseUrl);
    await page.locator('#forward-unit').selectOption({ label: '某某省第三医院（hosp-3）' });
    await clickAndLoad(page, page.locator('form#forward button[type=submit]'));
    await main.getByText('已转办至机构。').waitFor();

    // The hospital's page: the case, its progress and the result form.
    await signIn(page, base, { role: 'unit-admin', unit: 'hosp-3' });
    await open(page, '', caseUrl);
    await main.getByRole('heading', { name: '填写办理结果' }).waitFor();
    await main.getByRole('button', { name: '保存并提交审核' }).waitFor();
    await checkA11y(page, 'integrity case at the institution');
    await screenshot(page, 'integrity-case');
    await page.close();
  });
});
