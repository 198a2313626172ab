// What the dashboard's browser tests share: Debian's Chromium driven by
// playwright-core (no browser download), axe-core, the checks every page
// gets (axe in both themes, screenshots, no sideways scroll at 375 px, no
// console error) and signing in through the login page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { AISBF_BIN, initialAdminPassword } from './common.mjs';

export const CHROMIUM = '/usr/bin/chromium';
const require = createRequire(import.meta.url);

async function loadTools() {
  try {
    const { chromium } = await import('playwright-core');
    const axe = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    return { chromium, axe };
  } catch {
    return null;
  }
}
export const tools = await loadTools();
// The dashboard is built (web/dist, embedded by the aisbf build) only with a
// Node.js that Vite 8 runs on; scripts/setup.sh leaves it unbuilt on an
// older one (Debian 12's apt nodejs is 18), and then so is this file.
const WEB_DIST = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
const nodeFitsVite = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
export const skip = !nodeFitsVite
  ? `the dashboard needs Node.js ^20.19 or >= 22.12 to build (Vite 8); this is ${process.versions.node}`
  : !fs.existsSync(WEB_DIST)
    ? `the dashboard is not built (no ${WEB_DIST}): run scripts/setup.sh, then rebuild aisbf`
    : !fs.existsSync(CHROMIUM)
      ? `needs Debian's Chromium at ${CHROMIUM}: scripts/setup.sh --tests installs it`
      : !tools ? 'needs playwright-core and axe-core: run "npm ci" in tests/e2e' : false;

export const SHOTS = path.join(path.dirname(AISBF_BIN), 'screenshots');
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 375, height: 800 };

// Every console error and uncaught exception of a page, with where it came from.
export function watchConsole(page, errors) {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: uncaught: ${e.message}`));
}

// The browser logs a refused request ("... status of 401") as a console
// error. Started before the request: resolves once that line has come (after
// watchConsole's listener, registered first, has recorded it), so that the
// caller can then drop exactly it from `errors`.
export function refusedRequestLogged(page, status) {
  const pattern = new RegExp(`status of ${status}`);
  return page.waitForEvent('console', { predicate: (m) => m.type() === 'error' && pattern.test(m.text()), timeout: 10000 });
}

export function dropExpected(errors, status) {
  const pattern = new RegExp(`status of ${status}`);
  const expected = errors.filter((e) => pattern.test(e));
  assert.equal(expected.length, 1, JSON.stringify(errors));
  errors.splice(0, errors.length, ...errors.filter((e) => !pattern.test(e)));
}

export async function heading(page, text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor({ timeout: 10000 });
}

export async function axeViolations(page) {
  // Evaluated, not a <script> tag: the page's CSP allows no inline script.
  await page.evaluate(tools.axe);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// The page in both themes (the system's: no choice stored): axe finds no
// serious or critical violation, and a screenshot of each; then at 375 px
// wide the page does not scroll sideways.
export async function checkPage(page, name) {
  const stored = await page.evaluate(() => {
    const t = localStorage.getItem('aisbf.theme');
    localStorage.removeItem('aisbf.theme');
    delete document.documentElement.dataset.theme;
    return t;
  });
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${name} (${scheme}): axe found ${JSON.stringify(violations, null, 1)}`);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.setViewportSize(NARROW);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${name} scrolls sideways at 375 px by ${overflow} px`);
  await page.screenshot({ path: path.join(SHOTS, `${name}-375.png`), fullPage: true });
  await page.setViewportSize(WIDE);
  await page.emulateMedia({ colorScheme: 'light' });
  if (stored) await page.evaluate((t) => { localStorage.setItem('aisbf.theme', t); document.documentElement.dataset.theme = t; }, stored);
}

export async function fill(page, fields) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
}


export function cookieHeader(cookies) {
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

export async function launchBrowser() {
  fs.mkdirSync(SHOTS, { recursive: true });
  return tools.chromium.launch({ executablePath: CHROMIUM, headless: true });
}

// Signs `username` in through the login page; with `newPassword`, makes the
// forced first change too. Ends on the overview (or where `next` leads).
export async function signIn(page, s, username, password, newPassword) {
  await page.goto(s.u('/dashboard/login'));
  await heading(page, 'Sign in to aisbf');
  await fill(page, { Username: username, Password: password });
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (newPassword) {
    await heading(page, 'Choose your own password');
    await fill(page, { 'Current password': password, 'New password': newPassword, 'New password again': newPassword });
    await page.getByRole('button', { name: 'Change password' }).click();
  }
  await heading(page, 'Overview');
}

// A browser context signed in as the admin (the generated password changed
// to `newPassword`): the context, for pages of the caller's.
export async function adminContext(browser, s, newPassword = 'admin-own-password') {
  const context = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
  const page = await context.newPage();
  await signIn(page, s, 'admin', initialAdminPassword(s.configDir), newPassword);
  await page.close();
  return context;
}
