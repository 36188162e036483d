'use strict';
// Learning records in a real browser: a learner signed in registers for an online
// course, is approved, studies its two lessons — the first with the page's script
// (progress reported, 学完本节 in place), the second without it (the form posts) —
// and sees the hours in 我的课程 and the growth record; the organiser records
// attendance at an offline course; an administrator filters the statistics and the
// exported workbook has the sample table's columns and the right values.

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, checkA11y, clickAndLoad, open, signIn } = require('./harness');

const ONLINE = 'kjcgpj-zhengce-jiedu-xianshang-2026';
const ONLINE_TITLE = '科技成果评价改革政策解读（线上课程）';
const OFFLINE = 'cas-jingpin-heitu-liangcang-2027';
const LESSONS = ['01-zhengce-beijing', '02-shiwu-yaodian'];
const STEP_MS = 30_000;
const NAV_MS = 60_000;
const NAME = '周学员';
const ORGANISATION = '中国科学院东北地理与农业生态研究所';

const unique = (tag) => `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.org`;

/** `at` as Beijing wall-clock time, `2026-11-29 20:16:05`. */
function beijing(at) {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/** The first sheet of an xlsx as rows of cell texts, read with Python's zipfile. */
function readSheet(file) {
  const script = `
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
strings = [re.sub(r'<[^>]+>', '', si) for si in re.findall(r'<si>(.*?)</si>', z.read('xl/sharedStrings.xml').decode(), re.S)]
rows = []
for row in re.findall(r'<row [^>]*>(.*?)</row>', z.read('xl/worksheets/sheet1.xml').decode(), re.S):
    cells = {}
    for ref, body in re.findall(r'<c r="([A-Z]+)\\d+"[^>]*>(.*?)</c>', row, re.S):
        v = re.search(r'<v>(.*?)</v>', body)
        col = 0
        for ch in ref: col = col * 26 + ord(ch) - 64
        cells[col - 1] = strings[int(v.group(1))] if v else ''
    rows.append([cells.get(i, '') for i in range(max(cells) + 1 if cells else 0)])
print(json.dumps(rows, ensure_ascii=False))
`;
  const unescape = (s) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })).map((r) => r.map(unescape));
}

