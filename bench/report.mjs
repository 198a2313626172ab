// Renders the Markdown report of bench/run from its results folder.
//   node bench/report.mjs RESULTS_DIR OUT.md [BASELINE.md]
import fs from 'node:fs';
import path from 'node:path';

const [dir, out, baselineFile] = process.argv.slice(2);
const read = (f) => {
  try { return fs.readFileSync(path.join(dir, f), 'utf8'); } catch { return null; }
};
const json = (f) => {
  const t = read(f);
  if (!t) return null;
  try { return JSON.parse(t); } catch { /* a tool's output: its last line */ }
  try { return JSON.parse(t.trim().split('\n').pop()); } catch { return null; }
};
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, digits = 0) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';

const meta = json('meta.json') ?? {};
const targets = ['direct', 'direct-ant', 'relay', 'nginx', 'aisbf', 'aisbf-rot', 'aisbf-sel', 'aisbf-o2a', 'aisbf-a2o', 'portkey'];
// Rows served by the aisbf process (its RSS is on the aisbf row).
const sameProcess = new Set(['aisbf-rot', 'aisbf-sel', 'aisbf-o2a', 'aisbf-a2o']);
const standins = (meta.standins ?? '').split(' ').filter(Boolean);
const problems = (read('problems.txt') ?? '').split('\n').filter(Boolean);
const checks = (read('checks.txt') ?? '').split('\n').filter(Boolean);

// CPU other processes used during each block, in % of one core.
const other = new Map(
  (read('other-cpu.tsv') ?? '').split('\n').filter(Boolean).map((l) => {
    const [name, ticks, pct, secs] = l.split('\t');
    return [name, { ticks: Number(ticks), pct: Number(pct), secs: Number(secs) }];
  }),
);
const DISTURBED_PCT = 10;
const disturbed = (...names) =>
  names.some((n) => { const o = other.get(n); return o && o.ticks > 5 && o.pct > DISTURBED_PCT; });

// A block with errors gets a mark next to its number; one disturbed by other
// processes another.
const mark = (r, ...names) => (r && r.errors > 0 ? ' ⚠' : '') + (disturbed(...names) ? ' †' : '');

const row = {};
for (const t of targets) {
  const lat = [];
  for (let r = 1; r <= (meta.lat_rounds ?? 0); r++) lat.push(json(`lat.${t}.${r}.json`));
  const latOk = lat.filter(Boolean);
  const t16 = json(`tput16.${t}.json`);
  const t64 = json(`tput64.${t}.json`);
  const ttfb = json(`ttfb.${t}.json`);
  const ir = json(`ir.${t}.json`);
  const irs = json(`irs.${t}.json`);
  const rss = (k) => {
    const v = read(`rss.${t}.${k}`);
    return v && Number(v) > 0 ? Number(v) / 1024 : NaN;
  };
  const latNames = lat.map((_, i) => `lat.${t}.${i + 1}`);
  row[t] = {
    p50: median(latOk.map((r) => r.p50_us)),
    p90: median(latOk.map((r) => r.p90_us)),
    p99: median(latOk.map((r) => r.p99_us)),
    latMark: (latOk.some((r) => r.errors > 0) ? ' ⚠' : '') + (disturbed(...latNames) ? ' †' : ''),
    rps16: t16?.rps ?? NaN, rps16Mark: mark(t16, `tput16.${t}`),
    rps64: t64?.rps ?? NaN, rps64Mark: mark(t64, `tput64.${t}`),
    p99at64: t64?.p99_us ?? NaN,
    ttfb: ttfb?.p50_us ?? NaN, ttfb99: ttfb?.p99_us ?? NaN, ttfbMark: mark(ttfb, `ttfb.${t}`),
    rssIdle: rss('idle'), rssLoad: rss('load'),
    ir: ir ? ir.per_request : NaN,
    irs: irs ? irs.per_request : NaN,
    // Outside the usage writer thread (whose batches follow the timing).
    irLoop: ir?.event_loop_per_request ?? NaN,
    wrk16: json(`wrk16.${t}.json`)?.rps ?? NaN,
    wrk64: json(`wrk64.${t}.json`)?.rps ?? NaN,
  };
}

// CPU time per request of a row from its cpu.T.R blocks (bench/run: utime +
// stime from /proc over cpu_n requests at c=16, cpu_runs runs): each run's
// block and the medians.
const cpuOf = (t) => {
  const blocks = [];
  for (let r = 1; r <= (meta.cpu_runs ?? 0); r++) {
    const c = json(`cpu.${t}.${r}.cpu.json`);
    const lg = json(`cpu.${t}.${r}.json`);
    blocks.push({ c, mark: mark(lg, `cpu.${t}.${r}`) });
  }
  const ok = blocks.filter((b) => b.c && b.c.requests > 0);
  return {
    blocks,
    us: median(ok.map((b) => b.c.us_per_request)),
    sched: median(ok.map((b) => b.c.sched_us_per_request)),
    ticks: median(ok.map((b) => b.c.ticks)),
    secs: median(ok.map((b) => b.c.cpu_s)),
    rps: median(ok.map((b) => (b.c.wall_s > 0 ? b.c.requests / b.c.wall_s : NaN))),
    mark: [...new Set(blocks.map((b) => b.mark.trim()).filter(Boolean))].map((m) => ' ' + m).join(''),
  };
};

