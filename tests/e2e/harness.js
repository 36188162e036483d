'use strict';
// Browser end-to-end harness: runs `gazette serve` on a free local port with a
// throw-away output and data folder, drives the machine's Chromium (headless)
// through playwright-core, checks pages with axe-core and takes screenshots.
// Nothing leaves the machine: every request not addressed to 127.0.0.1 is aborted.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const REPO = path.resolve(__dirname, '..', '..');
const SCREENSHOTS = path.join(REPO, 'tests', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';
const START_TIMEOUT_MS = 120_000;
// The site is Chinese and so are its readers' browsers (Accept-Language: zh-CN):
// the functions word their messages in the language the browser asks for.
const LOCALE = 'zh-CN';
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: LOCALE };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: LOCALE };

// A port the kernel says is free on 127.0.0.1 right now.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Resolves with the status of GET url, or rejects when nothing answers.
function probe(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `gazette serve` from the repository root (or from `root`, another
 * project folder) on a free port, with its output and data in a fresh temporary
 * folder; `today` (YYYY-MM-DD) fixes the build date (GAZETTE_TODAY). Resolves
 * once GET / answers 200 with { url, port, dataDir, outDir, output(), stop() }. */
async function startGazette({ root, today, devSignIn = true, beforeStart } = {}) {
  // Where `cargo build --bin gazette` puts it, unless GAZETTE_BIN names another.
  const target = path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target');
  const bin = process.env.GAZETTE_BIN || path.join(target, 'debug', 'gazette');
  if (!fs.existsSync(bin)) {
    throw new Error(`gazette binary not found at ${bin}: run \`cargo build --bin gazette\` or set GAZETTE_BIN`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-e2e-'));
  const outDir = path.join(tmp, 'public');
  const dataDir = path.join(tmp, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  // The server must run on its own embedded store, post forms to itself and
  // apply its normal rate limits, whatever the calling shell has set.
  const env = { ...process.env };
  for (const k of ['GAZETTE_RATE_LIMIT', 'GAZETTE_API_URL', 'TABLE_NAME', 'AWS_ENDPOINT_URL']) delete env[k];
  env.NO_COLOR = '1';
  if (today) env.GAZETTE_TODAY = today;

  // The role picker (development tokens) is behind the development switch; the
  // tests that sign in with real accounts start without it.
  const args = ['serve', '--port', String(port), '--out', outDir, '--data-dir', dataDir];
  if (devSignIn) args.push('--dev-sign-in');
  if (root) args.push('--root', root);
  // Run before the server opens the store (`gazette accounts create-admin` …).
  if (beforeStart) await beforeStart({ bin, dataDir, env });
  const child = spawn(bin, args, {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log += chunk;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      exited = { error: err };
      resolve();
    });
  });
  // Never leave a server behind, even when the test process dies early.
  const reap = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', reap);

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      let timer;
      await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    process.removeListener('exit', reap);
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    if (exited) {
      await stop();
      const how = exited.error ? exited.error.message : `code ${exited.code}, signal ${exited.signal}`;
      throw new Error(`gazette serve exited before answering (${how}); its output:\n${log}`);
    }
    try {
      const status = await probe(url + '/');
      if (status === 200) break;
      last = `GET / answered ${status}`;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gazette serve did not answer GET ${url}/ within ${START_TIMEOUT_MS / 1000} s (${last}); its output:\n${log}`);
    }
    await sleep(200);
  }
  return { url, port, dataDir, outDir, output: () => log, stop };
}

const isLocal = (u) => {
  try {
    const { protocol, hostname } = new URL(u);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
    return (protocol === 'http:' || protocol === 'https:' || protocol === 'ws:') && hostname === '127.0.0.1';
  } catch {
    return false;
  }
};

/** Launches the machine's Chromium headless. Every context made from the
 * returned browser (browser.newContext or browser.newPage) aborts requests not
 * addressed to 127.0.0.1; their URLs are collected in browser.blockedRequests. */
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup (Debian package chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-features=Translate,MediaRouter,OptimizationHints',
      '--dns-prefetch-disable',
      // Also at the resolver, for anything the browser itself might fetch.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  browser.blockedRequests = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options = {}) => {
    const context = await newContext({ ...DESKTOP, ...options });
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (isLocal(u)) return route.continue();
      browser.blockedRequests.push(u);
      return route.abort('blockedbyclient');
    });
    return context;
  };
  return browser;
}

/** Runs axe-core on the page; fails listing every violation of impact serious
 * or critical. Resolves with all violations (minor and moderate ones included). */
async function checkA11y(page, label) {
  const present = await page.evaluate(() => typeof window.axe === 'object');
  // Evaluated through DevTools, not added as a <script>: the pages' content security
  // policy (script-src 'self') rightly refuses an inline script.
  if (!present) await page.evaluate(`${fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')}\n;undefined`);
  const violations = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    ),
  );
  const describe = (v) => {
    const shown = v.targets.slice(0, 5).join(', ');
    const more = v.targets.length > 5 ? ` (+${v.targets.length - 5} more)` : '';
    return `  ${v.id} [${v.impact}] ${v.help}: ${shown}${more}`;
  };
  const minor = violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  if (minor.length) console.log(`# axe on ${label}, not failing (minor/moderate):\n${minor.map(describe).join('\n')}`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(bad.length, 0, `axe found serious or critical problems on ${label} (${page.url()}):\n${bad.map(describe).join('\n')}`);
  return violations;
}

async function settle(page) {
  await page.waitForLoadState('load');
  await page.evaluate(() => document.fonts.ready.then(() => true));
}

/** Full-page screenshots of the page at desktop width (1280×900, taken from the
 * page itself) and at phone width (390×844 at 2×, a fresh mobile context opened
 * at the page's current URL, with the page's cookies so a signed-in page stays
 * signed in), written to tests/screenshots/<name>-desktop.png and
 * <name>-phone.png. ready(phonePage) waits for anything the page builds after
 * load (e.g. search results). Resolves with the two file paths. */
async function screenshot(page, name, { ready } = {}) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const desktop = path.join(SCREENSHOTS, `${name}-desktop.png`);
  const phone = path.join(SCREENSHOTS, `${name}-phone.png`);

  const size = page.viewportSize();
  if (!size || size.width !== DESKTOP.viewport.width || size.height !== DESKTOP.viewport.height) {
    await page.setViewportSize(DESKTOP.viewport);
  }
  await settle(page);
  await page.screenshot({ path: desktop, fullPage: true, animations: 'disabled' });

  const storageState = await page.context().storageState();
  const context = await page.context().browser().newContext({ ...PHONE, storageState });
  try {
    const small = await context.newPage();
    await small.goto(page.url());
    if (ready) await ready(small);
    await settle(small);
    await small.screenshot({ path: phone, fullPage: true, animations: 'disabled' });
  } finally {
    await context.close();
  }
  return { desktop, phone };
}

// The width of a phone: no page may scroll sideways on it.
const PHONE_WIDTH = PHONE.viewport.width;

/** Asserts that the page as it is now does not scroll sideways on a phone: the
 * viewport is made 390 px wide for a moment (the page reflows, nothing reloads)
 * and document.scrollingElement.scrollWidth must stay within it. The message
 * names the page and the first element that sticks out. */
async function fitsPhone(page, label = page.url()) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: PHONE_WIDTH, height: PHONE.viewport.height });
  try {
    // Reading the sizes lays the page out at the new width (no callbacks: pages
    // without JavaScript are measured too).
    const { scrollWidth, culprit } = await page.evaluate(() => {
      const width = window.innerWidth;
      let culprit = '';
      for (const el of document.body.querySelectorAll('*')) {
        const right = el.getBoundingClientRect().right;
        if (right > width + 1) {
          culprit = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} (right edge ${Math.round(right)} px)`;
          break;
        }
      }
      return { scrollWidth: document.scrollingElement.scrollWidth, culprit };
    });
    assert.ok(scrollWidth <= PHONE_WIDTH, `${label} scrolls sideways on a phone: ${scrollWidth} px wide at ${PHONE_WIDTH} px; first too wide: ${culprit}`);
  } finally {
    if (size) await page.setViewportSize(size);
  }
}

/** Opens `url` (a path on `baseUrl`), expects it to answer `status` (200), and
 * checks it on a phone's width (fitsPhone). Resolves with the response. */
async function open(page, baseUrl, url, { status = 200 } = {}) {
  const response = await page.goto(baseUrl + url);
  assert.equal(response.status(), status, `${url} answers ${status}`);
  await fitsPhone(page);
  return response;
}

/** Clicks `locator` (a submit button or link) and resolves once the page it
 * leads to has loaded — also when that is the same address again, as after a
 * form that posts and is redirected back — and fits a phone (fitsPhone).
 * Resolves with the page's URL. */
async function clickAndLoad(page, locator, { timeout = 60_000 } = {}) {
  const loaded = page.waitForEvent('load', { timeout });
  await locator.click();
  await loaded;
  await fitsPhone(page);
  return page.url();
}

/** Presses a group's "add a row" or "remove" button (`locator`): with the page's
 * script the row comes or goes in place and nothing is posted; without it the
 * form's page comes back (`?attempt=…`) with the row added or removed. Resolves
 * with the page's URL. */
async function pressRowButton(page, locator, { javaScriptEnabled }) {
  const before = page.url();
  if (javaScriptEnabled) {
    await locator.click();
    assert.equal(page.url(), before, 'in place: nothing posted');
  } else {
    await clickAndLoad(page, locator);
    assert.match(page.url(), /\?attempt=[0-9A-Z]{26}$/, 'the form again, with what was typed');
  }
  return page.url();
}

/** The national account's form on /api/web/integrity-cases, filled with a retracted
 * paper (`paper`) for Hebei and sent: resolves with the new case page's address. */
async function registerIntegrityCase(page, baseUrl, paper) {
  await open(page, baseUrl, '/api/web/integrity-cases');
  await page.locator('#f-source-0').check();
  await page.locator('#f-batch').fill('2023-01');
  await page.locator('#f-paper_title').fill(paper);
  await page.locator('#f-authors').fill('王星星; 张三');
  await page.locator('#f-corresponding_institution').fill('某某省第三医院');
  await page.locator('#f-region').selectOption('hebei');
  await clickAndLoad(page, page.locator('main').getByRole('button', { name: '登记案件' }));
  const caseUrl = page.url().replace(/\?.*$/, '');
  assert.match(caseUrl, /\/api\/web\/integrity-cases\/[0-9A-Z]{26}$/, 'registered');
  return caseUrl;
}

/** Signs `page`'s browser context in through the sign-in page's development
 * role picker (the server started with the development switch, the default): role filler | unit-admin | regional-admin | national-admin |
 * organiser, with a unit code or a region where the role needs one. Resolves
 * once the desk (/api/web/) has loaded; the session cookie then signs in every
 * page of the context. */
async function signIn(page, baseUrl, { role, unit = '', region = '' }) {
  const response = await page.goto(`${baseUrl}/api/web/sign-in`);
  assert.equal(response.status(), 200, 'the sign-in page answers');
  await page.locator('#f-role').selectOption(role);
  if (unit) await page.locator('#f-unit').fill(unit);
  if (region) await page.locator('#f-region').selectOption(region);
  await clickAndLoad(page, page.locator('main form button[type=submit]', { hasText: '开发登录' }));
  assert.equal(new URL(page.url()).pathname, '/api/web/', `signing in as ${role} leads to the desk`);
  const cookies = await page.context().cookies(baseUrl);
  assert.ok(cookies.some((c) => c.name === 'gazette_session'), `signing in as ${role} sets the session cookie`);
}

/** Puts the unit `code` (named `name`) of `region` in the directory the way a unit
 * does: its registration (单位注册, a public form) under the region's science and
 * technology department. Resolves once the page says it was received. */
async function registerUnit(base, { code, name, region }) {
  const body = new URLSearchParams({
    unit_name: name, unit_code: code, department: `${region}-kjt`,
    username: `${code}.admin`, name: '单位管理员', email: `${code}@example.cn`, phone: '',
  }).toString();
  const text = await new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/web/register-unit`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (c) => (data += c)).on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.match(text, /注册已提交/, `unit ${code} registered`);
  await approveUnit(base, { code, region });
}

/** Approves the registration of the unit `code` as its region's administrator does
 * on the accounts page (the development role picker signs them in): only an approved
 * unit is offered as a choice. */
async function approveUnit(base, { code, region }) {
  const signIn = await fetch(`${base}/api/web/dev-sign-in`, {
    method: 'POST',
    body: new URLSearchParams({ role: 'regional-admin', unit: '', region, next: '' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  const session = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('gazette_session='));
  assert.ok(session, `the region's administrator of ${region} is signed in`);
  const page = await fetch(`${base}/api/web/accounts`, { headers: { cookie: session } });
  const csrf = (await page.text()).match(/name="_csrf" value="([0-9a-f]+)"/);
  assert.ok(csrf, 'the accounts page carries the anti-forgery token');
  const approved = await fetch(`${base}/api/web/accounts/${code}.admin/approve`, {
    method: 'POST',
    body: new URLSearchParams({ _csrf: csrf[1] }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session },
    redirect: 'manual',
  });
  assert.equal(approved.status, 303, `unit ${code} approved`);
}

module.exports = {
  registerUnit,
  approveUnit,
  REPO,
  SCREENSHOTS,
  DESKTOP,
  PHONE,
  startGazette,
  launchBrowser,
  checkA11y,
  screenshot,
  freePort,
  clickAndLoad,
  fitsPhone,
  open,
  pressRowButton,
  registerIntegrityCase,
  signIn,
};
