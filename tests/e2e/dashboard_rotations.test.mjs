// The rotation and autoselect pages (issue 15) in Debian's Chromium through
// the real aisbf and aisbf-mock: as admin, a rotation built from two models
// of the mock provider (shares in %, a reorder by keyboard, the form's own
// checks and the server's field error beside the field), saved, then chats
// sent through it with the openai SDK and answered by both models; the
// entries of a rotation carrying keys moved and removed in the editor, each
// key staying with its entry; an
// autoselect created and tried (the choice and the selection model's words,
// nothing sent to the chosen model; the try box back on the first autoselect
// when the one it had was deleted); a plain user builds and deletes a
// rotation of their own, does not see the admin's, and is not allowed the
// admin pages. axe in both themes, screenshots and 375 px through checkPage;
// no console error anywhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OpenAI, startStack, createUser, bearer, get, request, mockProvider, MOCK_MODELS } from './common.mjs';
import {
  skip, WIDE, watchConsole, refusedRequestLogged, dropExpected, heading, checkPage, fill, launchBrowser, adminContext,
  signIn,
} from './browser.mjs';

const GLOBAL = 'rotations-global-token';
const CODING = 'Programming: code, debugging, functions, compilers, python and rust.';
const GENERAL = 'Everyday conversation: weather, cooking, travel and general questions.';

