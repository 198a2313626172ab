// The dashboard's users and tokens pages (issue 15) in Debian's Chromium
// through the real aisbf and aisbf-mock: an admin creates a user (the
// form's checks, the server's refusal beside the field) and a token for
// them, shown once with its copy button and snippets, that works for a
// real call and is gone after a reload; the user signs in (forced change),
// makes and revokes their own token and sees only theirs; /dashboard/users
// is "not allowed" to them and its API refuses them; the admin resets
// their password, disables them (their session and token are refused),
// enables and deletes them, and cannot lock themselves out. axe-core in
// both themes, screenshots and the 375 px check on each page (checkPage).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, bearer, get, post, request, login } from './common.mjs';
import {
  skip, WIDE, watchConsole, refusedRequestLogged, dropExpected, heading, checkPage, fill, cookieHeader,
  launchBrowser, adminContext, signIn,
} from './browser.mjs';

const GLOBAL = 'people-global-token';

// The session's CSRF token, as the app reads it (GET /api/auth/me).
async function sessionHeaders(context, s) {
  const cookie = cookieHeader(await context.cookies());
  const me = await get(s.u('/api/auth/me'), { headers: { cookie } });
  assert.equal(me.status, 200, me.text);
  return { cookie, 'x-csrf-token': me.json().csrf_token };
}

async function flushUsage(s) {
  const r = await post(s.u('/api/admin/usage/flush'), {}, { headers: bearer(GLOBAL) });
  assert.ok(r.status === 200 || r.status === 204, r.text);
}

// Which element has the focus: its id.
const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

// The new token's secret as the page shows it, once.
async function revealedToken(page) {
  const shown = page.getByTestId('new-token');
  await shown.waitFor();
  const token = (await shown.innerText()).trim();
  assert.match(token, /^aisbf_[A-Za-z0-9_-]{20,}$/);
  await page.getByText('this is the only time it is shown').waitFor();
  return token;
}

