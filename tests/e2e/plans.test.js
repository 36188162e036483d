'use strict';
// The annual training plan (seed 001) in a real browser: a unit's filler opens the
// plan form from its notice, sees the fields of a project appear for its kind (days
// for a seminar, sessions for a lecture series), fills one flagship seminar with its
// course plan attached, is told what the guide asks of a flagship project (at least
// 70 people, run before, funding asked for), fixes it and submits; the organiser
// approves the plan from the review queue, deciding the flagship project (遴选), and
// the unit exports the plan list to Excel and prints it to stamp (seed 001).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, screenshot, clickAndLoad, signIn, open, fitsPhone, pressRowButton } = require('./harness');

const UNIT = 'ioz-1';
const NOTICE = '/notices/cas-2027-jixu-jiaoyu-jihua/';
const WAIT_MS = 30_000;

/** Fills row `i` of the plan form as the special training on the Party congress. */
async function fillSpecial(form, i, start, end) {
  await form.locator(`#f-projects-${i}-name`).fill('学习贯彻党的二十大精神专题培训');
  await form.locator(`#f-projects-${i}-kind`).selectOption('special');
  await form.locator(`#f-projects-${i}-start`).fill(start);
  await form.locator(`#f-projects-${i}-end`).fill(end);
  await form.locator(`#f-projects-${i}-runs`).fill('2');
  await form.locator(`#f-projects-${i}-days`).fill('2');
  await form.locator(`#f-projects-${i}-participants`).fill('150');
  await form.locator(`#f-projects-${i}-budget`).fill('2');
}