const label = {
  direct: 'direct (mock, no proxy)',
  'direct-ant': 'direct anthropic (mock /v1/messages)',
  relay: 'relay (zero-work TCP relay)',
  nginx: `nginx ${meta.nginx ?? ''} (proxy_pass, upstream keep-alive)`.replace('  ', ' '),
  aisbf: 'aisbf',
  'aisbf-rot': 'aisbf rotation (2 candidates)',
  'aisbf-sel': 'aisbf autoselect (cached)',
  'aisbf-o2a': 'aisbf openai→anthropic',
  'aisbf-a2o': 'aisbf anthropic→openai',
  portkey: `portkey ${meta.portkey ?? ''}`.trim(),
};
if (standins.includes('aisbf')) for (const t of ['aisbf', 'aisbf-rot', 'aisbf-sel', 'aisbf-o2a', 'aisbf-a2o']) label[t] += ' (STAND-IN)';
if (standins.includes('aisbf-mock')) for (const t of ['direct', 'direct-ant']) label[t] += ' (STAND-IN mock)';

const L = [];
L.push(`# aisbf benchmark — ${meta.date ?? ''}${meta.quick ? ' (quick run)' : ''}`);
L.push('');
L.push(`Machine: ${meta.nproc} cores (nproc), ${meta.cpu}, Linux ${meta.kernel}; ` +
  `date ${meta.date}; commit ${meta.sha}${meta.rebuilt === 0 ? ' (binaries not rebuilt by this run)' : ''}; ` +
  `aisbf build ${meta.build_type}; node ${meta.node}; ` +
  `load average ${meta.load_start} before the run${Number.parseFloat(meta.load_start) > 1 ? ' (**busy machine: numbers skewed**)' : ''}.`);
if (standins.length) L.push(`\n**Stand-ins were used for: ${standins.join(', ')}** — these rows are not real measurements.`);
L.push('');
L.push('| | p50 c=1 (µs) | p99 c=1 (µs) | rps c=16 | rps c=64 | stream TTFB p50 (µs) | RSS idle (MB) | RSS after load (MB) | instructions/request | instructions/streamed request |');
L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const t of targets) {
  const r = row[t];
  const rss = (x) => (t.startsWith('direct') ? '—' : sameProcess.has(t) ? '(aisbf)' : fmt(x, 1));
  L.push(`| ${label[t]} | ${fmt(r.p50, 1)}${r.latMark} | ${fmt(r.p99, 1)}${r.latMark} | ${fmt(r.rps16)}${r.rps16Mark} | ` +
    `${fmt(r.rps64)}${r.rps64Mark} | ${fmt(r.ttfb, 1)}${r.ttfbMark} | ${rss(r.rssIdle)} | ` +
    `${rss(r.rssLoad)} | ${fmt(r.ir)} | ${fmt(r.irs)} |`);
}
const marks = [];
if (Object.values(row).some((r) => [r.latMark, r.rps16Mark, r.rps64Mark, r.ttfbMark].some((m) => m.includes('⚠'))))
  marks.push('⚠ some requests of this measurement failed (see Problems).');
if (Object.values(row).some((r) => [r.latMark, r.rps16Mark, r.rps64Mark, r.ttfbMark].some((m) => m.includes('†'))))
  marks.push(`† other processes on the machine used more than ${DISTURBED_PCT}% of a core during this measurement: not a clean number.`);
{
  const measured = [...other.entries()].filter(([n]) => /^(lat|tput|ttfb|cpu)/.test(n));
  const ticks = measured.reduce((a, [, o]) => a + o.ticks, 0);
  const worst = measured.reduce((w, e) => (e[1].pct > (w?.[1].pct ?? -1) ? e : w), null);
  if (measured.length) {
    const secs = measured.reduce((a, [, o]) => a + (o.secs || 0), 0);
    const avg = secs > 0 ? (ticks * 100) / (secs * (meta.hz || 100)) : NaN;
    marks.push(`Other processes used ${fmt(avg, 1)}% of a core on average during the measured blocks` +
      (worst ? ` (most: ${fmt(worst[1].pct, 0)}% during ${worst[0]}; ${fmt(ticks)} ticks in all)` : '') +
      (avg > 5 ? ' — **the machine was not quiet; rerun for clean numbers**.' : '.'));
  }
}
if (marks.length) L.push('', ...marks);
L.push('');

