// The dashboard behind a real nginx from Debian on a subpath (/gw/): nginx
// strips the prefix and says it in X-Forwarded-Prefix; aisbf believes the
// header from server.trusted_proxies only. Every link, file and API call of
// the app stays under /gw/: sign-in with the forced password change, the
// overview's data, a navigation link, a deep link reloaded. From a peer not
// listed, the header changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startStack, get, initialAdminPassword, bearer } from './common.mjs';
import { skip as browserSkip, WIDE, watchConsole, heading, signIn, checkPage, launchBrowser } from './browser.mjs';
import { NGINX, startNginx } from './nginx.mjs';

const skip = browserSkip || (!fs.existsSync(NGINX) ? `needs Debian's nginx at ${NGINX}: scripts/setup.sh --tests installs it` : false);

describe('dashboard behind nginx on a subpath', { skip, timeout: 90000 }, () => {
  let s;
  let nginx;
  let browser;
  let site; // the gateway as the browser sees it: through nginx, under /gw
  const errors = [];

  before(async () => {
    s = await startStack({ auth: { enabled: true, tokens: ['subpath-global-token'] }, server: { trusted_proxies: ['127.0.0.1', '::1'] } });
    nginx = await startNginx(`
    location /gw/ {
      proxy_pass ${s.url}/;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Prefix /gw;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
    }`);
    site = { u: (p) => `${nginx.url}/gw${p}`, configDir: s.configDir };
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await s?.stop();
  });

  it('index.html, the redirect and the files carry the prefix', async () => {
    const bare = await get(site.u('/dashboard'));
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/gw/dashboard/');
    const index = await get(site.u('/dashboard/providers'));
    assert.equal(index.status, 200);
    assert.match(index.text, /<meta name="aisbf-prefix" content="\/gw">/);
    const refs = [...index.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length >= 2, index.text);
    for (const ref of refs) {
      assert.ok(ref.startsWith('/gw/dashboard/'), ref);
      const file = await get(`${nginx.url}${ref}`);
      assert.equal(file.status, 200, ref);
    }
    assert.equal(index.headers['x-frame-options'], 'DENY');
    // The same page straight from aisbf (its peer is listed too, but sends no header): no prefix.
    const direct = await get(s.u('/dashboard/providers'));
    assert.match(direct.text, /<meta name="aisbf-prefix" content="">/);
    assert.match(direct.text, /src="\/dashboard\/assets\//);
    assert.notEqual(direct.headers.etag, index.headers.etag);
  });

  it('a bad prefix is ignored', async () => {
    for (const bad of ['//evil.example', '/gw/../x', '/g"w', 'gw']) {
      const r = await get(s.u('/dashboard/'), { headers: { 'x-forwarded-prefix': bad } });
      assert.equal(r.status, 200, bad);
      assert.match(r.text, /<meta name="aisbf-prefix" content="">/, bad);
    }
  });

  it('in Chromium: sign-in, the overview, a link and a deep link, all under /gw', async () => {
    const context = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
    const page = await context.newPage();
    watchConsole(page, errors);
    const outside = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/gw/')) outside.push(r.url());
    });

    await page.goto(site.u('/dashboard/'));
    await heading(page, 'Sign in to aisbf');
    assert.equal(new URL(page.url()).pathname, '/gw/dashboard/login');
    await signIn(page, site, 'admin', initialAdminPassword(s.configDir), 'admin-own-password');
    assert.equal(new URL(page.url()).pathname, '/gw/dashboard/');
    await page.getByRole('row').filter({ hasText: 'mock' }).waitFor();  // the API answered through the prefix
    await checkPage(page, 'subpath-overview');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Response cache' }).click();
    await heading(page, 'Response cache');
    assert.equal(new URL(page.url()).pathname, '/gw/dashboard/response-cache');
    await page.getByText('Backend').waitFor();

    await page.reload();
    await heading(page, 'Response cache');
    await page.goto(site.u('/dashboard/profile'));
    await heading(page, 'Profile');
    await page.getByText('Administrator').waitFor();

    // A new token's snippets point at the gateway under the prefix, and work there.
    await page.goto(site.u('/dashboard/user/tokens'));
    await heading(page, 'My tokens');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('behind nginx');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').innerText()).trim();
    const code = (await page.locator('.code-block pre').allInnerTexts()).join('\n');
    assert.ok(code.includes(`base_url="${nginx.url}/gw/api/v1"`), code);
    const models = await get(`${nginx.url}/gw/api/v1/models`, { headers: bearer(token) });
    assert.equal(models.status, 200, models.text);

    assert.deepEqual(outside, [], 'every request stayed under /gw/');
    await context.close();
    assert.deepEqual(errors, []);
  });
});

describe('dashboard: X-Forwarded-Prefix from a peer not listed', { skip: browserSkip, timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ server: { trusted_proxies: ['10.0.0.0/8'] } }); });
  after(async () => { await s?.stop(); });

  it('is ignored', async () => {
    const r = await get(s.u('/dashboard/'), { headers: { 'x-forwarded-prefix': '/gw' } });
    assert.match(r.text, /<meta name="aisbf-prefix" content="">/);
    const bare = await get(s.u('/dashboard'), { headers: { 'x-forwarded-prefix': '/gw' } });
    assert.equal(bare.headers.location, '/dashboard/');
  });
});
