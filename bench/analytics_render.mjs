// bench/analytics_render.mjs — bench/analytics_rows' browser part: signs in
// as the admin (the generated password, changed), then opens the analytics
// page for [FROM, TO) by day RUNS times (a reload each, the HTTP cache warm
// as a returning user's) and prints the median, min and max of: navigation
// start to the chart's first draw (the page's data-drawn mark), and the
// usage call's own time in it (resource timing).
//
//   node bench/analytics_render.mjs BASE_URL ADMIN_PASSWORD FROM TO RUNS ROWS
import { launchBrowser, signIn, heading } from '../tests/e2e/browser.mjs';

const [base, password, from, to, runsArg, rows] = process.argv.slice(2);
const runs = Number(runsArg);
const stack = { u: (p) => `${base}${p}` };

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const med = sorted[Math.floor((sorted.length - 1) / 2)];
  return `median ${med.toFixed(1)} ms (min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)}; ${values.length} runs)`;
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await signIn(page, stack, 'admin', password, 'bench-admin-password');
  const url = stack.u(`/dashboard/analytics?range=custom&from=${from}&to=${to}&bucket=day`);
  const toDraw = [];
  const api = [];
  for (let i = 0; i <= runs; i++) {
    await page.goto(url);
    await heading(page, 'Analytics');
    await page.waitForFunction(() => document.querySelector('#usage-chart')?.dataset.drawn, null, { timeout: 30000 });
    const m = await page.evaluate(() => {
      const chart = document.querySelector('#usage-chart');
      const call = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/admin/usage?'));
      return {
        drawn: Number(chart.dataset.drawn),
        points: Number(chart.dataset.points),
        api: call ? call.responseEnd - call.startTime : NaN,
        total: document.querySelector('#usage-table tfoot td')?.textContent,
      };
    });
    if (m.points !== 60) throw new Error(`the chart has ${m.points} points, not 2 × 30 days`);
    if (m.total?.replace(/,/g, '') !== rows) throw new Error(`the table's total is ${m.total}, not ${rows}`);
    if (i === 0) continue; // the first load fills the HTTP cache (a returning admin's)
    toDraw.push(m.drawn);
    api.push(m.api);
  }
  if (errors.length) throw new Error(`console errors: ${errors.join('; ')}`);
  console.log(`   page navigation start → chart drawn: ${summary(toDraw)}`);
  console.log(`   page of which the usage call:        ${summary(api)}`);
  await context.close();
} finally {
  await browser.close();
}