// Targets for aisbf.
const a = row.aisbf, rl = row.relay, pk = row.portkey;
const verdict = (ok) => (ok === null ? 'n/a' : ok ? '**PASS**' : '**FAIL**');
const cmp = (x, bound, le) => (Number.isFinite(x) && Number.isFinite(bound) ? (le ? x <= bound : x >= bound) : null);
// The latency target is judged on the paired block (aisbf and relay requests
// alternating, one connection to each, one request at a time); the rows' own
// medians, measured in separate blocks, are shown for information.
const lp = json('latpair.aisbf-relay.json');
const lpMark = mark(lp, 'latpair.aisbf-relay');
const lpA = lp?.count > 0 ? lp.p50_us : NaN, lpR = lp?.alt_count > 0 ? lp.alt_p50_us : NaN;
const sign = (x) => (x >= 0 ? '+' : '−') + fmt(Math.abs(x), 1);
// Marks of several blocks, each once.
const uniq = (m) => [...new Set(m.trim().split(/\s+/).filter(Boolean))].map((x) => ' ' + x).join('');
// [name, aisbf, bound, ok (true | false | null), judged (false: information, no verdict)]
const tgt = [
  ['p50 c=1 ≤ relay + 25 µs, paired (judged)', `${fmt(lpA, 1)} µs${lpMark} (${Number.isFinite(lpA - lpR) ? sign(lpA - lpR) : '—'} µs)`,
    `≤ ${fmt(lpR + 25, 1)} µs (relay ${fmt(lpR, 1)})`, cmp(lpA - lpR, 25, true)],
  ['p50 c=1 ≤ relay + 25 µs, rows (information)', `${fmt(a.p50, 1)} µs${a.latMark} (${Number.isFinite(a.p50 - rl.p50) ? sign(a.p50 - rl.p50) : '—'} µs)`,
    `≤ ${fmt(rl.p50 + 25, 1)} µs${rl.latMark} (relay ${fmt(rl.p50, 1)})`, cmp(a.p50, rl.p50 + 25, true), false],
  ['rps c=16 ≥ 9,000', `${fmt(a.rps16)}${a.rps16Mark}`, '≥ 9,000', cmp(a.rps16, 9000, false)],
  ['rps c=16 ≥ 10 × Portkey', `${fmt(a.rps16)}${a.rps16Mark}`, `≥ ${fmt(10 * pk.rps16)}${pk.rps16Mark}`,
    cmp(a.rps16, 10 * pk.rps16, false)],
  ['stream TTFB p50 ≤ relay + 200 µs', `${fmt(a.ttfb, 1)} µs${a.ttfbMark}`, `≤ ${fmt(rl.ttfb + 200, 1)} µs${rl.ttfbMark}`,
    cmp(a.ttfb, rl.ttfb + 200, true)],
  ['idle RSS ≤ 50 MB', `${fmt(a.rssIdle, 1)} MB`, '≤ 50 MB', cmp(a.rssIdle, 50, true)],
];
L.push('Targets for aisbf:');
L.push('');
L.push('| target | aisbf | bound | result |');
L.push('| --- | ---: | ---: | --- |');
for (const [name, val, bound, ok, judged = true] of tgt)
  L.push(`| ${name} | ${val} | ${bound} | ${judged ? verdict(ok) : 'info'} |`);
L.push('');
L.push(`p50 c=1 is judged on the paired block: ${fmt(lp?.count ?? NaN)} aisbf and ${fmt(lp?.alt_count ?? NaN)} relay requests ` +
  'alternating, one connection to each and one request at a time, so that both see the same state of the machine; ' +
  `PASS when aisbf's p50 − the relay's p50 ≤ 25 µs (here ${Number.isFinite(lpA - lpR) ? sign(lpA - lpR) : '—'} µs). ` +
  'The rows\' medians come from separate blocks a few seconds apart, whose p50 moves by tens of µs on this VM: for information only.');
L.push('');

// Rotation vs direct provider path: the same passthrough, once through the
// rotation `benchrot` (resolution, weighted selection between two candidates,
// health and limit checks) and once to a provider model. Whole-request
// ratios: selection and limit checks must not show.
{
  const r = row['aisbf-rot'];
  const ratio = (x, base) => (Number.isFinite(x) && Number.isFinite(base) && base > 0 ? x / base : NaN);
  // The latency verdict comes from the paired block (direct and rotation
  // requests alternating on one connection); the rows' own medians, measured
  // in separate blocks, are shown for information.
  const pair = json('latpair.aisbf-rot.json');
  const pairMark = mark(pair, 'latpair.aisbf-rot');
  // [name, rotation, direct, marks, digits, bound: le ratio ≤ 1.05 | ge ratio ≥ 0.95 | null (information)]
  const measures = [
    ['latency p50 c=1, paired (µs)', pair?.alt_p50_us ?? NaN, pair?.p50_us ?? NaN, pairMark, 1, 'le'],
    ['latency p50 c=1, rows (µs)', r.p50, a.p50, r.latMark + a.latMark, 1, null],
    ['instructions / request', r.ir, a.ir, '', 0, 'le'],
    ['rps c=16', r.rps16, a.rps16, r.rps16Mark + a.rps16Mark, 0, 'ge'],
    ['rps c=64', r.rps64, a.rps64, r.rps64Mark + a.rps64Mark, 0, null],
    ['stream TTFB p50 (µs)', r.ttfb, a.ttfb, r.ttfbMark + a.ttfbMark, 1, null],
    ['instructions / streamed request', r.irs, a.irs, '', 0, null],
  ];
  L.push('Rotation vs direct provider path (the same passthrough through the rotation `benchrot`, two weighted candidates, ' +
    'against the provider model `mock/mock-model`; target: within 5%):');
  L.push('');
  L.push('| | rotation | direct | ratio | target | result |');
  L.push('| --- | ---: | ---: | ---: | --- | --- |');
  for (const [name, x, base, mk, digits, bound] of measures) {
    const q = ratio(x, base);
    const ok = !Number.isFinite(q) ? null : bound === 'le' ? q <= 1.05 : bound === 'ge' ? q >= 0.95 : null;
    const target = bound === 'le' ? '≤ 1.05' : bound === 'ge' ? '≥ 0.95' : '—';
    L.push(`| ${name} | ${fmt(x, digits)}${uniq(mk)} | ${fmt(base, digits)} | ${fmt(q, 3)} | ${target} | ${bound ? verdict(ok) : 'info'} |`);
  }
  L.push('');
  L.push(`Paired: ${fmt(pair?.count ?? NaN)} direct and ${fmt(pair?.alt_count ?? NaN)} rotation requests alternating on one connection, ` +
    'so that both see the same state of the machine; the rows\' medians come from separate blocks a few seconds apart, ' +
    'whose p50 moves by tens of µs on this VM.');
  L.push('');
}