describe('dashboard: rotations and autoselects in Chromium', { skip, timeout: 200000 }, () => {
  let s;
  let browser;
  let admin;
  const errors = [];
  const shareOf = (page, name) => page.locator(`[data-share-of="${name}"] .badge`);
  const rowNames = (page) => page.locator('.candidate-row .candidate-name').allTextContents();

  before(async () => {
    // A fixed selection sequence: which candidate serves each chat is the same on every run.
    // The stack's mock provider, with the model the mock answers selection prompts as (mock/select).
    s = await startStack({
      auth: { enabled: true, tokens: [GLOBAL] },
      aisbf: { routing: { seed: 7 } },
      providers: (url) => ({ mock: mockProvider(url, { models: [...MOCK_MODELS, 'select'] }) }),
    });
    browser = await launchBrowser();
    admin = await adminContext(browser, s);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('admin builds a rotation from two mock models: shares in %, reorder, checks, save', async () => {
    const page = await admin.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/rotations'));
    await heading(page, 'Rotations');
    await page.getByText('No rotations yet').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rotations', exact: true }).waitFor();

    await page.getByRole('button', { name: 'New rotation' }).click();
    await heading(page, 'New rotation');
    await page.getByLabel('Add a model').selectOption('mock/mock-model');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('Add a model').selectOption('mock/org/nested-model');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.deepEqual(await rowNames(page), ['mock/mock-model', 'mock/org/nested-model']);
    // Empty weights are 1 each: half the traffic each.
    assert.equal(await shareOf(page, 'mock/mock-model').textContent(), '50 %');
    await page.getByLabel('Weight of mock/mock-model').fill('3');
    assert.equal(await shareOf(page, 'mock/mock-model').textContent(), '75 %');
    assert.equal(await shareOf(page, 'mock/org/nested-model').textContent(), '25 %');

    // The form's own checks, beside the fields, before anything is sent.
    await page.getByLabel('Weight of mock/org/nested-model').fill('-1');
    await page.getByLabel('Attempts per request').fill('0');
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await page.getByText('Give it an id: clients name it rotation/<id>.').waitFor();
    await page.getByText('A weight is 0 (a backup) or more.').waitFor();
    await page.getByText('At least 1.').waitFor();
    await page.getByLabel('Weight of mock/org/nested-model').fill('0');
    assert.match(await shareOf(page, 'mock/org/nested-model').textContent(), /backup 1/);
    await page.getByLabel('Weight of mock/org/nested-model').fill('');
    await page.getByLabel('Attempts per request').fill('3');

    // The server's field error beside the field: an id its routes reserve.
    await fill(page, { Id: 'admin' });
    const refusedLog = refusedRequestLogged(page, 400);
    await page.getByRole('button', { name: 'Save rotation' }).click();
    const idError = page.locator('#rot-id-error');
    await idError.waitFor();
    assert.match(await idError.textContent(), /admin/);
    await refusedLog;
    dropExpected(errors, 400);
    await fill(page, { Id: 'duo' });

    // Reorder from the keyboard: the focus stays on the moved row.
    await page.getByRole('button', { name: 'Move mock/org/nested-model up' }).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await rowNames(page), ['mock/org/nested-model', 'mock/mock-model']);
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Move mock/org/nested-model down');
    await page.keyboard.press('Enter');
    assert.deepEqual(await rowNames(page), ['mock/mock-model', 'mock/org/nested-model']);
    await page.getByRole('button', { name: 'Move mock/mock-model down' }).click();
    assert.deepEqual(await rowNames(page), ['mock/org/nested-model', 'mock/mock-model']);
    await checkPage(page, 'rotation-editor');

    await page.getByRole('button', { name: 'Save rotation' }).click();
    await heading(page, 'Rotations');
    await page.getByRole('status').filter({ hasText: 'Rotation duo saved.' }).waitFor();
    const row = page.getByRole('row', { name: /duo/ });
    assert.match(await row.textContent(), /mock\/org\/nested-model\s*25 %.*mock\/mock-model\s*75 %/s);
    await checkPage(page, 'rotations');

    // What was written: the order and the weights, the settings.
    const stored = (await get(s.u('/api/admin/rotations/duo'), { headers: bearer(GLOBAL) })).json().rotation;
    assert.deepEqual(stored.providers, [
      { provider_id: 'mock', models: [{ name: 'org/nested-model' }, { name: 'mock-model', weight: 3 }] }]);
    assert.equal(stored.max_attempts, 3);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('chats through the saved rotation with the openai SDK are answered by both models', async () => {
    const client = new OpenAI({ baseURL: `${s.url}/api/v1`, apiKey: GLOBAL, timeout: 10000, maxRetries: 0 });
    const served = new Map();
    for (let i = 0; i < 16; i++) {
      const { data, response } = await client.chat.completions
        .create({ model: 'rotation/duo', messages: [{ role: 'user', content: `hello ${i}` }] })
        .withResponse();
      assert.ok(data.choices[0].message.content.length > 0);
      const target = response.headers.get('x-aisbf-target');
      served.set(target, (served.get(target) ?? 0) + 1);
    }
    assert.deepEqual([...served.keys()].sort(), ['mock/mock-model', 'mock/org/nested-model'], JSON.stringify([...served]));
    assert.ok(served.get('mock/mock-model') > served.get('mock/org/nested-model'), JSON.stringify([...served]));
  });

  it('moving and removing entries that carry keys keeps each key with its entry', async () => {
    // Three entries of the mock, each with its own key (a short one masks to "…").
    const KEY_A = 'sk-rotation-key-aaaa-1111';
    const KEY_C = 'sk-rotation-key-cccc-3333';
    const put = await request(s.u('/api/admin/rotations/keyed'), {
      method: 'PUT', headers: bearer(GLOBAL), body: { providers: [
        { provider_id: 'mock', api_key: KEY_A, models: [{ name: 'mock-model' }] },
        { provider_id: 'mock', api_key: 'k-short', models: [{ name: 'org/nested-model' }] },
        { provider_id: 'mock', api_key: KEY_C, models: [{ name: 'select' }] },
      ] },
    });
    assert.equal(put.status, 201, put.text);
    const page = await admin.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/rotations'));
    await heading(page, 'Rotations');
    await page.getByRole('button', { name: 'Edit keyed' }).click();
    await heading(page, 'Rotation keyed');
    await page.getByRole('button', { name: 'Move mock/select up' }).click();
    await page.getByRole('button', { name: 'Move mock/select up' }).click();
    await page.getByRole('button', { name: 'Remove mock/org/nested-model' }).click();
    await page.getByLabel('Weight of mock/mock-model').fill('2');
    assert.deepEqual(await rowNames(page), ['mock/select', 'mock/mock-model']);
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await heading(page, 'Rotations');
    await page.getByRole('status').filter({ hasText: 'Rotation keyed saved.' }).waitFor();
    // The file holds each key with the model it was stored with.
    const file = JSON.parse(fs.readFileSync(path.join(s.configDir, 'rotations.json'), 'utf8'));
    assert.deepEqual(file.rotations.keyed.providers, [
      { provider_id: 'mock', api_key: KEY_C, models: [{ name: 'select' }] },
      { provider_id: 'mock', api_key: KEY_A, models: [{ name: 'mock-model', weight: 2 }] },
    ]);
    assert.equal((await request(s.u('/api/admin/rotations/keyed'), { method: 'DELETE', headers: bearer(GLOBAL) })).status, 204);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('admin creates an autoselect and tries it: the choice, how, and the selection model’s answer', async () => {
    const page = await admin.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/autoselect'));
    await heading(page, 'Autoselect');
    await page.getByText('No autoselects yet').waitFor();
    await page.getByRole('button', { name: 'New autoselect' }).click();
    await heading(page, 'New autoselect');
    await fill(page, { Id: 'pick', 'Selection model': 'mock/select', Fallback: 'duo' });
    await page.getByLabel('Add a candidate').selectOption('duo');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('Add a candidate').selectOption('mock/mock-model');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    // Descriptions are what the choice reads: asked for before saving.
    await page.getByRole('button', { name: 'Save autoselect' }).click();
    assert.equal(await page.getByText('Describe what it is good at: that is what the choice reads.').count(), 2);
    await page.getByLabel('Description of duo').fill(CODING);
    await page.getByLabel('Description of mock/mock-model').fill(GENERAL);
    await page.getByLabel('May see personal data').first().check();
    await checkPage(page, 'autoselect-editor');
    await page.getByRole('button', { name: 'Save autoselect' }).click();
    await heading(page, 'Autoselect');
    await page.getByRole('status').filter({ hasText: 'Autoselect pick saved.' }).waitFor();

    // Try it: an empty prompt is caught first; then the choice.
    await page.getByRole('button', { name: 'Choose a model' }).click();
    await page.getByText('Write a message to choose a model for.').waitFor();
    const before = (await s.mock.chatRequests()).length;
    await page.getByLabel('Prompt').fill('Please help me with debugging this python function, the compilers complain');
    await page.getByRole('button', { name: 'Choose a model' }).click();
    const result = page.locator('.try-result');
    await result.getByText('chosen by the selection model').waitFor();
    assert.match(await result.locator('.try-chosen').textContent(), /duo.*served as rotation\/duo/s);
    assert.match(await result.textContent(), /The selection model mock\/select chose it\./);
    assert.match(await result.locator('.answer-text').textContent(), /<aisbf_model_autoselection>duo<\/aisbf_model_autoselection>/);
    // Only the selection call went upstream.
    const asked = (await s.mock.chatRequests()).slice(before).map((q) => JSON.parse(q.body).model);
    assert.deepEqual(asked, ['select']);
    await checkPage(page, 'autoselect');

    // Another autoselect picked in the try box, then deleted: the box (kept
    // through the list's reload) goes back to the first, not to a 404.
    const other = await request(s.u('/api/admin/autoselects/other'), {
      method: 'PUT', headers: bearer(GLOBAL), body: {
        model_name: 'other', description: 'd', fallback: 'duo', available_models: [{ model_id: 'duo', description: CODING }],
      },
    });
    assert.equal(other.status, 201, other.text);
    await page.reload();
    await heading(page, 'Autoselect');
    await page.locator('#try-autoselect').selectOption('other');
    await page.getByRole('button', { name: 'Delete other' }).click();
    await page.getByRole('dialog', { name: 'Delete autoselect other?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Autoselect other deleted.' }).waitFor();
    assert.equal(await page.locator('#try-autoselect').inputValue(), 'pick');
    await page.getByLabel('Prompt').fill('Please help me with debugging this python function, the compilers complain');
    await page.getByRole('button', { name: 'Choose a model' }).click();
    await page.locator('.try-result').getByText('chosen by the selection model').waitFor();
    assert.match(await page.locator('.try-result .try-chosen').textContent(), /duo/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a plain user manages a rotation of their own, without the admin’s; admin pages are not allowed', async () => {
    await createUser(s.url, bearer(GLOBAL), { username: 'uma', password: 'uma-first-password' });
    const context = await browser.newContext({ viewport: WIDE, colorScheme: 'light' });
    const page = await context.newPage();
    watchConsole(page, errors);
    await signIn(page, s, 'uma', 'uma-first-password', 'uma-own-password');
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Rotations', exact: true }).count(), 0);
    await nav.getByRole('link', { name: 'My rotations' }).click();
    await heading(page, 'My rotations');
    await page.getByText('No rotations yet').waitFor();
    assert.equal(await page.getByText('duo').count(), 0);

    await page.getByRole('button', { name: 'New rotation' }).click();
    await fill(page, { Id: 'mine' });
    await page.getByLabel('Add a model').selectOption('mock/mock-model');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.equal(await shareOf(page, 'mock/mock-model').textContent(), '100 %');
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await heading(page, 'My rotations');
    await page.getByRole('row', { name: /mine/ }).getByText('user-rotation/mine').waitFor();
    await checkPage(page, 'user-rotations');

    // Deleting asks first; Cancel keeps it.
    await page.getByRole('button', { name: 'Delete mine' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete rotation mine?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('row', { name: /mine/ }).waitFor();
    await page.getByRole('button', { name: 'Delete mine' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Rotation mine deleted.' }).waitFor();
    await page.getByText('No rotations yet').waitFor();

    await nav.getByRole('link', { name: 'My autoselects' }).click();
    await heading(page, 'My autoselects');
    await page.getByText('No autoselects yet').waitFor();
    await checkPage(page, 'user-autoselects');

    for (const p of ['/dashboard/rotations', '/dashboard/autoselect']) {
      await page.goto(s.u(p));
      await heading(page, 'Not allowed');
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
});