describe('learning records', { timeout: 600_000 }, () => {
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
    const context = await browser.newContext({ acceptDownloads: true, ...options });
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(NAV_MS);
    const page = await context.newPage();
    page.scriptErrors = [];
    page.on('pageerror', (e) => page.scriptErrors.push(e.message));
    return page;
  }

  async function register(page, course) {
    await open(page, gazette.url, `/courses/${course}/`);
    const form = page.locator('form#form-registration');
    await form.locator('#f-name').fill(NAME);
    await form.locator('#f-organisation').fill(ORGANISATION);
    await form.locator('#f-position').fill('副研究员');
    await form.locator('#f-phone').fill('18620680001');
    await form.locator('#f-email').fill(unique('learner'));
    await form.locator('#f-region').selectOption('heilongjiang');
    await form.locator('#f-consent').check();
    await clickAndLoad(page, form.getByRole('button', { name: '提交报名' }));
    assert.match(new URL(page.url()).pathname, /^\/api\/web\/receipt\//, 'the receipt');
  }

  async function approve(organiser, course) {
    await open(organiser, gazette.url, `/api/web/registrations?course=${course}&status=pending`);
    const row = organiser.locator('tr', { hasText: NAME });
    await clickAndLoad(organiser, row.locator('form[action$="/approve"] button'));
    await organiser.locator('tr', { hasText: NAME }).getByText('已通过').waitFor();
  }

  it('a learner studies an online course, an organiser records an offline one, an administrator exports', async () => {
    const learner = await newPage();
    await signIn(learner, gazette.url, { role: 'filler', unit: 'e2e-lab' });
    const organiser = await newPage();
    await signIn(organiser, gazette.url, { role: 'organiser' });

    // Registered while signed in, approved by the organiser.
    await register(learner, ONLINE);
    await open(learner, gazette.url, '/api/web/my-courses');
    assert.match(await learner.locator('main').innerText(), /报名待审核/, 'waiting for approval');
    await approve(organiser, ONLINE);
    const studyFrom = new Date(Date.now() - 1000);

    // Lesson one, with the script: the page's first report starts it, 学完本节 finishes it.
    const started = learner.waitForResponse((r) => r.url().endsWith(`/lessons/${LESSONS[0]}/progress`));
    await open(learner, gazette.url, `/courses/${ONLINE}/${LESSONS[0]}/`);
    assert.equal((await started).status(), 200, 'the lesson starts');
    await checkA11y(learner, 'a lesson page');
    await learner.waitForTimeout(2_500);
    const finished = learner.waitForResponse((r) => r.url().endsWith(`/lessons/${LESSONS[0]}/finish`));
    await clickAndLoad(learner, learner.getByRole('button', { name: '学完本节' }));
    assert.equal((await finished).status(), 200, 'answered in JSON to the script');
    assert.equal(new URL(learner.url()).pathname, `/api/web/my-courses/${ONLINE}`);
    const lessonOne = learner.locator('tr', { hasText: '第一节' });
    assert.match(await lessonOne.innerText(), /已学完/);
    const effective = (await lessonOne.locator('td[data-label="有效时长"]').innerText()).trim();
    assert.match(effective, /^00:00:0[2-9]$/, `visible time counted (${effective})`);
    assert.match(await learner.locator('main').innerText(), /学习中/);

    // Lesson two, without the script: the button posts the form.
    const cookies = await learner.context().cookies(gazette.url);
    const plain = await newPage({ javaScriptEnabled: false });
    await plain.context().addCookies(cookies);
    await open(plain, gazette.url, `/courses/${ONLINE}/${LESSONS[1]}/`);
    await clickAndLoad(plain, plain.getByRole('button', { name: '学完本节' }));
    assert.equal(new URL(plain.url()).pathname, `/api/web/my-courses/${ONLINE}`);
    const course = await plain.locator('main').innerText();
    assert.match(course, /已完成/);
    assert.match(course, /已得 2 学时/);
    const studyTo = new Date(Date.now() + 1000);

    // 我的课程 and the growth record show the hours.
    await open(learner, gazette.url, '/api/web/my-courses');
    const row = learner.locator('tr', { hasText: ONLINE_TITLE });
    assert.match(await row.innerText(), /已完成/);
    assert.equal((await row.locator('td[data-label="学时"]').innerText()).trim(), '2 / 2');
    await checkA11y(learner, '我的课程');
    await open(learner, gazette.url, '/api/web/');
    assert.match(await learner.locator('main').innerText(), new RegExp(`${ONLINE_TITLE}[\\s\\S]*已完成`), 'the desk module');
    const year = beijing(new Date()).slice(0, 4);
    await open(learner, gazette.url, `/api/web/growth?year=${year}`);
    const growth = await learner.locator('main').innerText();
    assert.match(growth, /合计\s+2\s/);
    assert.match(growth, /线上（网络培训）\s+2\s/);
    assert.match(growth, /不少于 90 学时（未达到）/);
    await checkA11y(learner, '学员成长档案');

    // The organiser records completion of an offline course.
    await register(learner, OFFLINE);
    await approve(organiser, OFFLINE);
    await open(organiser, gazette.url, `/api/web/learning/attendance/${OFFLINE}`);
    await organiser.getByLabel(new RegExp(NAME)).check();
    await clickAndLoad(organiser, organiser.getByRole('button', { name: '保存考勤与结业' }));
    assert.match(await organiser.locator('main').innerText(), /已保存/);
    assert.ok(await organiser.getByLabel(new RegExp(NAME)).isChecked(), 'ticked as saved');
    await open(learner, gazette.url, '/api/web/my-courses');
    assert.match(await learner.locator('tr', { hasText: '黑土粮仓' }).innerText(), /已完成[\s\S]*32 \/ 32/);

    // An administrator filters the statistics and exports them.
    const admin = await newPage();
    await signIn(admin, gazette.url, { role: 'national-admin' });
    await open(admin, gazette.url, '/api/web/learning/statistics');
    await admin.locator('#f-course').selectOption(ONLINE);
    await admin.locator('#f-status').selectOption('completed');
    await admin.locator('#f-name').fill('周');
    await clickAndLoad(admin, admin.getByRole('button', { name: '搜索' }));
    const table = admin.locator('#learning-stats');
    assert.equal(await table.locator('tbody tr').count(), 1, 'one learner matches');
    await checkA11y(admin, '学习情况统计');
    const download = admin.waitForEvent('download');
    await admin.getByRole('link', { name: '导出', exact: true }).click();
    const file = await (await download).path();
    const sheet = readSheet(file);
    assert.deepEqual(sheet[0], ['账号', '姓名', '别名', '部门', '开课主题', '来源', '属性', '开始学习时间', '完成学习时间', '学习时长', '有效时长', '状态']);
    assert.equal(sheet.length, 2, 'the filtered row only');
    const [account, name, alias, department, title, source, attribute, start, finish, study, eff, status] = sheet[1];
    assert.deepEqual([account, name, alias, department, title, source, attribute, status],
      ['dev-filler', NAME, '', ORGANISATION, ONLINE_TITLE, '课堂管理后台', '必修', '已完成']);
    for (const at of [start, finish]) {
      assert.ok(at >= beijing(studyFrom) && at <= beijing(studyTo), `${at} is Beijing time within the study`);
    }
    assert.ok(start <= finish);
    assert.match(study, /^00:00:\d\d$/);
    assert.equal(eff, effective, 'the effective time of the two lessons: the second, without the script, adds none');
    fs.rmSync(file, { force: true });
    for (const page of [learner, plain, organiser, admin]) assert.deepEqual(page.scriptErrors, []);
  });
});