// Translation cost: what each aisbf path adds over the mock answering the same
// upstream protocol direct, against what the passthrough path adds.
// Instructions: the gateway's own count (direct has no gateway).
{
  const paths = [
    ['aisbf', 'direct', 'openai → openai (passthrough)'],
    ['aisbf-o2a', 'direct-ant', 'openai → anthropic'],
    ['aisbf-a2o', 'direct', 'anthropic → openai'],
  ];
  // [name, added(gateway, direct), marks, digits, judged against the target]
  const hop = (k) => row.relay[k] - row.direct[k];  // what any proxy pays for the extra hop
  const measures = [
    ['latency p50 c=1 (µs)', (g, d) => row[g].p50 - row[d].p50, (g, d) => row[g].latMark + row[d].latMark, 1, true],
    ['stream TTFB p50 (µs)', (g, d) => row[g].ttfb - row[d].ttfb, (g, d) => row[g].ttfbMark + row[d].ttfbMark, 1, true],
    ['instructions / streamed request', (g) => row[g].irs, () => '', 0, true],
    ['*latency p50 c=1, hop excluded (µs)*', (g, d) => row[g].p50 - row[d].p50 - hop('p50'),
      (g, d) => row[g].latMark + row[d].latMark + row.relay.latMark, 1, false],
    ['*stream TTFB p50, hop excluded (µs)*', (g, d) => row[g].ttfb - row[d].ttfb - hop('ttfb'),
      (g, d) => row[g].ttfbMark + row[d].ttfbMark + row.relay.ttfbMark, 1, false],
  ];
  L.push('Translation cost (added = gateway − the mock direct in the upstream protocol; ratio = translation added / passthrough added; target ≤ 2×):');
  L.push('');
  L.push(`| | ${paths.map(([, , n]) => `${n} added`).join(' | ')} | ${paths.slice(1).map(([, , n]) => `${n} ratio | ≤ 2×`).join(' | ')} |`);
  L.push(`| --- | ${paths.map(() => '---:').join(' | ')} | ${paths.slice(1).map(() => '---: | ---').join(' | ')} |`);
  for (const [name, added, mk, digits, judged] of measures) {
    const base = added('aisbf', 'direct');
    const cells = paths.map(([g, d]) => `${fmt(added(g, d), digits)}${uniq(mk(g, d))}`);
    const ratios = paths.slice(1).map(([g, d]) => {
      const x = added(g, d);
      const ok = Number.isFinite(x) && Number.isFinite(base) && base > 0;
      const ratio = ok ? x / base : NaN;
      return `${fmt(ratio, 2)}× | ${judged ? verdict(ok ? ratio <= 2 : null) : 'info'}`;
    });
    L.push(`| ${name} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  L.push('');
  L.push('Direct rows subtracted: openai → openai and anthropic → openai use `direct`, openai → anthropic uses `direct anthropic`. ' +
    'The latency figures include the extra hop across cores that any proxy pays, the same for every path, which pulls their ratios towards 1; ' +
    'the rows in italics, for information, also subtract that hop (relay − direct), leaving what aisbf itself adds.');
  L.push('');
}

// CPU time per request of the passthrough proxies, from /proc: utime + stime
// over blocks of cpu_n requests at c=16, the proxies taking turns in each of
// cpu_runs runs; the median of the runs. nginx is the bar for a passthrough
// proxy, the relay the floor. Information, no verdict (see bench/README.md).
{
  const cpuTargets = ['relay', 'nginx', 'aisbf'];
  const runs = meta.cpu_runs ?? 0;
  const cpu = Object.fromEntries(cpuTargets.map((t) => [t, cpuOf(t)]));
  const q = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y > 0 ? x / y : NaN);
  const ax = cpu.aisbf.us, nx = cpu.nginx.us, rx = cpu.relay.us;
  L.push(`CPU time per request (from \`/proc\`: utime + stime of the proxy's process, nginx's master + worker; ` +
    `${fmt(meta.cpu_n ?? NaN)} plain requests per block at c=16, ${runs} runs with the three proxies taking turns; median of the runs):`);
  L.push('');
  const runCols = Array.from({ length: runs }, (_, i) => `run ${i + 1} (µs)`);
  L.push(`| | ${runCols.join(' | ')} | **median µs/request** | CPU per block (s) | rps in the block | schedstat µs/request | aisbf / this |`);
  L.push(`| --- | ${runCols.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: | ---: |`);
  for (const t of cpuTargets) {
    const c = cpu[t];
    const cells = c.blocks.map((b) => `${fmt(b.c?.us_per_request ?? NaN, 1)}${b.mark}`);
    L.push(`| ${label[t]} | ${cells.join(' | ')} | **${fmt(c.us, 1)}**${c.mark} | ${fmt(c.secs, 2)} | ${fmt(c.rps)} | ` +
      `${fmt(c.sched, 1)} | ${t === 'aisbf' ? '—' : `${fmt(q(ax, c.us), 2)}×`} |`);
  }
  L.push('');
  const r = q(ax, nx);
  L.push(`aisbf / nginx = **${fmt(r, 2)}×**, aisbf / relay = ${fmt(q(ax, rx), 2)}×; aisbf − nginx = ${Number.isFinite(ax - nx) ? sign(ax - nx) : '—'} µs per request. ` +
    `Bar: aisbf CPU/request ≤ 1.5 × nginx's (≤ ${fmt(1.5 * nx, 1)} µs): ` +
    `${Number.isFinite(r) ? (r <= 1.5 ? 'within' : '**over**') : 'n/a'} (information, not a verdict).`);
  const allMarks = cpuTargets.map((t) => cpu[t].mark).join(' ');
  if (allMarks.includes('⚠')) L.push('', '⚠ some requests of this block failed (see Problems).');
  if (allMarks.includes('†'))
    L.push('', `† other processes used more than ${DISTURBED_PCT}% of a core during this block: the proxy shared its caches and core with them.`);
  const minTicks = Math.min(...cpuTargets.flatMap((t) => cpu[t].blocks.filter((b) => b.c).map((b) => b.c.ticks)));
  if (Number.isFinite(minTicks) && minTicks < 200)
    L.push('', `The smallest block used ${fmt(minTicks)} clock ticks of CPU (1 tick = ${fmt(1000 / (meta.hz || 100), 0)} ms): ` +
      `a resolution of ±${fmt(100 / minTicks, 1)}% per block${meta.quick ? ' (a quick run: small blocks)' : ''}.`);
  L.push('');
}

// A cached autoselect decision against a direct request to the model it
// chose (issue 11: it adds < 5 µs). The same passthrough to the same mock;
// only the model named differs: `autoselect/benchsel`, whose decision was
// made by the selection model on the first request and cached, against
// `mock/mock-model`. Judged on the steady figure: the instructions added
// outside the usage writer thread (both kinds write the same row; its
// batches follow the requests' timing and move its cost per request by
// thousands between dumps of the same kind), converted to µs at the direct
// path's own CPU time per instruction (which counts its system calls too,
// so the conversion errs high, never low).
// The CPU time per request of adjacent aisbf and aisbf-sel blocks (their
// order alternating between runs; the median of the runs' differences) is
// shown for information: on a shared machine it swings by more than the
// 5 µs being judged.
{
  const s = row['aisbf-sel'];
  const cs = cpuOf('aisbf-sel'), cd = cpuOf('aisbf');
  const diffs = cs.blocks.map((b, i) => {
    const d = cd.blocks[i];
    return b.c?.requests > 0 && d?.c?.requests > 0 ? b.c.us_per_request - d.c.us_per_request : NaN;
  });
  const dCpu = median(diffs);
  const dIr = s.ir - a.ir;
  const dLoop = s.irLoop - a.irLoop;
  const usPerIr = Number.isFinite(cd.us) && a.ir > 0 ? cd.us / a.ir : NaN;
  const pair = json('latpair.aisbf-sel.json');
  const pairMark = mark(pair, 'latpair.aisbf-sel');
  const pct = (x, base) => (Number.isFinite(x) && base > 0 ? ` (${sign((x / base) * 100)}%)` : '');
  const LIMIT_US = 5;
  // [name, autoselect, direct, added, marks, digits, judged]
  const measures = [
    ['instructions added outside the usage writer, as µs at the direct path\'s CPU per instruction (judged)', NaN, NaN, dLoop * usPerIr, '', 2, true],
    ['instructions / request outside the usage writer', s.irLoop, a.irLoop, dLoop, '', 0, false],
    ['instructions / request, whole process', s.ir, a.ir, dIr, '', 0, false],
    ['CPU µs / request, c=16 (added: median of the runs\' differences)', cs.us, cd.us, dCpu, cs.mark + cd.mark, 1, false],
    ['latency p50 c=1, paired (µs)', pair?.alt_p50_us ?? NaN, pair?.p50_us ?? NaN,
      (pair?.alt_p50_us ?? NaN) - (pair?.p50_us ?? NaN), pairMark, 1, false],
    ['rps c=16', s.rps16, a.rps16, s.rps16 - a.rps16, s.rps16Mark + a.rps16Mark, 0, false],
  ];
  L.push('Autoselect (cached) vs a direct request to the chosen model (`autoselect/benchsel`, its decision cached, ' +
    `against \`mock/mock-model\`, the model it chose; target: adds < ${LIMIT_US} µs):`);
  L.push('');
  L.push('| | autoselect (cached) | direct | added | target | result |');
  L.push('| --- | ---: | ---: | ---: | --- | --- |');
  for (const [name, x, base, added, mk, digits, judged] of measures) {
    const shown = Number.isFinite(added) ? (added >= 0 ? '+' : '−') + fmt(Math.abs(added), digits) : '—';
    L.push(`| ${name} | ${fmt(x, digits)}${uniq(mk)} | ${fmt(base, digits)} | ${shown}${name.startsWith('instructions /') ? pct(added, base) : ''} | ` +
      `${judged ? `< ${LIMIT_US} µs` : '—'} | ${judged ? verdict(Number.isFinite(added) ? added < LIMIT_US : null) : 'info'} |`);
  }
  L.push('');
  const probe = (n) => json(`${n}.json`);
  const probes = [['sel-prime', 'first request'], ['sel-cached', 'second'], ['sel-end', 'after the timing phases'],
    ['cg-sel-prime', 'first request to the process under callgrind']]
    .map(([n, what]) => [probe(n), what]).filter(([p]) => p)
    .map(([p, what]) => `${what}: \`${p.header || 'no header'}\`, mock +${p.requests} (${p.selections} selection call${p.selections === '1' ? '' : 's'})` +
      (p.ok ? '' : ' **— not as expected**'));
  L.push(`CPU per run (autoselect − direct, µs): ${diffs.map((d) => (Number.isFinite(d) ? sign(d) : '—')).join(', ')}; ` +
    `a block's figure is good to about ±${fmt(cd.ticks > 0 ? cd.us / cd.ticks : NaN, 2)} µs ` +
    '(±1 clock tick), and on this shared VM the machine\'s state moves it by more between blocks: the CPU and latency figures are noisy, ' +
    'the instruction counts (callgrind; the usage writer thread moves them by a few thousand per request between runs) are the steadier figure. ' +
    `Decision checks — ${probes.join('; ')}. Every block in between passed the count check (one mock request per answer), ` +
    'so no further selection call was made.');
  L.push('');
}

// The response cache (issue 12), three processes of the same configuration:
// aisbf (cache off), aisbf-cache (in memory) and aisbf-redis (in Redis, a
// redis-server on core 0). Targets: a memory hit answers at least 2× faster
// than the mock direct (p50 c=1, paired), at ≥ 50,000 rps c=16 on the
// gateway's one core; a Redis hit adds ≤ 100 µs over a memory hit (p50,
// paired); a miss costs ≤ 3% more instructions than the same request with
// the cache off (outside the usage writer, as for autoselect; both kinds
// write one usage row).
{
  const pd = json('latpair.cache-direct.json'), pr = json('latpair.cache-redis.json');
  const pdMark = mark(pd, 'latpair.cache-direct'), prMark = mark(pr, 'latpair.cache-redis');
  const hit = json('tput16.aisbf-hit.json'), redis = json('tput16.aisbf-redis.json');
  const irHit = json('ir.aisbf-hit.json'), irMiss = json('ir.aisbf-miss.json'), irOff = json('ir.aisbf-vary.json');
  const loop = (r) => r?.event_loop_per_request ?? NaN;
  const whole = (r) => r?.per_request ?? NaN;
  const hitP50 = pd?.p50_us ?? NaN, directP50 = pd?.alt_p50_us ?? NaN;
  const memP50 = pr?.p50_us ?? NaN, redisP50 = pr?.alt_p50_us ?? NaN;
  const missRatio = loop(irMiss) / loop(irOff);
  const ok = (x) => (Number.isFinite(x) ? x : null);
  const rows = [
    ['memory hit vs the mock direct, p50 c=1, paired (µs)', `${fmt(hitP50, 1)} vs ${fmt(directP50, 1)}${pdMark} (×${fmt(hitP50 / directP50, 2)})`,
      '≤ ×0.50', ok(hitP50 / directP50) === null ? null : hitP50 / directP50 <= 0.5],
    ['memory hit, rps c=16', `${fmt(hit?.rps ?? NaN)}${mark(hit, 'tput16.aisbf-hit')}`, '≥ 50,000',
      ok(hit?.rps) === null ? null : hit.rps >= 50000],
    ['Redis hit − memory hit, p50 c=1, paired (µs)', `${fmt(redisP50, 1)} − ${fmt(memP50, 1)}${prMark} = ${sign(redisP50 - memP50)}`,
      '≤ +100 µs', ok(redisP50 - memP50) === null ? null : redisP50 - memP50 <= 100],
    ['miss vs cache off, instructions / request outside the usage writer',
      `${fmt(loop(irMiss))} vs ${fmt(loop(irOff))} (${Number.isFinite(missRatio) ? sign((missRatio - 1) * 100) : '—'}%)`,
      '≤ +3%', ok(missRatio) === null ? null : missRatio <= 1.03],
  ];
  L.push('Response cache (`aisbf-cache`: the same configuration with the response cache on in memory; `aisbf-redis`: in Redis, ' +
    'a redis-server on core 0; a deterministic request, `temperature` 0):');
  L.push('');
  L.push('| | figure | target | result |');
  L.push('| --- | --- | --- | --- |');
  for (const [name, figure, target, pass] of rows) L.push(`| ${name} | ${figure} | ${target} | ${verdict(pass)} |`);
  L.push('');
  const info = [
    `Redis hit rps c=16: ${fmt(redis?.rps ?? NaN)}${mark(redis, 'tput16.aisbf-redis')}`,
    `instructions per request (outside the usage writer / whole process): memory hit ${fmt(loop(irHit))} / ${fmt(whole(irHit))}, ` +
      `miss ${fmt(loop(irMiss))} / ${fmt(whole(irMiss))}, cache off ${fmt(loop(irOff))} / ${fmt(whole(irOff))}`,
  ];
  const probes = [['cache-prime', 'first request (memory)'], ['cache-hit', 'second'], ['redis-prime', 'first request (Redis)'],
    ['redis-hit', 'second'], ['cache-end', 'memory, after the timed blocks']]
    .filter(([n]) => read(`${n}.head`) !== null)
    .map(([n, what]) => `${what}: \`${(read(`${n}.head`).match(/^x-aisbf-cache: *(.*?)\r?$/im) ?? [])[1] ?? 'no header'}\``);
  L.push(`${info.join('; ')}. The misses send a number of their own in every request (bench-loadgen --vary); the same requests ` +
    'went to the process without a cache for the comparison, and the memory cache evicts its oldest entry past 1000, as configured by default. ' +
    `The mock direct answers at once: it is the floor of any upstream. Cache checks — ${probes.join('; ')}.`);
  L.push('');
}

// The OpenAI Responses API (issue 14), measured under callgrind only: POST
// /v1/responses to the same aisbf process as the chat rows, after them.
// aisbf-resp: "store":false to `mockresp` (type openai, "api":"responses":
// the body passes through, its model rewritten); aisbf-r2a: "store":false to
// `mockant` (translated to Anthropic Messages and back); aisbf-resp-store:
// aisbf-resp with "store" left out (the default: the response is stored).
// Targets: the Responses passthrough within 5% of the chat passthrough's
// instructions per plain request; Responses → Anthropic within 2× of the
// Responses passthrough per streamed request. The cost of storing is
// information. Runs from before these rows have none of their files: no table.
{
  const respRows = [
    ['aisbf', 'chat passthrough: `POST /api/v1/chat/completions`, `mock/mock-model` (the aisbf row)'],
    ['aisbf-resp', 'Responses passthrough, `"store":false`: `POST /v1/responses`, `mockresp/mock-model`'],
    ['aisbf-r2a', 'Responses → Anthropic, `"store":false`: `POST /v1/responses`, `mockant/mock-model`'],
    ['aisbf-resp-store', 'Responses passthrough, stored (`store` left out): `POST /v1/responses`, `mockresp/mock-model`'],
  ];
  const fig = Object.fromEntries(respRows.map(([t]) => {
    const ir = json(`ir.${t}.json`), irs = json(`irs.${t}.json`);
    return [t, { ir: ir?.per_request ?? NaN, irs: irs?.per_request ?? NaN,
      irLoop: ir?.event_loop_per_request ?? NaN, irsLoop: irs?.event_loop_per_request ?? NaN }];
  }));
  if (respRows.slice(1).some(([t]) => Number.isFinite(fig[t].ir) || Number.isFinite(fig[t].irs))) {
    L.push('OpenAI Responses API, instructions per request (callgrind, the same aisbf process as the chat rows; ' +
      '"outside the usage writer": the dumps\' totals less `UsageRecorder::run`\'s inclusive cost):');
    L.push('');
    L.push('| | instructions/request | instructions/streamed request | outside the usage writer, plain | outside the usage writer, streamed |');
    L.push('| --- | ---: | ---: | ---: | ---: |');
    for (const [t, name] of respRows) {
      const f = fig[t];
      L.push(`| ${name} | ${fmt(f.ir)} | ${fmt(f.irs)} | ${fmt(f.irLoop)} | ${fmt(f.irsLoop)} |`);
    }
    L.push('');
    const q = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y > 0 ? x / y : NaN);
    const added = (x, y) => (Number.isFinite(x - y) ? `${x - y >= 0 ? '+' : '−'}${fmt(Math.abs(x - y))}` : '—');
    const resp = fig['aisbf-resp'], r2a = fig['aisbf-r2a'], stored = fig['aisbf-resp-store'], chat = fig.aisbf;
    // [name, [x, base] outside the usage writer (judged), [x, base] whole process, bound (ratio ≤ bound) | null (information)]
    const ratios = [
      ['Responses passthrough (store:false) / chat passthrough, plain', [resp.irLoop, chat.irLoop], [resp.ir, chat.ir], 1.05],
      ['Responses → Anthropic / Responses passthrough (both store:false), streamed', [r2a.irsLoop, resp.irsLoop], [r2a.irs, resp.irs], 2],
      ['Responses → Anthropic / Responses passthrough (both store:false), plain', [r2a.irLoop, resp.irLoop], [r2a.ir, resp.ir], null],
      ['stored / store:false (Responses passthrough), plain', [stored.irLoop, resp.irLoop], [stored.ir, resp.ir], null],
      ['stored / store:false (Responses passthrough), streamed', [stored.irsLoop, resp.irsLoop], [stored.irs, resp.irs], null],
    ];
    L.push('Responses API targets (issue 14), ratios of instructions per request; judged outside the usage writer, ' +
      'the whole process\'s ratio for information:');
    L.push('');
    L.push('| ratio | outside the usage writer | added | whole process | added | target | result |');
    L.push('| --- | ---: | ---: | ---: | ---: | --- | --- |');
    for (const [name, [lx, lb], [x, base], bound] of ratios) {
      const r = q(lx, lb);
      L.push(`| ${name} | ${fmt(r, 3)}× | ${added(lx, lb)} | ${fmt(q(x, base), 3)}× | ${added(x, base)} | ` +
        `${bound ? `≤ ${fmt(bound, 2)}×` : '—'} | ${bound ? verdict(Number.isFinite(r) ? r <= bound : null) : 'info'} |`);
    }
    L.push('');
    L.push('Judged outside the usage writer, as the cached autoselect is: every one of these requests writes one usage row, ' +
      'and the writer\'s batches follow the requests\' timing, which moves the whole process\'s figure by thousands of ' +
      'instructions per request between dumps of the same kind (more in a quick run, whose N is small). Keeping a response ' +
      'is written on a DB thread, not the usage writer\'s, so the stored rows\' figures include it either way. ' +
      'The chat passthrough is compared plain (issue 14: "within 5% of chat passthrough"); the translation with the ' +
      'Responses passthrough per streamed request, where it does most of its work (the Anthropic stream has more events ' +
      'than the Responses stream it becomes, so part of the figure is the longer upstream stream). "stored / store:false" is what ' +
      'keeping the response (SQLite, for `previous_response_id` and `GET /v1/responses/{id}`) costs per request, for information.');
    L.push('');
  }
}

// Against a baseline: an earlier full report (bench/run picks the newest one
// in bench/results, or --baseline FILE). Issue 8: instructions per
// passthrough request and rps c=16 within 3% of the baseline's; the gap to
// nginx in CPU per request not wider. Information, no verdict.
{
  let base = null;
  try { base = baselineFile ? fs.readFileSync(baselineFile, 'utf8') : null; } catch { base = null; }
  const num = (c) => (c == null ? NaN : Number(String(c).replace(/[*,†⚠\s]/g, '')));
  if (base) {
    const lines = base.split('\n');
    const head = lines.find((l) => l.startsWith('| | p50 c=1'));
    const cells = (l) => l.split('|').map((c) => c.trim());
    const aisbfRow = lines.find((l) => /^\| aisbf(?: \(STAND-IN\))? \|/.test(l));
    const b = {};
    if (head && aisbfRow) {
      const h = cells(head), r = cells(aisbfRow);
      const at = (name) => { const i = h.indexOf(name); return i >= 0 ? num(r[i]) : NaN; };
      b.ir = at('instructions/request'); b.irs = at('instructions/streamed request'); b.rps16 = at('rps c=16');
    }
    const m = base.match(/aisbf \/ nginx = \*\*([0-9.]+)×\*\*/);
    b.cpuRatio = m ? Number(m[1]) : NaN;
    const curRatio = (() => {
      const runs = Array.from({ length: meta.cpu_runs ?? 0 }, (_, i) => i + 1);
      const us = (t) => median(runs.map((r) => json(`cpu.${t}.${r}.cpu.json`)?.us_per_request ?? NaN));
      const n = us('nginx');
      return n > 0 ? us('aisbf') / n : NaN;
    })();
    const pct = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y > 0 ? ((x - y) / y) * 100 : NaN);
    const spct = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x), 1)}%` : '—');
    const within = (x, lim) => (Number.isFinite(x) ? (Math.abs(x) <= lim ? 'within 3%' : '**beyond 3%**') : 'n/a');
    L.push(`Against the baseline \`${path.basename(baselineFile)}\` (an earlier full report; information, no verdict):`);
    L.push('');
    L.push('| aisbf | this run | baseline | change | issue 8 |');
    L.push('| --- | ---: | ---: | ---: | --- |');
    const dIr = pct(a.ir, b.ir), dIrs = pct(a.irs, b.irs), dRps = pct(a.rps16, b.rps16);
    L.push(`| instructions / request | ${fmt(a.ir)} | ${fmt(b.ir)} | ${spct(dIr)} | ${within(dIr, 3)} |`);
    L.push(`| instructions / streamed request | ${fmt(a.irs)} | ${fmt(b.irs)} | ${spct(dIrs)} | — |`);
    L.push(`| rps c=16 | ${fmt(a.rps16)}${a.rps16Mark} | ${fmt(b.rps16)} | ${spct(dRps)} | ${Number.isFinite(dRps) ? (dRps >= -3 ? 'within 3%' : '**more than 3% lower**') : 'n/a'} |`);
    const times = (x) => (Number.isFinite(x) ? `${fmt(x, 2)}×` : '—');
    L.push(`| CPU / request, aisbf / nginx | ${times(curRatio)} | ${times(b.cpuRatio)} | ${spct(pct(curRatio, b.cpuRatio))} | ` +
      `${Number.isFinite(curRatio) && Number.isFinite(b.cpuRatio) ? (curRatio <= b.cpuRatio * 1.03 ? 'not wider' : '**wider**') : 'n/a'} |`);
    L.push('');
    L.push('Instructions repeat to within a few % between runs (the usage writer thread varies); rps c=16 moves by a few % from run to run even on a quiet machine, ' +
      'and a quick run or a busy machine makes every figure here meaningless.');
    L.push('');
  }
}

