// The dashboard's analytics (issue 15) in Debian's Chromium through the real
// aisbf and aisbf-mock: chats sent with the openai SDK (answered and failed)
// appear in /dashboard/analytics — the uPlot chart has points, the table has
// the rows, the CSV export holds exactly the requests sent; the view is in
// the URL (a reload or a link opens the same one, back returns to the last
// one); the checks before sending; the overview's activity tiles. axe in
// both themes, screenshots, 375 px without sideways scroll, no console error.
// Prints the time from navigation to the chart's first draw.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startSdkStack, bearer, post, csvObjects } from './common.mjs';
import { skip, watchConsole, heading, checkPage, launchBrowser, adminContext } from './browser.mjs';

const GLOBAL = 'analytics-global-token';
const ANSWERED = 5;
const FAILED = 2;

// The chart once drawn: its point count and when it was drawn.
// The chart once drawn; with `label`, once it draws that view: a new view's
// report is fetched while the last one stays shown (its label says which).
async function drawnChart(page, label) {
  const chart = page.locator('#usage-chart');
  await chart.locator('canvas').waitFor({ timeout: 10000 });
  await page.waitForFunction((source) => {
    const box = document.querySelector('#usage-chart');
    return box?.dataset.drawn && (source === null || new RegExp(source).test(box.getAttribute('aria-label') ?? ''));
  }, label ? label.source : null, { timeout: 10000 });
  return {
    points: Number(await chart.getAttribute('data-points')),
    drawn: Number(await chart.getAttribute('data-drawn')),
    label: await chart.getAttribute('aria-label'),
  };
}

