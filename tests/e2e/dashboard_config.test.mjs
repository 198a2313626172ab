// The dashboard's configuration pages (issue 15) in Debian's Chromium,
// through the real aisbf and aisbf-mock: settings (validation before
// sending, a server field error beside its field or above the form when
// its field is hidden, a change saved and read back, the restart mark kept
// across a reload and cleared by putting the value back, secrets hidden
// until shown, turning auth off asked first and stopped on a public
// address, gateway tokens added and removed, short ones that all read "…"),
// prompts (an edit, its diff against the built-in text, a reset), condensation (the
// cascade per mock model, a mode change) and rate limits (a 429 from the
// mock shown with its time left counting down, a reset clearing it, the
// polling stopped once the page is left). axe, screenshots and 375 px via
// checkPage; no console error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, bearer, get, post, chatBody, mockProvider, model, MOCK_MODELS, delay,
} from './common.mjs';
import {
  skip, watchConsole, refusedRequestLogged, dropExpected, heading, checkPage, launchBrowser, adminContext,
} from './browser.mjs';

const GLOBAL = 'dashboard-global-token';
const auth = { headers: bearer(GLOBAL) };

async function settingsNow(s) {
  const r = await get(s.u('/api/admin/settings'), auth);
  assert.equal(r.status, 200, r.text);
  return r.json();
}

