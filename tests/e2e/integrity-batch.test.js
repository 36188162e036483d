'use strict';
// A batch of retracted papers (seed 004) from its workbook to 办结: the national account
// imports the batch on the list page and sends it straight to the institution (此次直接
// 发至机构); the institution records the result with two authors under different
// penalty sets, and the investigation report and items 1–4; the province approves with
// its opinion and official letter, which the national reviewer sees before closing
// the case.

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, signIn, clickAndLoad, open, pressRowButton, registerUnit } = require('./harness');

const PDF = '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n';
const STEP_MS = 30_000;

/** Writes an .xlsx workbook of `rows` (the first the header) at `file`, with
 * Python's standard library: a sheet of inline strings, as spreadsheets save them. */
function writeWorkbook(file, rows) {
  const script = `
import json, sys, zipfile
from xml.sax.saxutils import escape
rows = json.loads(sys.argv[2])
def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
cells = "".join(
    '<row r="%d">' % (r + 1) + "".join(
        '<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col(c), r + 1, escape(v)) for c, v in enumerate(row)
    ) + "</row>" for r, row in enumerate(rows))
files = {
  "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
  "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="撤稿论文" sheetId="1" r:id="rId1"/></sheets></workbook>',
  "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
  "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + cells + '</sheetData></worksheet>',
}
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in files.items():
        z.writestr(name, text)
`;
  const run = spawnSync('python3', ['-c', script, file, JSON.stringify(rows)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

describe('an imported batch of integrity cases', { timeout: 600_000 }, () => {
  let gazette, browser, tmp, pdf, sheet;

  before(async () => {
    gazette = await startGazette();
    browser = await launchBrowser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-batch-'));
    pdf = path.join(tmp, '调查报告.pdf');
    fs.writeFileSync(pdf, PDF);
    sheet = path.join(tmp, '撤稿论文.xlsx');
    writeWorkbook(sheet, [
      ['编号', '标题', '作者姓名', '第一通讯作者单位', '行政区划'],
      ['1', '测试论文', '王星星; 张三', '河北省第三医院', '河北省'],
      ['2', '第二篇撤稿论文', '李四', '河北省第三医院', '河北省'],
    ]);
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

  it('goes from the workbook to 办结 with two authors under different penalties', async () => {
    const base = gazette.url;
    await registerUnit(base, { code: 'hosp-b', name: '河北省第三医院', region: 'hebei' });

    // The nation imports the batch and sends it straight to the institution.
    const nation = await newPage();
    await signIn(nation, base, { role: 'national-admin' });
    await open(nation, '', `${base}/api/web/integrity-cases`);
    const importing = nation.locator('form[action$="/act/integrity-cases/import"]');
    await importing.locator('#f-batch_name').fill('2023年第1批');
    await importing.locator('#f-sheet').setInputFiles(sheet);
    await clickAndLoad(nation, importing.getByRole('button', { name: '导入' }));
    const main = nation.locator('main');
    await main.getByText('撤稿论文已导入。').waitFor();
    assert.equal(await main.locator('tbody tr').count(), 2, 'the batch is listed');
    await clickAndLoad(nation, main.getByRole('link', { name: '举报案件', exact: true }));
    await main.getByText('没有需要您办理或查看的案件。').waitFor();
    await clickAndLoad(nation, main.getByRole('link', { name: '撤稿论文', exact: true }));
    const dispatching = nation.locator('form#dispatch');
    await dispatching.locator('#batch').selectOption('2023年第1批');
    await dispatching.locator('#to').selectOption('institution');
    await clickAndLoad(nation, dispatching.getByRole('button', { name: '发送' }));
    await main.getByText('已批量发送。').waitFor();
    assert.equal(await main.locator('tbody tr', { hasText: '待机构办理' }).count(), 2);
    await checkA11y(nation, 'the integrity lists with the import and dispatch forms');

    // The institution records the result: two authors, two penalty sets.
    const hospital = await newPage();
    await signIn(hospital, base, { role: 'unit-admin', unit: 'hosp-b' });
    await open(hospital, '', `${base}/api/web/integrity-cases`);
    await clickAndLoad(hospital, hospital.locator('main').getByRole('link', { name: '测试论文' }));
    const caseUrl = hospital.url().replace(/\?.*$/, '');
    const form = hospital.locator('#form-integrity-result');
    await hospital.waitForFunction(() => document.getElementById('form-integrity-result').noValidate);
    await hospital.getByRole('link', { name: '下载机构调查报告模板' }).waitFor();
    await form.locator('#f-finding-0').check();
    await form.locator('#f-authors-0-name').fill('王星星');
    await form.locator('#f-authors-0-institution').fill('河北省第三医院');
    await form.locator('#f-authors-0-id_number').fill('11010519491231002X');
    await form.locator('#f-authors-0-role').selectOption('first');
    await form.locator('#f-authors-0-penalty_set').selectOption('1');
    const press = (locator) => pressRowButton(hospital, locator, { javaScriptEnabled: true });
    await press(form.getByRole('button', { name: '添加作者' }));
    await form.locator('#f-authors-1-name').fill('张三');
    await form.locator('#f-authors-1-institution').fill('河北省第三医院');
    await form.locator('#f-authors-1-id_number').fill('440304199001011233');
    await form.locator('#f-authors-1-role').selectOption('corresponding');
    await form.locator('#f-authors-1-penalty_set').selectOption('2');
    // Set 1: fabrication, grave — a project ban of 4 years and the database.
    await form.locator('#f-penalty_sets-0-misconduct_kinds-1').check();
    await form.locator('#f-penalty_sets-0-severity-2').check();
    await form.locator('#f-penalty_sets-0-penalties-4').check();
    await form.locator('#f-penalty_sets-0-penalties-12').check();
    await form.locator('#f-penalty_sets-0-years_ban_projects-3').check();
    // Set 2: authorship, minor — a formal admonition.
    await press(form.getByRole('button', { name: '添加处理措施' }));
    await form.locator('#f-penalty_sets-1-misconduct_kinds-5').check();
    await form.locator('#f-penalty_sets-1-severity-0').check();
    await form.locator('#f-penalty_sets-1-penalties-0').check();
    for (const field of ['report', 'author_statements', 'interview_records', 'raw_data', 'submission_records']) {
      await form.locator(`#f-${field}`).setInputFiles(pdf);
    }
    await clickAndLoad(hospital, form.getByRole('button', { name: '保存并提交审核', exact: true }));
    assert.match(hospital.url(), /\/submit$/, 'the check-your-answers page');
    const answers = await hospital.locator('main').innerText();
    assert.match(answers, /按第 1 组处理措施处理/);
    assert.match(answers, /按第 2 组处理措施处理/);
    assert.match(answers, /4 年/);
    assert.match(answers, /科研诚信诫勉谈话/);
    await clickAndLoad(hospital, hospital.getByRole('button', { name: '确认提交' }));
    await hospital.locator('main').getByText('办理结果已提交。').waitFor();
    assert.deepEqual(hospital.scriptErrors, [], 'no script errors');

    // The province approves with its opinion and official letter.
    const province = await newPage();
    await signIn(province, base, { role: 'regional-admin', region: 'hebei' });
    await open(province, '', caseUrl);
    const review = province.locator('#form-integrity-review');
    await review.locator('#f-opinion').fill('经审核，处理结果属实。');
    await review.locator('#f-letter').setInputFiles(pdf);
    await clickAndLoad(province, review.getByRole('button', { name: '审核通过' }));
    await province.locator('main').getByText('待国家审核结果').first().waitFor();

    // The nation sees the letter and closes the case.
    await open(nation, '', caseUrl);
    await main.getByText('审核意见：经审核，处理结果属实。').waitFor();
    await main.getByText('省卫健委正式函件：').waitFor();
    await clickAndLoad(nation, nation.locator('form#review').getByRole('button', { name: '审核通过（办结）' }));
    await main.getByText('已审核通过，案件办结。').waitFor();
    await main.getByText('已办结').first().waitFor();
    const steps = await nation.locator('.gz-timeline__title strong').allInnerTexts();
    assert.deepEqual(steps.filter((s) => s !== '保存办理结果'), ['导入批次', '直接发至机构', '提交办理结果', '省级审核通过', '国家审核通过（办结）']);
    for (const p of [nation, hospital, province]) await p.context().close();
  });
});