describe('dashboard analytics in Chromium', { skip, timeout: 150000 }, () => {
  let s;
  let browser;
  let context;
  const errors = [];
  const sent = [];

  before(async () => {
    s = await startSdkStack({ token: GLOBAL });
    const client = s.client();
    for (let i = 0; i < ANSWERED; i++) {
      const r = await client.chat.completions.create({ model: 'mock/mock-model', messages: [{ role: 'user', content: `question ${i}` }] });
      assert.ok(r.choices[0].message.content);
      sent.push('mock/mock-model');
    }
    for (let i = 0; i < FAILED; i++) {
      await assert.rejects(client.chat.completions.create({ model: 'mock/fault-500', messages: [{ role: 'user', content: 'x' }] }));
      sent.push('mock/fault-500');
    }
    const flushed = await post(s.u('/api/admin/usage/flush'), undefined, { headers: bearer(GLOBAL) });
    assert.equal(flushed.status, 200, flushed.text);
    browser = await launchBrowser();
    context = await adminContext(browser, s);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
  });

  it('the chart has points, the table has the rows, the exports hold what was sent', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/'));
    await heading(page, 'Overview');
    const start = Date.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    await heading(page, 'Analytics');
    const chart = await drawnChart(page);
    console.log(`dashboard analytics: chart drawn ${Date.now() - start} ms after the click (${chart.points} points)`);
    // The last 24 hours by hour: requests and errors, one point per hour each.
    // 24 h from a time off the hour: 25 hour buckets (24 on the hour).
    assert.ok(chart.points === 2 * 25 || chart.points === 2 * 24, chart.label);
    assert.match(chart.label, /Requests and errors per hour/);
    const total = page.locator('#usage-table tfoot tr');
    assert.match(await total.innerText(), new RegExp(`Total\\s+${ANSWERED + FAILED}\\s+${FAILED}\\s+29%`));

    // Grouped by model: a row each, with their requests and errors.
    await page.getByLabel('Group the table by').selectOption('model');
    await page.waitForURL(/group_by=model/);
    const model = page.locator('#usage-table tbody tr[data-key="mock-model"]');
    await model.waitFor();
    assert.match(await model.innerText(), new RegExp(`mock-model[\\s\\S]*\\s${ANSWERED}\\s+0\\s+0%`));
    const failed = page.locator('#usage-table tbody tr[data-key="fault-500"]');
    assert.match(await failed.innerText(), new RegExp(`fault-500[\\s\\S]*\\s${FAILED}\\s+${FAILED}\\s+100%`));
    await checkPage(page, 'analytics');

    // The CSV export: the server's rows with the page's range and filters, one per request sent.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const csv = csvObjects(fs.readFileSync(await (await download).path(), 'utf8'));
    assert.deepEqual(csv.map((r) => r.requested_model).sort(), [...sent].sort());
    assert.equal(csv.filter((r) => Number(r.status) >= 400).length, FAILED);
    const json = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export JSON' }).click();
    const report = JSON.parse(fs.readFileSync(await (await json).path(), 'utf8'));
    assert.equal(report.totals.requests, ANSWERED + FAILED);
    assert.deepEqual(report.groups.map((g) => g.key).sort(), ['fault-500', 'mock-model']);
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('the view is in the URL: a link and a reload open it, back returns to the last one', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/analytics?range=1h&group_by=provider&metric=latency&model=mock-model'));
    await heading(page, 'Analytics');
    const check = async () => {
      const chart = await drawnChart(page, /Latency p50 and p95 per minute/);
      assert.ok(chart.points >= 2, chart.label);  // p50 and p95 where the requests were
      assert.equal(await page.getByRole('radio', { name: 'Last hour' }).isChecked(), true);
      assert.equal(await page.getByRole('radio', { name: 'Latency' }).isChecked(), true);
      assert.equal(await page.getByLabel('Group the table by').inputValue(), 'provider');
      await page.getByRole('button', { name: /Remove the filter Model: mock-model/ }).waitFor();
      const row = page.locator('#usage-table tbody tr[data-key="mock"]');
      assert.match(await row.innerText(), new RegExp(`mock[\\s\\S]*\\s${ANSWERED}\\s+0\\s+0%`));  // the filter: no failed row
    };
    await check();
    // The chart's metric by keyboard: only how the report is drawn changes
    // (no new request, nothing unmounted): the focus stays on the radio.
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/api/admin/usage')) asked.push(r.url()); });
    await page.getByRole('radio', { name: 'Latency' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/metric=errors/);
    await drawnChart(page, /Error rate per minute/);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('value')), 'errors');
    assert.equal(await page.getByRole('radio', { name: 'Error rate' }).isChecked(), true);
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(/metric=latency/);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('value')), 'latency');
    assert.deepEqual(asked, [], 'the metric asks nothing new');
    await page.reload();
    await heading(page, 'Analytics');
    await check();
    await checkPage(page, 'analytics-latency');

    // Another range, then back.
    await page.getByRole('radio', { name: 'Last 7 days' }).check();
    await page.waitForURL(/range=7d/);
    await drawnChart(page, /per hour/);
    await page.goBack();
    await page.waitForURL(/range=1h/);
    await check();
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('checks before sending: a custom range needs a start, minutes cover 6 hours at most', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/api/admin/usage')) asked.push(r.url()); });
    await page.goto(s.u('/dashboard/analytics?bucket=minute'));
    await heading(page, 'Analytics');
    await page.getByText('Minutes cover at most 6 hours').waitFor();
    assert.deepEqual(asked, [], 'an invalid view asks nothing');
    // A link with a bad start and an over-long filter: the errors beside their fields at once.
    await page.goto(s.u(`/dashboard/analytics?range=custom&from=yesterday&model=${'m'.repeat(300)}`));
    await heading(page, 'Analytics');
    const badFrom = page.getByLabel('From (your local time)');
    await page.getByText('Not a date and time.').waitFor();
    assert.equal(await badFrom.getAttribute('aria-invalid'), 'true');
    await page.getByText('At most 256 bytes.').waitFor();
    assert.equal(await page.getByLabel('Model', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.deepEqual(asked, [], 'an invalid link asks nothing');
    await page.goto(s.u('/dashboard/analytics?bucket=minute'));
    await heading(page, 'Analytics');
    await page.getByRole('radio', { name: 'Custom' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Choose where the range starts.').waitFor();
    const from = new Date(Date.now() - 2 * 3600_000);
    const local = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    await page.getByLabel('From (your local time)').fill(local(from));
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/range=custom&from=/);
    const chart = await drawnChart(page);
    assert.match(chart.label, /per minute/);
    assert.equal(await page.locator('#usage-table tfoot tr th').innerText(), 'Total');
    await checkPage(page, 'analytics-custom');
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('the overview shows the last hour and today with sparklines', async () => {
    const page = await context.newPage();
    watchConsole(page, errors);
    await page.goto(s.u('/dashboard/'));
    await heading(page, 'Overview');
    const activity = page.getByRole('region', { name: 'Activity' });
    await activity.getByText('requests, last hour').waitFor();
    const tiles = activity.locator('.stat');
    assert.equal(await tiles.count(), 4);
    assert.match(await tiles.nth(0).innerText(), new RegExp(`^${ANSWERED + FAILED}\\s+requests, last hour`));
    assert.match(await tiles.nth(1).innerText(), new RegExp(`^${FAILED}\\s+errors, last hour\\s+29% of requests`));
    await page.waitForFunction(() => [...document.querySelectorAll('.chart-spark')].every((c) => c.dataset.drawn), null, { timeout: 10000 });
    assert.ok(Number(await tiles.nth(0).locator('.chart-spark').getAttribute('data-points')) >= 60);
    await page.close();
    assert.deepEqual(errors, []);
  });
});
