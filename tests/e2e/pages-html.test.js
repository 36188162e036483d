'use strict';
// The pages the functions draw (sign-in, desk, review queues, report and plan forms,
// registration list, a refused form, a receipt …) through the Nu HTML Checker, as
// the generated site's pages are in cli/tests/site.rs. Plain HTTP, no browser.

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');

const { REPO, startGazette, registerUnit } = require('./harness');
const { browserPatternError, patternAttributes } = require('./patterns');

const VNU = path.join(REPO, 'tests', 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const COURSE = 'cas-jingpin-heitu-liangcang-2027';

function gazetteBin() {
  const target = path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target');
  return process.env.GAZETTE_BIN || path.join(target, 'debug', 'gazette');
}

// A development token for a role, as `gazette token` prints it on its last line.
function token(dataDir, ...args) {
  const out = execFileSync(gazetteBin(), ['token', '--data-dir', dataDir, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.trim().split('\n').pop().trim();
}

async function get(url, cookie) {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

/** The anti-forgery token the pages give the session of `cookie` (its desk's forms carry it). */
async function csrfOf(url, cookie) {
  const res = await fetch(`${new URL(url).origin}/api/web/`, { headers: { cookie }, redirect: 'manual' });
  const match = (await res.text()).match(/name="_csrf" value="([0-9a-f]+)"/);
  assert.ok(match, 'a signed-in page carries the anti-forgery token');
  return match[1];
}

async function post(url, fields, cookie) {
  // As the page's own form posts: a signed-in visitor's with its anti-forgery token.
  const signedIn = cookie && cookie.includes('gazette_session=');
  const body = new URLSearchParams(signedIn ? { ...fields, _csrf: await csrfOf(url, cookie) } : fields);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
  const cookies = res.headers.getSetCookie ? res.headers.getSetCookie() : [];
  const browser = cookies.map((c) => c.split(';')[0]).find((c) => c.startsWith('gazette_browser='));
  return { status: res.status, location: res.headers.get('location'), browser };
}

describe('pages drawn by the functions', { timeout: 240_000 }, () => {
  let server;
  const pages = {};

  before(async () => {
    server = await startGazette();
  });

  after(async () => {
    if (server) await server.stop();
  });

  it('are collected for every role', async () => {
    const base = server.url;
    const as = (...args) => `gazette_session=${token(server.dataDir, ...args)}`;
    const filler = as('--role', 'filler', '--unit', 'lab-1');
    const unitAdmin = as('--role', 'unit-admin', '--unit', 'lab-1');
    const organiser = as('--role', 'organiser');
    const province = as('--role', 'regional-admin', '--region', 'hebei');
    const national = as('--role', 'national-admin');

    const registration = {
      _title: '报名',
      _return: `/courses/${COURSE}/`,
      course: COURSE,
      name: '张三',
      phone: '123',
    };
    const refused = await post(`${base}/api/web/act/registrations`, registration);
    assert.equal(refused.status, 303);
    assert.match(refused.location, /^\/api\/web\/form\//);
    // Kept for the browser that posted it.
    pages['refused-registration'] = await get(base + refused.location, refused.browser);
    assert.equal(pages['refused-registration'].status, 422);

    const accepted = await post(`${base}/api/web/act/registrations`, {
      ...registration,
      phone: '13912345678',
      organisation: '某研究所',
      position: '研究员',
      email: 'zhang@example.org',
      region: 'hebei',
      consent: 'on',
    });
    assert.match(accepted.location, /^\/api\/web\/receipt\//);
    pages.receipt = await get(base + accepted.location);
    pages['receipt-withdraw'] = await get(`${base}${accepted.location}?confirm=withdraw`);
    assert.match(pages['receipt-withdraw'].text, /确认撤回报名/);

    // Reports are accepted only for the unit's registered platforms.
    const platform = await post(
      `${base}/api/web/platforms`,
      { code: 'p1', name: '黑土保护利用技术创新中心', leader: '张一', department: '保教处' },
      unitAdmin,
    );
    assert.equal(platform.status, 303, 'the unit administrator registers the platform');
    const month = '/api/web/reports/lab-1/p1/2026-10';
    const saved = await post(
      `${base}/api/web/act/reports/lab-1/p1/2026-10/parts/staff`,
      { _version: '0', staff_total: '10', staff_senior: '3' },
      filler,
    );
    assert.equal(saved.location, `${month}/funding`);
    const submitted = await post(
      `${base}/api/web/act/reports/lab-1/p1/2026-10/submit`,
      { _version: '1' },
      filler,
    );
    assert.match(submitted.location, /\?attempt=/);

    pages['sign-in'] = await get(`${base}/api/web/sign-in`);
    pages.desk = await get(`${base}/api/web/`, filler);
    pages.reports = await get(`${base}/api/web/reports`, filler);
    pages.platforms = await get(`${base}/api/web/platforms`, unitAdmin);
    pages['register-unit'] = await get(`${base}/api/web/register-unit`);
    pages['register-learner'] = await get(`${base}/api/web/register-learner`);
    pages['report-part'] = await get(`${base}${month}/staff`, filler);
    pages['report-errors'] = await get(base + submitted.location, filler);
    pages['report-part-errors'] = await get(`${base}${month}/staff${submitted.location.slice(month.length)}`, filler);
    pages['report-attachments'] = await get(`${base}${month}/attachments`, filler);
    pages['report-check'] = await get(`${base}${month}/check`, filler);
    assert.match(pages['report-check'].text, /未打开/);
    pages['annual-report'] = await get(`${base}/api/web/annual-reports/lab-1/p1/2026`, unitAdmin);
    pages['region-reports'] = await get(`${base}/api/web/region-reports`, province);
    pages['review-unit'] = await get(`${base}/api/web/review`, unitAdmin);
    pages['plan-new'] = await get(`${base}/api/web/plans/new`, filler);
    // "添加培训项目" without a script: the form again, with a project more.
    const added = await post(`${base}/api/web/act/training-plans`, { 'projects[0].name': '研修班', _add_row: 'projects' }, filler);
    assert.match(added.location || '', /^\/api\/web\/plans\/new\?attempt=/);
    pages['plan-new-two-projects'] = await get(base + added.location, filler);
    assert.match(pages['plan-new-two-projects'].text, /培训项目 2/);
    pages.plans = await get(`${base}/api/web/plans`, organiser);
    pages.registrations = await get(`${base}/api/web/registrations?course=${COURSE}`, organiser);
    pages['review-organiser'] = await get(`${base}/api/web/review`, organiser);
    pages.cases = await get(`${base}/api/web/cases`, province);
    pages['case-new'] = await get(`${base}/api/web/cases/new`, province);
    pages['integrity-cases'] = await get(`${base}/api/web/integrity-cases`, national);
    pages['not-found'] = await get(`${base}/api/web/no-such-page`, filler);
    // The site's own page with the registration form, drawn at build time.
    pages.course = await get(`${base}/courses/${COURSE}/`);

    // A typical case and an integrity case, to see their pages at each desk.
    const uploaded = await post(
      `${base}/api/web/act/typical-cases`,
      {
        _idem: `html-check-${Date.now()}`,
        title: '科技成果评价改革试点', region: 'hebei', provider: '河北省科技厅', category: 'evaluation',
        date: '2022-06-20', summary: '河北省开展科技成果评价改革试点。', 
        body: '## 一、背景\n\n为深入贯彻落实《关于完善科技成果评价机制的指导意见》，河北省开展科技成果评价改革试点。\n\n## 二、做法\n\n分类评价，逐项落实。',
      },
      province,
    );
    assert.match(uploaded.location || '', /^\/api\/web\/cases\/[0-9A-Z]+\?done=uploaded$/, 'the case was uploaded');
    pages['case-province'] = await get(base + uploaded.location, province);
    pages['case-organiser'] = await get(base + uploaded.location, organiser);
    const registered = await post(
      `${base}/api/web/act/integrity-cases`,
      {
        _idem: `html-check-${Date.now()}`,
        source: 'retracted_paper', batch: '2023-01', paper_title: 'A Hybrid Intelligent System for Company Financial Risk Detection',
        authors: '王星星; 张三', corresponding_institution: '某某省第三医院', region: 'hebei',
      },
      national,
    );
    assert.match(registered.location || '', /^\/api\/web\/integrity-cases\/[0-9A-Z]+\?done=registered$/, 'the integrity case was registered');
    pages['integrity-national'] = await get(base + registered.location, national);
    const casePage = registered.location.split('?')[0];
    const id = casePage.split('/').pop();
    const dispatched = await post(`${base}/api/web/act/integrity-cases/${id}/dispatch`, { region: 'hebei' }, national);
    assert.equal(dispatched.location, `${casePage}?done=dispatched`, 'dispatched to the province');
    pages['integrity-province'] = await get(base + casePage, province);
    await registerUnit(base, { code: 'hosp-3', name: '某某省第三医院', region: 'hebei' });
    const forwarded = await post(`${base}/api/web/act/integrity-cases/${id}/forward`, { unit: 'hosp-3' }, province);
    assert.equal(forwarded.location, `${casePage}?done=forwarded`, 'forwarded to the institution');
    pages['integrity-institution'] = await get(base + casePage, as('--role', 'unit-admin', '--unit', 'hosp-3'));
    assert.match(pages['integrity-institution'].text, /添加作者/);
    pages['review-province'] = await get(`${base}/api/web/review`, province);

    for (const [name, page] of Object.entries(pages)) {
      assert.ok([200, 404, 422].includes(page.status), `${name}: status ${page.status}`);
      assert.match(page.text, /^<!doctype html>/i, `${name} is an HTML page`);
    }
    assert.match(pages['report-errors'].text, /gz-error-summary/);
    assert.match(pages['report-part-errors'].text, /aria-invalid="true"/);
  });

  it('carry only pattern attributes a browser compiles', () => {
    assert.ok(Object.keys(pages).length > 10, 'the pages were collected first');
    const broken = [];
    const seen = new Set();
    for (const [name, page] of Object.entries(pages)) {
      for (const pattern of patternAttributes(page.text)) {
        seen.add(pattern);
        const error = browserPatternError(pattern);
        if (error) broken.push(`${name}: pattern="${pattern}": ${error}`);
      }
    }
    assert.deepEqual(broken, []);
    // The sign-in page's unit code and the reports page's platform code among them.
    assert.ok(seen.has('[a-z0-9_\\-]+'), `patterns seen: ${[...seen].join('  ')}`);
  });

  it('are valid HTML', () => {
    assert.ok(Object.keys(pages).length > 10, 'the pages were collected first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-pages-'));
    try {
      const files = Object.entries(pages).map(([name, page]) => {
        const file = path.join(dir, `${name}.html`);
        fs.writeFileSync(file, page.text);
        return file;
      });
      let report = '';
      try {
        execFileSync('java', ['-jar', VNU, '--errors-only', '--format', 'text', ...files], { encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        report = `${e.stdout || ''}${e.stderr || ''}`;
      }
      assert.equal(report, '', `HTML errors:\n${report}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