describe('dashboard: settings, prompts, condensation, rate limits', { skip, timeout: 180000 }, () => {
  let s;
  let browser;
  let context;
  const errors = [];

  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [GLOBAL] },
      providers: (url) => ({
        mock: mockProvider(url, {
          models: [
            ...MOCK_MODELS, 'fault-429-60',
            model('mock-condensed', { condense_context: 70, condense_method: 'conversational' }),
          ],
          default_condense_context: 50,
        }),
      }),
      aisbf: { adaptive_rate_limiting: { enabled: true, learning_rate: 0.1 }, x_kept: { by: 'the test' } },
    });
    browser = await launchBrowser();
    context = await adminContext(browser, s);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
  });

  it('settings: checked before sending, the server’s field error, saved and read back, restart marked, tokens', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/settings'));
    await heading(page, 'Settings');
    await page.getByLabel('Port', { exact: true }).waitFor();
    // The marks come from the server's lists.
    const server = page.getByRole('region', { name: 'Server' });
    await server.getByText('Needs a restart').first().waitFor();
    // tor's keys shape the onion service made at start (the section was "not used" before aisbf served TOR).
    await page.getByRole('region', { name: 'TOR' }).getByText('Needs a restart').first().waitFor();
    assert.match(await page.getByLabel('Idle timeout (s)').getAttribute('aria-describedby'), /hint/);
    await page.getByText('Applies at the next start of aisbf.').first().waitFor();
    await checkPage(page, 'settings');

    // Checked before sending: nothing goes out.
    let puts = 0;
    page.on('request', (r) => { if (r.method() === 'PUT' && r.url().endsWith('/api/admin/settings')) puts++; });
    await page.getByLabel('Port', { exact: true }).fill('abc');
    await page.getByLabel('Learning rate').fill('1.5');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Enter a whole number.').waitFor();
    await page.getByText('Enter at most 1.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'set-server-port');
    assert.equal(puts, 0);

    // A check only the server makes, beside its field: a masked-looking value that masks no stored secret.
    await page.getByLabel('Port', { exact: true }).fill(String(new URL(s.url).port));
    await page.getByLabel('Learning rate').fill('0.1');
    await page.getByRole('region', { name: 'Database' }).getByLabel('Type').selectOption('mysql');
    await page.getByLabel('MySQL password', { exact: true }).first().fill('abc…wxyz');
    const refused = refusedRequestLogged(page, 400);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/database\.mysql_password: a masked value that matches no stored secret/).waitFor();
    const mysqlPassword = page.getByLabel('MySQL password', { exact: true }).first();
    assert.equal(await mysqlPassword.getAttribute('aria-invalid'), 'true');
    await refused;
    dropExpected(errors, 400);
    // A secret is hidden until shown.
    assert.equal(await mysqlPassword.getAttribute('type'), 'password');
    const show = page.getByRole('button', { name: 'Show MySQL password' }).first();
    await show.click();
    assert.equal(await mysqlPassword.getAttribute('type'), 'text');
    assert.equal(await mysqlPassword.inputValue(), 'abc…wxyz');
    await page.getByRole('button', { name: 'Hide MySQL password' }).first().click();
    assert.equal(await mysqlPassword.getAttribute('type'), 'password');
    // The same error when its field is hidden (another database type): said above the form.
    await page.getByRole('region', { name: 'Database' }).getByLabel('Type').selectOption('sqlite');
    const refusedAgain = refusedRequestLogged(page, 400);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('alert').filter({ hasText: /Nothing was saved: database\.mysql_password: a masked value/ }).waitFor();
    await refusedAgain;
    dropExpected(errors, 400);
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByText('No unsaved change.').waitFor();

    // One setting that applies at once, one that needs a restart.
    await page.getByLabel('Learning rate').fill('0.25');
    await page.getByLabel('Idle timeout (s)').fill('90');
    await page.getByText('Unsaved changes: Server, Adaptive rate limiting').waitFor();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. These apply at the next start of aisbf: Idle timeout (s) (server.idle_timeout); the others apply at once.').waitFor();
    await page.getByText('Saved: restart aisbf to apply it.').waitFor();
    let now = await settingsNow(s);
    assert.equal(now.settings.adaptive_rate_limiting.learning_rate, 0.25);
    assert.equal(now.settings.server.idle_timeout, 90);
    assert.deepEqual(now.settings.x_kept, { by: 'the test' }, 'a section the page does not know is kept');
    const file = JSON.parse(fs.readFileSync(path.join(s.configDir, 'aisbf.json'), 'utf8'));
    assert.equal(file.adaptive_rate_limiting.learning_rate, 0.25);
    assert.deepEqual(file.auth.tokens, [GLOBAL], 'the masked token came back as itself');
    await page.reload();
    await heading(page, 'Settings');
    assert.equal(await page.getByLabel('Learning rate').inputValue(), '0.25');
    assert.equal(await page.getByLabel('Idle timeout (s)').inputValue(), '90');
    // The server says what waits for a restart: the mark survives a reload...
    await page.getByText('Saved: restart aisbf to apply it.').waitFor();
    await page.getByText('Saved, waiting for a restart of aisbf: Idle timeout (s) (server.idle_timeout).').waitFor();
    // ... and goes once the value is back to what aisbf started with.
    await page.getByLabel('Idle timeout (s)').fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    assert.equal(await page.getByText('Saved: restart aisbf to apply it.').count(), 0);
    assert.deepEqual((await settingsNow(s)).restart_required, []);

    // Turning auth off asks first; on an address other than loopback it is stopped.
    const requireAuth = page.getByLabel('Require authentication');
    const putsBefore = puts;
    await requireAuth.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    const authDialog = page.getByRole('dialog', { name: 'Turn authentication off?' });
    await authDialog.getByText(/can use your providers’ keys/).waitFor();
    await checkPage(page, 'settings-auth-off');
    await authDialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await settingsNow(s)).settings.auth.enabled, true, 'cancelled: nothing sent');
    await page.getByLabel('Listen address').fill('0.0.0.0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const publicDialog = page.getByRole('dialog', { name: 'Authentication cannot be off on this address' });
    await publicDialog.getByText(/which is not a loopback address/).waitFor();
    await publicDialog.getByRole('button', { name: 'Keep authentication on' }).click();
    assert.equal(await requireAuth.isChecked(), true);
    assert.equal(puts, putsBefore, 'nothing went out');
    await page.getByRole('button', { name: 'Discard' }).click();
    await requireAuth.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await authDialog.getByRole('button', { name: 'Turn it off and save' }).click();
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    assert.equal(JSON.parse(fs.readFileSync(path.join(s.configDir, 'aisbf.json'), 'utf8')).auth.enabled, false);
    await requireAuth.check();
    await page.getByRole('button', { name: 'Save settings' }).click(); // on again: nothing to ask
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    assert.equal((await settingsNow(s)).settings.auth.enabled, true);

    // A new gateway token: shown in full until saved, masked after; removing one asks first.
    await page.getByRole('button', { name: 'Generate a token' }).click();
    const fresh = (await page.locator('.token-list code').last().innerText()).trim();
    assert.match(fresh, /^aisbf-[A-Za-z0-9_-]{43}$/);
    await page.getByText('New: copy it now, it is masked once saved').waitFor();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    now = await settingsNow(s);
    assert.equal(now.settings.auth.tokens.length, 2);
    assert.equal((await get(s.u('/api/admin/settings'), { headers: bearer(fresh) })).status, 200, 'the new token admits');
    const masked = now.settings.auth.tokens.find((t) => t.startsWith('ais'));
    await page.getByRole('button', { name: `Remove the token ${masked}` }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove gateway tokens?' });
    await dialog.waitFor();
    await checkPage(page, 'settings-remove-token');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await settingsNow(s)).settings.auth.tokens.length, 2, 'cancelled: nothing sent');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('button', { name: 'Remove and save' }).click();
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    assert.deepEqual((await settingsNow(s)).settings.auth.tokens, ['das…oken']);
    assert.equal((await get(s.u('/api/admin/settings'), { headers: bearer(fresh) })).status, 401, 'the removed token is refused');

    // Tokens under 12 characters all read "…": listed apart, and a removal the server cannot place is refused.
    for (const t of ['short-one1', 'short-two2']) {
      await page.getByLabel('Add a token').fill(t);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
    }
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    assert.deepEqual((await settingsNow(s)).settings.auth.tokens, ['das…oken', '…', '…']);
    await page.getByText(/Tokens under 12 characters all show as/).waitFor();
    assert.equal(await page.locator('.token-list li').count(), 3);
    await page.getByRole('button', { name: 'Remove the token … (number 3)' }).click();
    assert.equal(await page.locator('.token-list li').count(), 2, 'one of the two removed, not both');
    const ambiguous = refusedRequestLogged(page, 400);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('button', { name: 'Remove and save' }).click();
    await page.getByText(/which one is removed cannot be told/).waitFor();
    await ambiguous;
    dropExpected(errors, 400);
    assert.equal(JSON.parse(fs.readFileSync(path.join(s.configDir, 'aisbf.json'), 'utf8')).auth.tokens.length, 3);
    await page.getByRole('button', { name: 'Remove the token …', exact: true }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('button', { name: 'Remove and save' }).click();
    await page.getByText('Saved. The changes apply to the next requests.').waitFor();
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(s.configDir, 'aisbf.json'), 'utf8')).auth.tokens, [GLOBAL]);
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('prompts: edit and save, the diff against the built-in text, reset after a confirmation', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/prompts'));
    await heading(page, 'Prompts');
    const text = page.getByLabel('Text of autoselect.md');
    await text.waitFor();
    const original = await text.inputValue();
    const builtin = (await get(s.u('/api/admin/prompts/autoselect'), auth)).json().default_text;
    assert.equal(original, builtin, 'the file written at first start holds the built-in text');
    await page.getByText('Same as built-in').waitFor();
    await checkPage(page, 'prompts');
    // Without its final newline it is the same text, for the badge as for the diff.
    await text.fill(original.replace(/\n$/, ''));
    await page.getByText('Unsaved', { exact: true }).waitFor();
    await page.getByText('Same as built-in').waitFor();
    await page.getByRole('button', { name: 'Discard changes' }).click();

    await text.fill('');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('A prompt cannot be empty.', { exact: false }).waitFor();

    const edited = original.replace(/\n?$/, '\nPrefer the cheapest model that can do the task.\n');
    await text.fill(edited);
    await page.getByText('Unsaved', { exact: true }).waitFor();
    const diff = page.getByRole('group', { name: 'Difference from the built-in text' });
    await diff.getByText('1 line added').waitFor();
    await diff.getByText('Prefer the cheapest model that can do the task.').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('autoselect.md is saved; it applies to the next requests.').waitFor();
    assert.equal(fs.readFileSync(path.join(s.configDir, 'autoselect.md'), 'utf8'), edited);
    await page.reload();
    await heading(page, 'Prompts');
    await page.getByText('Customised').waitFor();
    await diff.getByText('1 line added').waitFor();
    await checkPage(page, 'prompts-diff');
    // Closed, the diff is not worked out nor rendered.
    await page.getByText('Difference from the built-in text', { exact: true }).click();
    await diff.waitFor({ state: 'detached' });
    await page.getByText('Difference from the built-in text', { exact: true }).click();
    await diff.getByText('1 line added').waitFor();

    // Another prompt with unsaved changes asks first.
    await text.fill(`${edited}more\n`);
    await page.getByRole('button', { name: 'Semantic condensation' }).click();
    await page.getByRole('dialog', { name: 'Discard your changes?' }).getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByRole('button', { name: 'Autoselect' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Discard changes' }).click();

    await page.getByRole('button', { name: 'Reset to the built-in text…' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset autoselect.md?' });
    await reset.waitFor();
    await reset.getByRole('button', { name: 'Reset to the built-in text' }).click();
    await page.getByText('autoselect.md is back to the built-in text.').waitFor();
    await page.getByText('Same as built-in').waitFor();
    assert.equal(fs.readFileSync(path.join(s.configDir, 'autoselect.md'), 'utf8'), builtin);

    await page.getByRole('button', { name: 'Semantic condensation' }).click();
    await page.getByLabel('Text of condensation_semantic.md').waitFor();
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('condensation: the cascade per mock model, where each value comes from; a mode change', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/condensation'));
    await heading(page, 'Condensation');
    const row = (name) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    // mock-model: the provider's default 50 % of its 128 000, the built-in methods.
    const plain = row('mock/mock-model');
    await plain.waitFor();
    const plainText = await plain.innerText();
    assert.match(plainText, /At 64,000 tokens/);
    assert.match(plainText, /50 %\s*provider default/);
    assert.match(plainText, /algorithmic → sliding_window\s*built-in/);
    assert.match(plainText, /128,000\s*the model/);
    // mock-condensed: its own 70 % and method.
    const own = await row('mock/mock-condensed').innerText();
    assert.match(own, /At 89,600 tokens/);
    assert.match(own, /70 %\s*the model/);
    assert.match(own, /conversational\s*the model/);
    await checkPage(page, 'condensation');

    await page.getByLabel('Summary length (tokens)').fill('12');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Enter a whole number of at least 64.').waitFor();
    await page.getByLabel('Summary length (tokens)').fill('');
    await page.getByLabel(/^Mode/).selectOption('disabled');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. It applies to the next requests.').waitFor();
    assert.match(await row('mock/mock-model').innerText(), /Off: disabled in aisbf\.json/);
    assert.equal((await get(s.u('/api/admin/condensation'), auth)).json().mode, 'disabled');
    await page.getByLabel(/^Mode/).selectOption('inherit');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. It applies to the next requests.').waitFor();
    assert.match(await row('mock/mock-model').innerText(), /At 64,000 tokens/);
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('rate limits: a 429 shows its time left counting down, a reset clears it; polling stops when the page is left', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/rate-limits'));
    await heading(page, 'Rate limits');
    await page.getByText('Nothing to watch').waitFor();
    await checkPage(page, 'rate-limits-empty');

    const answered = await post(s.u('/api/v1/chat/completions'), chatBody('hi', { model: 'mock/fault-429-60' }), auth);
    assert.equal(answered.status, 429, answered.text);
    // The page refreshes by itself.
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'mock/fault-429-60' }) });
    await row.waitFor({ timeout: 8000 });
    await row.getByText('Rate limited').waitFor();
    // "59 s left", or "1 min 01 s left": the page's clock ticks once a
    // second, so it may stand up to a second before the report's arrival
    // and read 61 for a 60 s Retry-After.
    const left = async () => {
      const text = await row.locator('.countdown').innerText();
      const m = text.match(/(?:(\d+) min )?(\d+) s left/);
      assert.ok(m, `countdown: ${text}`);
      return Number(m[1] ?? 0) * 60 + Number(m[2]);
    };
    const first = await left();
    assert.ok(first > 40 && first <= 61, `time left ${first}`);
    await delay(2100);
    const later = await left();
    assert.ok(later < first, `counts down: ${first} then ${later}`);
    const cells = await row.innerText();
    assert.match(cells, /\b1\b/, '429 count');
    await checkPage(page, 'rate-limits');

    await row.getByRole('button', { name: 'Reset mock/fault-429-60' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset mock/fault-429-60?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const still = (await get(s.u('/api/admin/health'), auth)).json();
    assert.ok(still.rate_limits.some((e) => e.key === 'mock/fault-429-60' && e.blocked_for_s > 0), 'cancelled: still blocked');
    await row.getByRole('button', { name: 'Reset mock/fault-429-60' }).click();
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
    // A 429 blocks the model without a failure cooldown: the answer says {"reset": false}, and the page says what was cleared.
    await page.getByText('mock/fault-429-60: its learned limits, block, spacing and token windows are cleared; it had no failure cooldown.').waitFor();
    await page.getByText('Nothing to watch').waitFor();
    const health = (await get(s.u('/api/admin/health'), auth)).json();
    assert.ok(!health.rate_limits.some((e) => e.key === 'mock/fault-429-60'), JSON.stringify(health.rate_limits));
    assert.ok(!health.health.some((e) => e.key === 'mock/fault-429-60' && e.consecutive_failures > 0));

    // Left: no more requests for the health.
    let polls = 0;
    page.on('request', (r) => { if (r.url().endsWith('/api/admin/health')) polls++; });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await heading(page, 'Settings');
    polls = 0;
    await delay(3500);
    assert.equal(polls, 0, 'the rate-limits page stopped polling once left');
    await page.close();
    assert.deepEqual(errors, []);
  });
});