// Details.
L.push('<details><summary>More numbers</summary>');
L.push('');
L.push('| | p90 c=1 (µs) | p99 at c=64 (µs) | stream TTFB p99 (µs) | wrk rps c=16 | wrk rps c=64 |');
L.push('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const t of targets) {
  const r = row[t];
  L.push(`| ${label[t]} | ${fmt(r.p90, 1)} | ${fmt(r.p99at64, 1)} | ${fmt(r.ttfb99, 1)} | ${fmt(r.wrk16)} | ${fmt(r.wrk64)} |`);
}
L.push('');
const phases = (read('phases.tsv') ?? '').split('\n').filter(Boolean).map((l) => l.split('\t'));
L.push('| phase | seconds |');
L.push('| --- | ---: |');
for (const [p, s] of phases) L.push(`| ${p} | ${s} |`);
L.push('');
L.push('</details>');
L.push('');

L.push(`Method: c=1 latency is the median over ${meta.lat_rounds} interleaved rounds (${targets.map((t) => label[t].replace(/ \(.*/, '')).join(', ')}, repeated) ` +
  `of ${fmt(meta.lat_n)} requests each; throughput ${meta.tput_secs} s per cell with bench-loadgen (wrk cross-check: ${meta.wrk_secs} s); ` +
  `TTFB over ${fmt(meta.ttfb_n)} streamed requests at c=1, from writing the request to the first SSE event with non-empty delta content ` +
  `(OpenAI: a chunk's delta.content; Anthropic: a content_block_delta's text_delta); ` +
  `instructions from callgrind as (Ir(2N) − Ir(N)) / N with N = ${fmt(meta.ir_n)}, plain and streamed requests one after the other in the same process. ` +
  `The aisbf rows are one aisbf process with four providers on the mock (openai-type \`mock\` and \`mock2\`, anthropic-type \`mockant\`, ` +
  `and \`mockresp\`, openai-type with \`"api":"responses"\`, for the Responses API's rows, measured under callgrind only) ` +
  `and the rotation \`benchrot\` (\`mock/mock-model\` and \`mock2/mock-model\`, weight 1 each); ` +
  `the autoselect \`benchsel\` has the same two candidates, the mock as its selection model and its decision cached for a day. ` +
  `CPU time per request from /proc over ${fmt(meta.cpu_n ?? NaN)}-request blocks at c=16, median of ${meta.cpu_runs ?? '—'} interleaved runs. ` +
  (meta.pinned ? 'Gateways, nginx (master and worker) and relay on core 1; mock and load generator on core 0. ' : 'Processes NOT pinned (one core). ') +
  'Response cache off, except in the response cache\'s rows.');
L.push('');
if (problems.length) {
  L.push(`**Problems (${problems.length}):**`);
  L.push('');
  for (const p of problems) L.push(`- ${p}`);
} else {
  L.push(`Checks: after each of ${checks.length} measured blocks the mock had received exactly as many requests as it should (one per answer the client counted; none for a cache hit); no errors.`);
}
L.push('');
fs.writeFileSync(out, L.join('\n'));
