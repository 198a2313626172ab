// The providers pages (issue 15) in Debian's Chromium through the real aisbf
// and aisbf-mock: as the admin, a provider created from a template pointing
// at the mock, its fields checked before sending and the server's field
// error shown beside its field, the connection tested (latency shown), its
// models fetched and two picked, saved, listed, edited with the stored key
// kept, and deleted after a confirmation; a plain user manages a provider of
// their own on /dashboard/user/providers and sees none of the admin's, and
// /dashboard/providers is not for them. axe and screenshots (light, dark,
// 375 px) of each state worth seeing; no console error but the refusals
// the test provokes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, createUser, bearer, get, request, MOCK_KEY } from './common.mjs';
import {
  skip, WIDE, watchConsole, refusedRequestLogged, dropExpected, heading, checkPage, fill, launchBrowser, adminContext,
  signIn,
} from './browser.mjs';

const GLOBAL = 'providers-page-global-token';

function storedProviders(s) {
  return JSON.parse(fs.readFileSync(path.join(s.configDir, 'providers.json'), 'utf8')).providers;
}

describe('dashboard: providers pages', { skip, timeout: 200000 }, () => {
  let s;
  let browser;
  const errors = [];

  before(async () => {
    s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('admin: create from a template, test, fetch and pick models, save, edit, delete', async () => {
    const context = await adminContext(browser, s);
    const page = await context.newPage();
    watchConsole(page, errors);

    await page.goto(s.u('/dashboard/providers'));
    await heading(page, 'Providers');
    await page.getByRole('row').filter({ hasText: 'mock' }).waitFor();
    await checkPage(page, 'providers-list');

    await page.getByRole('button', { name: 'Add a provider' }).click();
    await heading(page, 'New provider');
    await checkPage(page, 'providers-new');

    // Checked before sending: nothing goes to the server.
    await page.getByRole('button', { name: 'Create the provider' }).click();
    await page.getByText('Choose an id: clients name the models').waitFor();
    await page.getByText('Enter the endpoint URL.').waitFor();
    await page.getByText('This provider needs a key').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pf-id', 'the first field in error has focus');
    await fill(page, { Endpoint: 'ftp://example.com/v1' });
    await page.getByRole('button', { name: 'Create the provider' }).click();
    await page.getByText('The endpoint must start with http:// or https://.').waitFor();
    await checkPage(page, 'providers-new-errors');

    // A template: the type, its endpoint and whether it needs a key.
    await page.getByLabel('Start from a template').selectOption('preset:groq');
    assert.equal(await page.getByLabel('Endpoint', { exact: true }).inputValue(), 'https://api.groq.com/openai/v1');
    await page.getByText('drops logprobs').first().waitFor();
    await page.getByLabel('Start from a template').selectOption('type:openai');
    assert.equal(await page.getByLabel('Type', { exact: true }).inputValue(), 'openai');

    // The server's refusal beside its field: an id the routes reserve.
    await fill(page, { Id: 'rotations', Endpoint: `${s.mock.url}/v1`, 'API key': MOCK_KEY });
    const reserved = refusedRequestLogged(page, 400);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const idError = page.locator('#pf-id-error');
    await idError.waitFor();
    assert.match(await idError.innerText(), /reserved route word/);
    await reserved;
    dropExpected(errors, 400);

    await fill(page, { Id: 'fresh', 'Display name': 'Fresh mock' });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection works').waitFor();
    const result = await page.locator('.probe').innerText();
    assert.match(result, /Model list\s+OK\s+\d+ ms/, result);
    assert.match(result, /One-token chat to mock-model\s+OK\s+\d+ ms/, result);  // the list's first model
    await checkPage(page, 'providers-tested');

    await page.getByRole('button', { name: 'Fetch models' }).click();
    await page.getByRole('heading', { name: /The provider lists \d+ models/ }).waitFor();
    await fill(page, { Filter: 'mo' });
    await page.getByLabel('mock-model', { exact: false }).first().check();
    await fill(page, { Filter: '' });
    await page.getByRole('checkbox', { name: /^gpt-4o-mini/ }).check();
    await checkPage(page, 'providers-fetched');
    await page.getByRole('button', { name: 'Add 2 models' }).click();
    assert.equal(await page.locator('#pf-models-0-name').inputValue(), 'mock-model');
    assert.equal(await page.locator('#pf-models-1-name').inputValue(), 'gpt-4o-mini');
    assert.ok(await page.getByRole('checkbox', { name: /^gpt-4o-mini/ }).isDisabled(), 'an added model is marked');
    await page.getByRole('button', { name: 'Close the list' }).click();

    await page.getByRole('button', { name: 'Create the provider' }).click();
    await heading(page, 'Providers');
    await page.getByText('Created provider fresh.').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'fresh' });
    assert.match(await row.innerText(), /Fresh mock[\s\S]*openai\s+2/);
    const saved = storedProviders(s).fresh;
    assert.deepEqual(saved.models.map((m) => m.name), ['mock-model', 'gpt-4o-mini']);
    assert.equal(saved.api_key, MOCK_KEY);
    await checkPage(page, 'providers-saved');

    // Edit: the stored key is shown masked and kept unless replaced.
    await page.getByRole('button', { name: 'Edit fresh' }).click();
    await heading(page, 'Edit provider fresh');
    await page.getByText('stored, unchanged').waitFor();
    assert.ok(!(await page.content()).includes(MOCK_KEY), 'the key is not on the page');
    await checkPage(page, 'providers-edit');
    await page.getByRole('button', { name: 'Replace the key' }).click();
    await page.getByLabel('New API key').waitFor();
    await page.getByRole('button', { name: /Keep the stored key/ }).click();
    // Another endpoint: the stored key would not be sent there, so it is asked for again (and why).
    await fill(page, { Endpoint: 'http://127.0.0.1:9/v1' });
    await page.getByLabel('New API key').waitFor();
    await page.getByText(/endpoint, type or preset changed/).waitFor();
    assert.equal(await page.getByRole('button', { name: /Keep the stored key/ }).count(), 0);
    await fill(page, { Endpoint: `${s.mock.url}/v1` });
    await page.getByText('stored, unchanged').waitFor();
    await fill(page, { 'Display name': 'Fresh mock, renamed' });
    await page.getByRole('button', { name: 'Remove model gpt-4o-mini' }).click();
    await page.getByRole('button', { name: 'Save the provider' }).click();
    await page.getByText('Saved provider fresh.').waitFor();
    assert.match(await page.getByRole('row').filter({ hasText: 'fresh' }).innerText(), /renamed[\s\S]*openai\s+1/);
    const edited = storedProviders(s).fresh;
    assert.equal(edited.api_key, MOCK_KEY, 'the stored key was kept');
    assert.equal(edited.name, 'Fresh mock, renamed');

    // Delete, after a confirmation; cancelling keeps it.
    await page.getByRole('button', { name: 'Delete fresh' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete provider fresh?' });
    await dialog.waitFor();
    await checkPage(page, 'providers-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.ok(storedProviders(s).fresh, 'cancel keeps it');
    await page.getByRole('button', { name: 'Delete fresh' }).click();
    await dialog.getByRole('button', { name: 'Delete the provider' }).click();
    await page.getByText('Deleted provider fresh.').waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'fresh' }).count(), 0);
    assert.equal(storedProviders(s).fresh, undefined);

    await context.close();
    assert.deepEqual(errors, []);
  });

  it('a plain user: their own providers only; the admin page is not for them', async () => {
    await createUser(s.url, bearer(GLOBAL), { username: 'una', password: 'given-password-1' });
    const allowed = await request(s.u('/api/admin/users/una'), {
      method: 'PATCH', body: { allow_private_endpoints: true }, headers: bearer(GLOBAL),  // the mock is on loopback
    });
    assert.equal(allowed.status, 200, allowed.text);
    const context = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
    const page = await context.newPage();
    watchConsole(page, errors);
    await signIn(page, s, 'una', 'given-password-1', 'unas-own-password');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My providers' }).click();
    await heading(page, 'My providers');
    await page.getByText('No providers yet').waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'mock' }).count(), 0, "the admin's provider is not listed");
    await checkPage(page, 'user-providers-empty');

    await page.getByRole('button', { name: 'Add a provider' }).click();
    await heading(page, 'New provider');
    await fill(page, { Id: 'mine', Endpoint: `${s.mock.url}/v1`, 'API key': MOCK_KEY });
    await page.getByRole('button', { name: 'Add a model by name' }).click();
    await page.locator('#pf-models-0-name').fill('mock-model');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection works').waitFor();
    await page.getByRole('button', { name: 'Create the provider' }).click();
    await page.getByText('Created provider mine.').waitFor();
    await page.getByRole('row').filter({ hasText: 'mine' }).waitFor();
    await checkPage(page, 'user-providers');

    // Theirs alone: the admin's list has no "mine", theirs no "mock".
    const globals = await get(s.u('/api/admin/providers'), { headers: bearer(GLOBAL) });
    assert.equal(globals.json().providers.mine, undefined);
    assert.equal(await page.getByRole('row').filter({ hasText: /^mock/ }).count(), 0);

    const refusedLog = refusedRequestLogged(page, 403);
    await page.goto(s.u('/dashboard/providers'));
    await heading(page, 'Not allowed');
    // The app asks nothing of the admin API; asked directly, it refuses this session.
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    assert.equal((await get(s.u('/api/admin/providers'), { headers: { cookie } })).status, 403);
    await page.evaluate(() => fetch('/api/admin/providers').catch(() => {}));
    await refusedLog;
    dropExpected(errors, 403);

    await context.close();
    assert.deepEqual(errors, []);
  });
});
