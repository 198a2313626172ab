// The dashboard (issue 15) in Debian's Chromium, headless, driven by
// playwright-core through the real aisbf and aisbf-mock: the response
// headers and caching of the app's files, the first login with the
// generated password and its forced change, the overview, a deep link
// reloaded, a plain user refused an admin page (and its API), sign-out,
// dashboard.enabled false. axe-core checks each page in both themes; a
// screenshot of each is saved under <build>/screenshots/; no console error
// anywhere. Prints the JS + CSS the overview loads (gzip -9) and its first
// load time (navigation start to its first heading).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  startStack, initialAdminPassword, createUser, bearer, get, request,
} from './common.mjs';
import {
  skip, WIDE, watchConsole, refusedRequestLogged, dropExpected, heading, checkPage, fill, cookieHeader, launchBrowser,
} from './browser.mjs';

const GLOBAL = 'dashboard-global-token';

describe('dashboard: files, headers and caching', { skip, timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] } }); });
  after(async () => { await s?.stop(); });

  it('/dashboard redirects; every page is index.html with the security headers, public whatever auth says', async () => {
    const bare = await get(s.u('/dashboard'));
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/dashboard/');
    for (const p of ['/dashboard/', '/dashboard/profile', '/dashboard/user/tokens', '/dashboard/response-cache']) {
      const r = await get(s.u(p));
      assert.equal(r.status, 200, `${p}: ${r.text}`);
      assert.match(r.headers['content-type'], /^text\/html/);
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.match(r.headers.etag, /^"[0-9a-f]{32}"$/);
      const csp = r.headers['content-security-policy'];
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.ok(!csp.includes('unsafe-inline'), csp);
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'same-origin');
      assert.ok(!r.text.includes('not built'), 'this binary was built without web/dist: run scripts/setup.sh, then build');
      // No inline script: every <script> names its file.
      for (const tag of r.text.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="\/dashboard\/assets\//, tag);
    }
    // The dashboard's API routes keep their own rules.
    assert.equal((await get(s.u('/dashboard/response-cache/stats'))).status, 401);
    const stats = await get(s.u('/dashboard/response-cache/stats'), { headers: bearer(GLOBAL) });
    assert.equal(stats.status, 200);
    assert.equal(stats.headers['x-frame-options'], 'DENY', 'AISBF\'s JSON routes under /dashboard too');
    assert.match(stats.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  });

  it('GET /api/admin/tor: admins only; TOR off here', async () => {
    assert.equal((await get(s.u('/api/admin/tor'))).status, 401);
    const r = await get(s.u('/api/admin/tor'), { headers: bearer(GLOBAL) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), {
      enabled: false, configured: false, state: 'disabled', hidden_service: null, port: 80, target: null,
      persistent: false, control: '127.0.0.1:9051', tor_version: null, connects: 0, last_error: null,
      message: 'TOR is disabled (aisbf.json tor.enabled)',
    });
  });

  it('hashed assets: immutable, gzip when accepted, 304 on If-None-Match; an unknown one is 404', async () => {
    const index = (await get(s.u('/dashboard/'))).text;
    const files = [...index.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(files.some((f) => f.endsWith('.js')) && files.some((f) => f.endsWith('.css')), index);
    for (const file of files) {
      const plain = await get(s.u(file));
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(plain.headers['content-type'], file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      assert.equal(plain.headers['content-encoding'], undefined);
      const gz = await get(s.u(file), { headers: { 'accept-encoding': 'gzip, deflate' } });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gz.headers.vary, 'Accept-Encoding');
      assert.deepEqual(zlib.gunzipSync(gz.buf), plain.buf);
      assert.notEqual(gz.headers.etag, plain.headers.etag);
      const again = await get(s.u(file), { headers: { 'if-none-match': plain.headers.etag } });
      assert.equal(again.status, 304);
      assert.equal(again.text, '');
      assert.equal(again.headers.etag, plain.headers.etag);
      assert.equal(again.headers['x-frame-options'], 'DENY');
    }
    const head = await request(s.u(files[0]), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const missing = await get(s.u('/dashboard/assets/index-nothing.js'));
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-frame-options'], 'DENY');
    const index304 = await get(s.u('/dashboard/profile'), { headers: { 'if-none-match': (await get(s.u('/dashboard/'))).headers.etag } });
    assert.equal(index304.status, 304);
  });

  it('refusals decided before the route runs carry the security headers too', async () => {
    const cases = [
      ['GET', '/dashboard/%zz', {}, 400],  // a bad escape
      ['GET', '/dashboard/response-cache/stats', {}, 401],  // the API route under /dashboard, no token
      ['POST', '/dashboard/x', bearer(GLOBAL), 405],
      ['DELETE', '/dashboard', bearer(GLOBAL), 405],
    ];
    for (const [method, p, headers, status] of cases) {
      const r = await request(s.u(p), { method, headers });
      assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
      assert.equal(r.headers['x-frame-options'], 'DENY', `${method} ${p}`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', `${method} ${p}`);
      assert.match(r.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, `${method} ${p}`);
    }
    const elsewhere = await request(s.u('/v1/models'), { method: 'DELETE', headers: bearer(GLOBAL) });
    assert.equal(elsewhere.status, 405);
    assert.equal(elsewhere.headers['x-frame-options'], undefined, 'only /dashboard paths');
  });
});

describe('dashboard: dashboard.enabled false', { skip, timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ aisbf: { dashboard: { enabled: false } } }); });
  after(async () => { await s?.stop(); });

  it('the app and its files are 404; its API routes stay', async () => {
    for (const p of ['/dashboard', '/dashboard/', '/dashboard/profile', '/dashboard/assets/index.js']) {
      const r = await get(s.u(p));
      assert.equal(r.status, 404, p);
      assert.equal(r.headers['x-frame-options'], 'DENY', p);
    }
    assert.equal((await get(s.u('/dashboard/response-cache/stats'))).status, 200);  // auth off: the operator
  });
});