describe('dashboard: users and tokens in Chromium', { skip, timeout: 200000 }, () => {
  let s;
  let browser;
  let admin; // the admin's browser context
  let robin; // the user's
  const errors = [];
  const secrets = {};

  before(async () => {
    s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] } });
    browser = await launchBrowser();
    admin = await adminContext(browser, s);
    await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('admin: the users page checks the form, shows the server\'s refusal, creates a user', async () => {
    const page = await admin.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/'));
    await heading(page, 'Overview');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Users' }).click();
    await heading(page, 'Users');
    assert.equal(new URL(page.url()).pathname, '/dashboard/users');
    await page.getByRole('row').filter({ hasText: 'admin' }).filter({ hasText: 'you' }).waitFor();
    await checkPage(page, 'users');

    // Checked before sending.
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Choose a username.').waitFor();
    await page.getByText('Choose an initial password.').waitFor();
    await fill(page, { Username: 'Robin Hood', 'Initial password': 'short' });
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(/Use lower-case letters/).waitFor();
    await page.getByText('Use at least 8 characters.').waitFor();

    // The server's refusal, beside the field it names.
    await fill(page, { Username: 'admin', 'Initial password': 'robins-first-pass' });
    const dupLog = refusedRequestLogged(page, 409);
    await page.getByRole('button', { name: 'Create user' }).click();
    await dupLog;
    dropExpected(errors, 409);
    assert.match(await page.locator('#new-user-username-error').innerText(), /User 'admin' exists already/);
    assert.equal(await page.locator('#new-user-username').getAttribute('aria-invalid'), 'true');

    await fill(page, { Username: 'robin' });
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Created robin.').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'robin' });
    await row.waitFor();
    assert.match(await row.innerText(), /User/);
    assert.match(await row.innerText(), /Must change password/);
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('admin: a token for the user, shown once with snippets, works for a real call and is gone after a reload', async () => {
    const page = await admin.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/users'));
    await heading(page, 'Users');
    await page.getByRole('link', { name: 'robin', exact: true }).click();
    await heading(page, 'robin');
    assert.equal(new URL(page.url()).search, '?user=robin');
    await page.getByRole('heading', { name: 'Today' }).waitFor(); // the usage, loaded
    await checkPage(page, 'user-detail');

    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Name the token after where it will be used.').waitFor();
    await fill(page, { Name: 'robin laptop' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await revealedToken(page);
    secrets.laptop = token;
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'new-token-title', 'focus moves to the new token');

    // The copy button puts exactly the secret on the clipboard.
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

    // Snippets: the origin, the right routes, a model robin may use. The
    // token is in one line only, the export; every snippet reads it back.
    const blocks = () => page.locator('.code-block pre').allInnerTexts();
    const code = () => blocks().then((t) => t.join('\n'));
    const withToken = async () => (await blocks()).filter((b) => b.includes(token));
    assert.deepEqual(await withToken(), [`export AISBF_API_KEY=${token}`]);
    assert.match(await code(), new RegExp(`base_url="${s.url}/api/v1", api_key=os\\.environ\\["AISBF_API_KEY"\\]`));
    assert.match(await code(), /model="mock\/mock-model"/);
    await page.getByLabel('With', { exact: true }).selectOption({ label: 'curl' });
    assert.match(await code(), new RegExp(`${s.url}/api/v1/chat/completions`));
    assert.match(await code(), /-H "Authorization: Bearer \$AISBF_API_KEY"/);
    await page.getByLabel('With', { exact: true }).selectOption({ label: 'Claude Code' });
    assert.match(await code(), new RegExp(`export ANTHROPIC_BASE_URL=${s.url}\\n`));
    assert.match(await code(), /export ANTHROPIC_AUTH_TOKEN="\$AISBF_API_KEY"/);
    await page.getByLabel('With', { exact: true }).selectOption({ label: 'Codex CLI' });
    assert.match(await code(), /wire_api = "responses"/);
    await page.getByLabel('With', { exact: true }).selectOption({ label: 'opencode' });
    assert.match(await code(), /"npm": "@ai-sdk\/openai-compatible"/);
    assert.deepEqual(await withToken(), [`export AISBF_API_KEY=${token}`]);
    await checkPage(page, 'user-token-created');

    // It works: the model list, and a chat as the snippets send it.
    const models = await get(s.u('/api/user/models'), { headers: bearer(token) });
    assert.equal(models.status, 200, models.text);
    const chat = await post(s.u('/api/v1/chat/completions'),
      { model: 'mock/mock-model', messages: [{ role: 'user', content: 'Hello!' }] }, { headers: bearer(token) });
    assert.equal(chat.status, 200, chat.text);
    // The usage row is queued as the request ends, which may come after its
    // answer reached us: flush and refresh until the row is counted (a
    // bounded number of rounds, each waiting for the page's answer).
    const today = page.locator('.usage-window').filter({ hasText: 'Today' });
    const countedOnce = () => page.waitForFunction(() => {
      const w = [...document.querySelectorAll('.usage-window')].find((e) => e.textContent.includes('Today'));
      return w && /Requests\s*1\b/.test(w.innerText);
    }, null, { timeout: 2000 }).then(() => true, () => false);
    let rounds = 0;
    for (; rounds < 20 && !(await countedOnce()); ++rounds) {
      await flushUsage(s);
      const answered = page.waitForResponse((r) => r.url().includes('/usage') && r.request().method() === 'GET');
      await page.getByRole('region', { name: 'Usage' }).getByRole('button', { name: 'Refresh' }).click();
      await answered;
      await today.getByText('Requests').waitFor();
    }
    assert.ok(await countedOnce(), `the chat counted once in today's usage after ${rounds} rounds`);

    // Reloaded: the list has its name, the secret is nowhere.
    await page.reload();
    await heading(page, 'robin');
    await page.getByRole('row').filter({ hasText: 'robin laptop' }).waitFor();
    assert.equal(await page.getByTestId('new-token').count(), 0);
    assert.ok(!(await page.content()).includes(token), 'the secret is gone after a reload');

    // The admin's own token, for the next test to check robin cannot see it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tokens' }).click();
    await heading(page, 'My tokens');
    await fill(page, { Name: 'admin cli' });
    await page.getByRole('button', { name: 'Create token' }).click();
    await revealedToken(page);
    await page.getByRole('button', { name: 'I have copied it: hide the token' }).click();
    assert.equal(await page.getByTestId('new-token').count(), 0);
    await page.waitForFunction(() => document.activeElement?.id === 'my-token-list-title'); // the list it is in now
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('the user: forced change, their own token made and revoked, only their own; the users page is not theirs', async () => {
    robin = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
    const page = await robin.newPage();
    watchConsole(page, errors);
    await signIn(page, s, 'robin', 'robins-first-pass', 'robins-own-password');
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0, 'no admin page in a user\'s navigation');
    await nav.getByRole('link', { name: 'My tokens' }).click();
    await heading(page, 'My tokens');
    await page.getByRole('row').filter({ hasText: 'robin laptop' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'admin cli' }).count(), 0, 'only their own tokens');
    await checkPage(page, 'my-tokens');

    // The expiry date is checked before sending.
    await fill(page, { Name: 'robin ci' });
    await page.getByLabel('Expires').selectOption({ label: 'On a date…' });
    await page.getByLabel('Expiry date').fill('2020-01-01');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Choose a day in the future.').waitFor();
    await page.getByLabel('Expires').selectOption({ label: 'In 30 days' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await revealedToken(page);
    const mine = await get(s.u('/api/user/tokens'), { headers: bearer(token) });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json().data.map((t) => t.description).sort(), ['robin ci', 'robin laptop']);
    assert.ok(!mine.text.includes(token), 'a list never holds a secret');
    const row = page.getByRole('row').filter({ hasText: 'robin ci' });
    assert.match(await row.innerText(), /in 30 days|in 29 days/);
    await checkPage(page, 'my-token-created');

    // Revoking asks first; then the token is refused.
    await row.getByRole('button', { name: /Revoke/ }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await get(s.u('/api/user/models'), { headers: bearer(token) })).status, 200);
    await row.getByRole('button', { name: /Revoke/ }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    // Said once the list is the new one; the rows stay shown meanwhile.
    await page.getByText(/Revoked “robin ci”/).waitFor();
    await page.getByRole('row').filter({ hasText: 'robin laptop' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'robin ci' }).count(), 0);
    await page.waitForFunction(() => document.activeElement?.id === 'my-token-message');
    assert.equal(await page.getByTestId('new-token').count(), 0, 'a revoked token is not shown any more');
    assert.equal((await get(s.u('/api/user/models'), { headers: bearer(token) })).status, 401);

    // The users page is not theirs, nor its API.
    await page.goto(s.u('/dashboard/users?user=admin'));
    await heading(page, 'Not allowed');
    const cookie = cookieHeader(await robin.cookies());
    const refused = await get(s.u('/api/admin/users'), { headers: { cookie } });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json().error.code, 'insufficient_permissions');
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('admin: an own account cannot be locked out; a reset password must be changed; disabled, the user is refused', async () => {
    const page = await admin.newPage();
    watchConsole(page, errors);

    // Their own page: no self-demotion, -disabling or -deletion, and the API agrees.
    await page.goto(s.u('/dashboard/users?user=admin'));
    await heading(page, 'admin');
    await page.getByText('This is your own account').first().waitFor();
    assert.ok(await page.getByRole('button', { name: 'Disable account…' }).isDisabled());
    assert.ok(await page.getByRole('button', { name: 'Delete admin…' }).isDisabled());
    assert.ok(await page.getByRole('button', { name: 'Save role' }).isDisabled());
    const own = await sessionHeaders(admin, s);
    for (const [method, body] of [['PATCH', { active: false }], ['PATCH', { role: 'user' }], ['DELETE', undefined]]) {
      const r = await request(s.u('/api/admin/users/admin'), { method, body, headers: own });
      assert.equal(r.status, 409, `${method} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json().error.code, 'own_account');
    }

    await page.goto(s.u('/dashboard/users?user=robin'));
    await heading(page, 'robin');

    // A token made here stays shown through the writes below: the page
    // reloads the user in place, it does not go back to "Loading…".
    await fill(page, { Name: 'robin spare' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const spare = await revealedToken(page);

    // A password reset: checked, asked, and robin must change it again.
    await fill(page, { 'New password': 'short' });
    await page.getByRole('button', { name: 'Reset password…' }).click();
    await page.getByText('Use at least 8 characters.').waitFor();
    await fill(page, { 'New password': 'robins-reset-pass' });
    await page.getByRole('button', { name: 'Reset password…' }).click();
    await page.getByRole('button', { name: 'Reset password', exact: true }).click();
    await page.getByText(/password is reset/).waitFor();
    assert.equal(await focusedId(page), 'user-message', 'focus on what was done');
    assert.equal(await revealedToken(page), spare, 'the token shown once is still there');
    const relogin = await login(s.url, 'robin', 'robins-reset-pass');
    assert.equal(relogin.res.status, 200, relogin.res.text);
    assert.equal(relogin.res.json().user.must_change_password, true);

    // Disabled: robin's session (ended) and token are refused.
    await page.getByRole('button', { name: 'Disable account…' }).click();
    await page.getByRole('dialog', { name: 'Disable robin?' }).waitFor();
    await page.getByRole('button', { name: 'Disable account', exact: true }).click();
    await page.getByText(/robin is disabled/).waitFor();
    await page.locator('.page-head').getByText('Disabled').waitFor();
    // "Disable account…", which opened the dialog, is gone: focus is on the message, not lost to <body>.
    assert.equal(await focusedId(page), 'user-message');
    assert.equal(await page.getByTestId('new-token').count(), 1);
    assert.equal((await get(s.u('/v1/models'), { headers: bearer(secrets.laptop) })).status, 401);
    assert.equal((await get(s.u('/api/auth/me'), { headers: relogin.headers(false) })).status, 401);
    const robinPage = await robin.newPage();
    watchConsole(robinPage, errors);
    const ended = refusedRequestLogged(robinPage, 401); // the app asks who is signed in: nobody any more
    await robinPage.goto(s.u('/dashboard/user/tokens'));
    await heading(robinPage, 'Sign in to aisbf');
    await ended;
    dropExpected(errors, 401);
    await robinPage.close();
    assert.equal((await login(s.url, 'robin', 'robins-reset-pass')).res.status, 401);

    // Enabled again: the token works again.
    await page.getByRole('button', { name: 'Enable account' }).click();
    await page.getByText(/may sign in and use their tokens again/).waitFor();
    assert.equal((await get(s.u('/v1/models'), { headers: bearer(secrets.laptop) })).status, 200);

    // Deleted, after a confirmation: back on the list, without robin.
    await page.getByRole('button', { name: 'Delete robin…' }).click();
    await page.getByRole('dialog', { name: 'Delete robin?' }).waitFor();
    await page.getByRole('button', { name: 'Delete robin', exact: true }).click();
    await heading(page, 'Users');
    await page.getByText('Deleted the user robin').waitFor();
    await page.getByRole('row').filter({ hasText: 'admin' }).filter({ hasText: 'you' }).waitFor(); // the list is loaded
    assert.equal(await page.getByRole('row').filter({ hasText: 'robin' }).count(), 0);
    // Said once: the address loses ?deleted=, and a reload does not say it again.
    assert.equal(new URL(page.url()).search, '');
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'admin' }).filter({ hasText: 'you' }).waitFor();
    assert.equal(await page.getByText('Deleted the user robin').count(), 0);
    assert.equal((await get(s.u('/v1/models'), { headers: bearer(secrets.laptop) })).status, 401);

    // A user that is not there (the server's 404 user_not_found).
    const missing = refusedRequestLogged(page, 404);
    await page.goto(s.u('/dashboard/users?user=nobody'));
    await heading(page, 'nobody');
    await page.getByText('There is no user named nobody.').waitFor();
    await missing;
    dropExpected(errors, 404);

    // A name no user can have is not even asked for.
    const asked = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/admin/users/')) asked.push(r.url()); });
    await page.goto(s.u('/dashboard/users?user=Robin%20Hood'));
    await heading(page, 'Robin Hood');
    await page.getByText('There is no user named Robin Hood.').waitFor();
    assert.deepEqual(asked, []);
    await page.close();
    assert.deepEqual(errors, []);
  });
});