describe('annual training plan', { timeout: 300_000 }, () => {
  let gazette, browser, tmp;

  before(async () => {
    gazette = await startGazette();
    browser = await launchBrowser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-plan-'));
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is filled with a project and its attachment, corrected, submitted and approved', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, gazette.url, { role: 'filler', unit: UNIT });

    // From the notice that calls for the plans to the form.
    await open(page, gazette.url, NOTICE);
    await clickAndLoad(page, page.locator('.call-to-action a', { hasText: '在线填报' }));
    assert.equal(new URL(page.url()).pathname, '/api/web/plans/new');
    const form = page.locator('#form-training-plan');
    await page.waitForFunction(() => document.getElementById('form-training-plan').noValidate);

    // The kind of a project decides which of its fields are asked.
    const days = page.locator('[data-field="projects[0].days"]');
    const sessions = page.locator('[data-field="projects[0].sessions"]');
    await form.locator('#f-projects-0-kind').selectOption('lecture');
    await sessions.waitFor({ state: 'visible', timeout: WAIT_MS });
    await days.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await form.locator('#f-projects-0-kind').selectOption('seminar');
    await days.waitFor({ state: 'visible', timeout: WAIT_MS });
    await sessions.waitFor({ state: 'hidden', timeout: WAIT_MS });

    await form.locator('#f-unit_name').fill('中国科学院动物研究所');
    await form.locator('#f-unit_type-0').check();
    await form.locator('#f-contact_name').fill('王五');
    await form.locator('#f-contact_phone').fill('13912345678');
    await form.locator('#f-contact_email').fill('wangwu@example.org');
    await form.locator('#f-projects-0-name').fill('动物多样性保护技术精品培训班');
    await form.locator('#f-projects-0-tier').selectOption('flagship');
    await form.locator('#f-projects-0-start').fill('2027-05-10');
    await form.locator('#f-projects-0-end').fill('2027-05-14');
    await form.locator('#f-projects-0-runs').fill('1');
    await form.locator('#f-projects-0-days').fill('5');
    await form.locator('#f-projects-0-participants').fill('60');
    await form.locator('#f-projects-0-budget').fill('30');
    await form.locator('#f-projects-0-flagship').check();
    await page.locator('[data-field="projects[0].plan_document"]').waitFor({ state: 'visible', timeout: WAIT_MS });
    const pdf = path.join(tmp, 'peixun-fangan.pdf');
    fs.writeFileSync(pdf, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    await form.locator('#f-projects-0-plan_document').setInputFiles(pdf);

    // The special training on the Party congress every plan holds.
    await form.getByRole('button', { name: '添加培训项目' }).click();
    await page.locator('#f-projects-1-name').waitFor({ state: 'visible', timeout: WAIT_MS });
    await fillSpecial(form, 1, '2027-03-06', '2027-03-07');

    // A flagship seminar takes at least 70 and must have run before: said in place.
    await form.getByRole('button', { name: '提交计划', exact: true }).click();
    const summary = page.locator('#form-training-plan-summary');
    await summary.waitFor({ state: 'visible', timeout: WAIT_MS }).catch(async (e) => {
      throw new Error(`no error summary; at ${page.url()}:\n${(await page.locator('main').innerText()).slice(0, 1500)}`);
    });
    const said = (await summary.innerText()).replace(/\s+/g, ' ');
    await fitsPhone(page, 'the plan form with its errors');
    assert.match(said, /不少于 70 人/);
    assert.match(said, /至少已举办过 1 次/);
    await checkA11y(page, 'training plan form with errors');
    await screenshot(page, 'plan-errors');

    // Funded, run before and funded last year: then the course plan is the one file asked.
    await form.locator('#f-projects-0-participants').fill('72');
    await form.locator('#f-projects-0-held_before').check();
    await form.locator('#f-projects-0-apply_funding').check();
    await form.locator('#f-projects-0-funded_last_year').check();
    const submitted = page.waitForURL(/\/api\/web\/plans\/ioz-1\/2027$/, { timeout: WAIT_MS });
    await form.getByRole('button', { name: '提交计划', exact: true }).click();
    await submitted.catch(async () => {
      throw new Error(`not submitted; the page says:\n${(await summary.innerText()).slice(0, 1500)}`);
    });
    await page.waitForLoadState('load');
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '待审核');
    const body = await page.locator('main').innerText();
    assert.match(body, /动物多样性保护技术精品培训班/);
    assert.match(body, /peixun-fangan\.pdf/, 'the attachment is listed with the project');

    // The organiser finds it waiting and approves it.
    const reviewer = await browser.newContext();
    const desk = await reviewer.newPage();
    await signIn(desk, gazette.url, { role: 'organiser' });
    await open(desk, gazette.url, '/api/web/review');
    await clickAndLoad(desk, desk.locator('a', { hasText: '中国科学院动物研究所 2027 年度培训计划' }));
    // The organiser opens the attachment, then decides the flagship project (遴选) with the plan.
    const attachment = desk.locator('section.gz-part a', { hasText: 'peixun-fangan.pdf' });
    const href = await attachment.getAttribute('href');
    assert.match(href, /\/api\/web\/plans\/ioz-1\/2027\/file\?key=/);
    const opened = await desk.request.get(gazette.url + href);
    assert.equal(opened.status(), 200);
    assert.match(await opened.text(), /^%PDF-1\.4/, 'the file the unit uploaded');
    // Approving without deciding the project is refused, naming it.
    await clickAndLoad(desk, desk.locator('button', { hasText: '审核通过' }));
    assert.match(await desk.locator('main').innerText(), /动物多样性保护技术精品培训班）的“遴选结果”：请选择/);
    await desk.locator('#f-selection-0').selectOption('funded');
    await clickAndLoad(desk, desk.locator('button', { hasText: '审核通过' }));
    assert.equal((await desk.locator('.gz-status__label strong').innerText()).trim(), '审核通过');
    assert.match(await desk.locator('section.gz-part').first().innerText(), /遴选结果\s*经费资助/);
    await screenshot(desk, 'plan-approved');
    await reviewer.close();

    // The unit exports its list to stamp and send: Excel, and a page to print.
    await page.reload();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT_MS }),
      page.locator('a', { hasText: '导出计划列表（Excel）' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'training-plan-ioz-1-2027.xlsx');
    const saved = path.join(tmp, 'list.xlsx');
    await download.saveAs(saved);
    assert.equal(fs.readFileSync(saved).subarray(0, 2).toString(), 'PK', 'an xlsx workbook');
    await clickAndLoad(page, page.locator('a', { hasText: '打印计划列表' }));
    const list = page.locator('table.gz-plan-list__table');
    assert.equal(await list.locator('tbody tr').count(), 2);
    assert.match(await list.innerText(), /经费资助/);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.site-header').isVisible(), false, 'printed without the site around it');
    assert.match(await page.locator('.gz-plan-list__stamp').innerText(), /单位（盖章）/);
    await screenshot(page, 'plan-list-print');
    await page.emulateMedia({ media: 'screen' });
    await context.close();
  });

  // Two projects — a seminar and a lecture series — through the group's own
  // buttons (a third added and removed again), the spending rate of last year's
  // funding; the plan then shows each project's own fields only, and the rate as %.
  async function twoProjects({ javaScriptEnabled }) {
    const unit = javaScriptEnabled ? 'ioz-2' : 'ioz-3';
    const context = await browser.newContext({ javaScriptEnabled });
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    const scriptErrors = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    await signIn(page, gazette.url, { role: 'filler', unit });
    await open(page, gazette.url, '/api/web/plans/new');
    const form = page.locator('#form-training-plan');
    if (javaScriptEnabled) await page.waitForFunction(() => document.getElementById('form-training-plan').noValidate);
    const rows = form.locator('[data-field="projects"] > fieldset.gz-row');
    assert.equal(await rows.count(), 1, 'one project to start with');

    await form.locator('#f-unit_name').fill(`中国科学院测试研究所 ${unit}`);
    await form.locator('#f-unit_type-0').check();
    await form.locator('#f-contact_name').fill('王五');
    await form.locator('#f-contact_phone').fill('13912345678');
    await form.locator('#f-contact_email').fill('wangwu@example.org');
    await form.locator('#f-prior_funded').check();
    await form.locator('#f-prior_execution_rate').fill('85.5');
    await form.locator('#f-projects-0-name').fill('高分子材料表征技术研修班');
    await form.locator('#f-projects-0-kind').selectOption('seminar');
    await form.locator('#f-projects-0-tier').selectOption('institute');
    await form.locator('#f-projects-0-start').fill('2027-05-08');
    await form.locator('#f-projects-0-end').fill('2027-05-10');
    await form.locator('#f-projects-0-runs').fill('1');
    await form.locator('#f-projects-0-days').fill('3');
    await form.locator('#f-projects-0-participants').fill('40');
    await form.locator('#f-projects-0-budget').fill('5');

    // "添加培训项目": without the script the form comes back with what was typed
    // and a blank project; with it the project appears in place.
    const add = form.getByRole('button', { name: '添加培训项目' });
    const press = async (locator) => {
      const at = await pressRowButton(page, locator, { javaScriptEnabled });
      assert.equal(new URL(at).pathname, '/api/web/plans/new', 'the same form');
    };
    await press(add);
    assert.equal(await rows.count(), 2);
    assert.equal(await form.locator('#f-projects-0-name').inputValue(), '高分子材料表征技术研修班', 'kept');
    assert.equal(await form.locator('#f-prior_execution_rate').inputValue(), '85.5', 'kept');
    assert.equal(await rows.nth(1).locator('legend').innerText(), '培训项目 2');
    await form.locator('#f-projects-1-name').fill('学术前沿讲坛');
    await form.locator('#f-projects-1-kind').selectOption('lecture');
    if (javaScriptEnabled) {
      await page.locator('[data-field="projects[1].sessions"]').waitFor({ state: 'visible' });
      await page.locator('[data-field="projects[1].days"]').waitFor({ state: 'hidden' });
    }
    await form.locator('#f-projects-1-tier').selectOption('institute');
    await form.locator('#f-projects-1-start').fill('2027-03-01');
    await form.locator('#f-projects-1-end').fill('2027-12-20');
    await form.locator('#f-projects-1-sessions').fill('8');
    await form.locator('#f-projects-1-hours_per_session').fill('2.5');
    await form.locator('#f-projects-1-runs').fill('1');
    await form.locator('#f-projects-1-participants').fill('200');
    await form.locator('#f-projects-1-budget').fill('0');
    await fitsPhone(page, 'the plan form with two projects');

    // A third: the special training every plan holds.
    await press(add);
    assert.equal(await rows.count(), 3);
    await fillSpecial(form, 2, '2027-04-10', '2027-04-11');

    // A fourth, removed again.
    await press(add);
    assert.equal(await rows.count(), 4);
    await press(form.getByRole('button', { name: '删除：培训项目 4' }));
    assert.equal(await rows.count(), 3);
    assert.equal(await form.locator('#f-projects-1-name').inputValue(), '学术前沿讲坛');

    // Submitted: the plan holds both.
    await clickAndLoad(page, form.getByRole('button', { name: '提交计划', exact: true }));
    assert.equal(new URL(page.url()).pathname, `/api/web/plans/${unit}/2027`, `submitted: ${await page.locator('main').innerText()}`);
    assert.equal((await page.locator('.gz-status__label strong').innerText()).trim(), '待审核');
    const projects = page.locator('section.gz-part');
    assert.equal(await projects.count(), 3);
    const seminar = await projects.nth(0).innerText();
    assert.match(seminar, /培训天数\s*3 天/);
    assert.doesNotMatch(seminar, /讲座场次|单场学时/, 'a seminar has no sessions');
    const lecture = await projects.nth(1).innerText();
    assert.match(lecture, /讲座场次\s*8 场/);
    assert.match(lecture, /单场学时\s*2\.5 学时/);
    assert.doesNotMatch(lecture, /培训天数/, 'a lecture series has no days');
    assert.match(await page.locator('main').innerText(), /上年度院级资助项目经费执行率\s*85\.5%/);
    assert.deepEqual(scriptErrors, [], 'no script errors');
    await context.close();
  }

  it('holds several projects, added and removed without the script', async () => {
    await twoProjects({ javaScriptEnabled: false });
  });

  it('holds several projects, added and removed with the script', async () => {
    await twoProjects({ javaScriptEnabled: true });
  });
});