describe('dashboard in Chromium', { skip, timeout: 110000 }, () => {
  let s;
  let browser;
  const errors = [];
  const figures = {};
  let adminState;

  before(async () => {
    s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    if (Object.keys(figures).length) console.log(`dashboard figures: ${JSON.stringify(figures)}`);
  });

  it('admin: login page, the generated password, its forced change, the overview with the mock provider', async () => {
    const context = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
    const page = await context.newPage();
    watchConsole(page, errors);

    await page.goto(s.u('/dashboard/'));
    await heading(page, 'Sign in to aisbf');
    assert.equal(new URL(page.url()).pathname, '/dashboard/login');
    await checkPage(page, 'login');

    // Validation before sending; the server's refusal shown.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your username.').waitFor();
    await page.getByText('Enter your password.').waitFor();
    await fill(page, { Username: 'admin', Password: 'not-the-password' });
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
    const refusedLog = refusedRequestLogged(page, 401);
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal((await refused).status(), 401);
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    // The browser itself logs a refused request as an error; that one is expected here.
    await refusedLog;
    dropExpected(errors, 401);

    const generated = initialAdminPassword(s.configDir);
    await fill(page, { Username: 'admin', Password: generated });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Choose your own password');
    assert.equal(new URL(page.url()).pathname, '/dashboard/change-password');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no navigation before the change');
    await checkPage(page, 'change-password-forced');

    // The app follows the server: nothing else works until the change.
    await page.goto(s.u('/dashboard/profile'));
    await heading(page, 'Choose your own password');

    await fill(page, { 'Current password': generated, 'New password': 'admin-own-password', 'New password again': 'admin-own-passwort' });
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The two new passwords differ.').waitFor();
    await fill(page, { 'Current password': 'wrong-current-1', 'New password again': 'admin-own-password' });
    const wrongLog = refusedRequestLogged(page, 400);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('This is not your current password.').waitFor();  // the server's field error, beside the field
    await wrongLog;
    dropExpected(errors, 400);
    await fill(page, { 'Current password': generated });
    await page.getByRole('button', { name: 'Change password' }).click();

    await heading(page, 'Overview');
    assert.equal(new URL(page.url()).pathname, '/dashboard/');
    const row = page.getByRole('row').filter({ hasText: 'mock' });
    await row.waitFor();
    assert.match(await row.innerText(), /openai/);
    assert.match(await row.innerText(), /OK/);
    await checkPage(page, 'overview-admin');
    adminState = await context.storageState();

    // Keyboard: a page starts at its heading; Tab goes on to the page's
    // controls, Shift+Tab back to the header's, each with a visible focus ring.
    const focused = () => page.evaluate(() => {
      const e = document.activeElement;
      return { name: e?.getAttribute('aria-label') ?? e?.textContent?.trim(), outline: getComputedStyle(e).outlineStyle };
    });
    assert.equal((await focused()).name, 'Overview');
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(), { name: 'Refresh', outline: 'solid' });
    await page.keyboard.press('Shift+Tab');  // the heading is not a tab stop: back to the navigation's last link
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
    assert.deepEqual(await focused(), { name: links.at(-1), outline: 'solid' });
    for (let i = 1; i < links.length; i++) await page.keyboard.press('Shift+Tab');
    assert.deepEqual(await focused(), { name: links[0], outline: 'solid' });
    await page.keyboard.press('Shift+Tab');  // and on to the header's last control
    assert.deepEqual(await focused(), { name: 'Sign out', outline: 'solid' });

    // The navigation: the response cache (an admin page), its clear asks first.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Response cache' }).click();
    await heading(page, 'Response cache');
    await page.getByText('Backend').waitFor();
    await checkPage(page, 'response-cache');
    await page.getByRole('button', { name: 'Clear the cache…' }).click();
    await page.getByRole('dialog', { name: 'Clear the response cache?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Clear the cache…' }).click();
    await page.getByRole('button', { name: 'Clear the cache', exact: true }).click();
    await page.getByText(/Cleared \d+ entr/).waitFor();

    // TOR: off in this config, and the page says so (GET /api/admin/tor; tests/integration/tor.test.mjs runs one).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'TOR' }).click();
    await heading(page, 'TOR');
    await page.getByText('TOR is disabled (aisbf.json tor.enabled)').waitFor();
    assert.equal(await page.getByText('Off', { exact: true }).count(), 1);
    await checkPage(page, 'tor');

    // A deep link, reloaded.
    await page.goto(s.u('/dashboard/profile'));
    await heading(page, 'Profile');
    await page.reload();
    await heading(page, 'Profile');
    await page.getByText('Administrator').waitFor();
    await checkPage(page, 'profile');

    await page.getByRole('link', { name: 'Change password' }).click();
    await heading(page, 'Change password');
    await checkPage(page, 'change-password');

    // The theme toggle is kept across a reload.
    await page.getByRole('button', { name: 'Use the dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.reload();
    await heading(page, 'Change password');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.getByRole('button', { name: 'Use the light theme' }).click();

    await context.close();
    assert.deepEqual(errors, []);
  });

  it('first load of the overview, and what it downloads', async () => {
    assert.ok(adminState, 'needs the admin test before');
    const context = await browser.newContext({ viewport: WIDE, storageState: adminState });  // a cold HTTP cache
    const page = await context.newPage();
    watchConsole(page, errors);
    // Each script and stylesheet's gzip -9 size, read once its body is in:
    // awaited all together below, not counted while some are still pending.
    // Everything the overview loads counts, the chart chunk its sparklines
    // fetch after the heading too: read once the page is idle, and no
    // longer listened for before the context closes.
    const sizes = [];
    const onResponse = (r) => {
      if (/\/dashboard\/assets\/.*\.(js|css)$/.test(r.url())) {
        sizes.push(r.body().then((b) => zlib.gzipSync(b, { level: 9 }).length));
      }
    };
    page.on('response', onResponse);
    await page.goto(s.u('/dashboard/'));
    await heading(page, 'Overview');  // rendered by the script, styled by the stylesheet: both answered
    await page.getByRole('row').filter({ hasText: 'mock' }).waitFor();
    await page.locator('.chart-spark canvas').first().waitFor();  // the sparklines' chunk is in
    await page.waitForLoadState('networkidle');
    page.off('response', onResponse);
    const bytes = await Promise.all(sizes);
    const firstHeading = await page.evaluate(() => performance.getEntriesByName('aisbf:overview-heading')[0]?.startTime);
    assert.ok(firstHeading > 0, 'the overview marks its heading');
    figures.overview_first_heading_ms = Math.round(firstHeading);
    figures.overview_js_css_gzip9_kib = Number((bytes.reduce((a, b) => a + b, 0) / 1024).toFixed(1));
    assert.ok(bytes.length >= 2, 'the overview loaded its script and stylesheet');
    console.log(`dashboard: overview JS + CSS ${figures.overview_js_css_gzip9_kib} KiB gzip -9; first heading after ${figures.overview_first_heading_ms} ms`);
    await context.close();
    assert.deepEqual(errors, []);
  });

  it('a plain user: forced change, their own namespace, "not allowed" on an admin page whose API refuses them; sign-out', async () => {
    await createUser(s.url, bearer(GLOBAL), { username: 'pat', password: 'given-password-1' });
    const context = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
    const page = await context.newPage();
    watchConsole(page, errors);

    await page.goto(s.u('/dashboard/response-cache'));
    await heading(page, 'Sign in to aisbf');
    await fill(page, { Username: 'pat', Password: 'given-password-1' });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Choose your own password');
    await fill(page, { 'Current password': 'given-password-1', 'New password': 'pats-own-password', 'New password again': 'pats-own-password' });
    await page.getByRole('button', { name: 'Change password' }).click();

    await heading(page, 'Overview');
    await page.getByText('You have no providers of your own').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Response cache' }).count(), 0, 'no admin page in a user\'s navigation');
    await checkPage(page, 'overview-user');

    await page.goto(s.u('/dashboard/response-cache'));
    await heading(page, 'Not allowed');
    await checkPage(page, 'not-allowed');
    // And the API says the same to this session.
    const cookie = cookieHeader(await context.cookies());
    const refused = await get(s.u('/api/admin/cache/stats'), { headers: { cookie } });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json().error.code, 'insufficient_permissions');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in to aisbf');
    assert.equal((await get(s.u('/api/auth/me'), { headers: { cookie } })).status, 401, 'the session is over');
    await context.close();
    assert.deepEqual(errors, []);
  });
});
