// Test harness: starts aisbf-mock and aisbf on loopback (port 0), writes a
// temporary config directory, and gives small HTTP/SSE helpers. Every wait is
// bounded; every child process is killed at the end (and on exit/crash).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const AISBF_BIN = path.resolve(REPO_ROOT, process.env.AISBF_BIN || 'build/aisbf');
export const MOCK_BIN = path.resolve(REPO_ROOT, process.env.AISBF_MOCK_BIN || 'build/aisbf-mock');
export const MOCK_KEY = 'mock-key';
// Sanitizer builds start slowly; everything else waits a few seconds at most.
export const START_TIMEOUT_MS = Number(process.env.AISBF_TEST_START_TIMEOUT_MS || 10000);

// Upstream fault models served by aisbf-mock (chosen by model name).
export const FAULT_MODELS = [
  'fault-cut', 'fault-500', 'fault-503', 'fault-429', 'fault-401', 'fault-400', 'fault-hang',
  'fault-hang-after-first', 'fault-slow', 'fault-badjson', 'fault-bigevent',
  'fault-stream-error', 'fault-close',
];
export const MOCK_MODELS = ['mock-model', 'org/nested-model', ...FAULT_MODELS];

// ---------------------------------------------------------------- processes

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(130));

const tmpDirs = [];
process.on('exit', () => {
  if (process.env.AISBF_TEST_KEEP_TMP) return;
  for (const d of tmpDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});

export function tmpDir(prefix = 'aisbf-test-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

function checkBinary(bin, envName) {
  if (!fs.existsSync(bin)) {
    throw new Error(`binary not found: ${bin} (build it, or set ${envName})`);
  }
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Races `promise` against a timer; rejects with `what` when the timer wins.
export function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

const OUTPUT_CAP = 1 << 20;

// The whole run's logs (issue 16: no secret in any log line): with
// AISBF_TEST_LOG_DIR set (tests/tests.cmake sets it), every process started
// here appends its stdout and stderr to a file there, and every secret a
// test configures is added to secrets.txt; the ctest `logs.secret_scan`
// reads both after the other tests (tests/log_scan.mjs).
export const TEST_LOG_DIR = process.env.AISBF_TEST_LOG_DIR || '';

function logFileFor(name, pid) {
  if (!TEST_LOG_DIR) return null;
  fs.mkdirSync(TEST_LOG_DIR, { recursive: true });
  const test = path.basename(process.argv[1] || 'node').replace(/\.test\.mjs$/, '');
  return path.join(TEST_LOG_DIR, `${test}.${process.pid}.${name.replace(/[^\w.-]/g, '_')}.${pid}.log`);
}

// Adds secrets (provider keys, tokens, passwords) to the run's list.
export function noteSecrets(...values) {
  if (!TEST_LOG_DIR) return;
  const lines = values.flat().filter((v) => typeof v === 'string' && v.length >= 8 && !v.includes('\n'));
  if (lines.length === 0) return;
  fs.mkdirSync(TEST_LOG_DIR, { recursive: true });
  fs.appendFileSync(path.join(TEST_LOG_DIR, 'secrets.txt'), lines.map((v) => `${v}\n`).join(''));
}

// The throwaway database servers' random passwords (tests/db/with_server.sh).
noteSecrets(['AISBF_TEST_POSTGRES_URL', 'AISBF_TEST_MYSQL_URL', 'AISBF_TEST_REDIS_URL']
  .map((name) => urlPassword(process.env[name] || '')));

// Credentials sent to or issued by the gateway's API (a user's password,
// a new token): noted by request() for the log scan. Masked values are not.
const API_SECRET_KEY = /^(token|password|new_password|current_password|api_key|client_secret|secret)$/;
function apiSecrets(value, key = '') {
  // Masked values and env: references (a variable's name, not a key) are not secrets.
  if (typeof value === 'string') return API_SECRET_KEY.test(key) && !/[…*]/.test(value) && !value.startsWith('env:') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => apiSecrets(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => apiSecrets(v, k));
  return [];
}
function noteApiSecrets(text) {
  if (!TEST_LOG_DIR || typeof text !== 'string' || !/"(token|password|new_password|current_password|api_key|client_secret|secret)"/.test(text)) return;
  try { noteSecrets(apiSecrets(JSON.parse(text))); } catch { /* not JSON */ }
}

// Every string under a key that names a secret, in a config object.
const SECRET_KEY = /(^|_)(api_key|apikey|key|token|tokens|password|secret|control_password|metrics_token)$/i;
// A URL's password (postgres_url, redis_url, …) counts too.
function urlPassword(value) {
  try { return decodeURIComponent(new URL(value).password); } catch { return ''; }
}
export function secretsIn(value, key = '') {
  if (typeof value === 'string') {
    if (/(^|_)url$/i.test(key)) return [urlPassword(value)].filter(Boolean);
    return SECRET_KEY.test(key) && !value.startsWith('env:') ? [value] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v) => secretsIn(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => secretsIn(v, k));
  return [];
}

// A child process whose output is always drained (a full pipe would block it).
export class Proc {
  // `group`: the child leads its own process group (spawned detached), and a
  // kill reaches whatever it started too.
  constructor(name, child, { group = false } = {}) {
    this.name = name;
    this.child = child;
    this.group = group;
    this.stdout = '';
    this.stderr = '';
    this.exitInfo = null;
    live.add(child);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { if (this.stdout.length < OUTPUT_CAP) this.stdout += d; });
    child.stderr.on('data', (d) => { if (this.stderr.length < OUTPUT_CAP) this.stderr += d; });
    const logFile = logFileFor(name, child.pid);
    // 'exit' may come before the last output: 'close' is when stdio is drained.
    this.closed = new Promise((resolve) => child.on('close', resolve));
    this.logWritten = Promise.resolve();
    if (logFile) {
      // One stream per process (no open/write/close per chunk), ended once
      // stdio is drained; stop() waits for it to be flushed.
      const out = fs.createWriteStream(logFile, { flags: 'a' });
      out.on('error', () => { /* best effort */ });
      this.logWritten = new Promise((resolve) => out.on('close', resolve));
      const keep = (d) => out.write(d);
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('close', () => out.end());
    }
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.on('error', (err) => {
        live.delete(child);
        this.exitInfo = { code: null, signal: null, error: err };
        resolve(this.exitInfo);
      });
    });
  }

  get pid() { return this.child.pid; }
  get running() { return this.exitInfo === null; }
  output() { return `--- ${this.name} stdout ---\n${this.stdout}\n--- ${this.name} stderr ---\n${this.stderr.slice(-4000)}`; }

  kill(signal = 'SIGTERM') {
    if (this.group) {
      // The group may outlive its leader (a shell the CLI started).
      try { process.kill(-this.child.pid, signal); return; } catch { /* no such group */ }
    }
    if (this.running) this.child.kill(signal);
  }

  // Resolves with {code, signal} once exited, or rejects after `ms`.
  waitExit(ms = 5000) {
    return withTimeout(this.exited, ms, `${this.name} (pid ${this.pid}) to exit`);
  }

  // Polite stop, then SIGKILL after `ms`; then its output drained and its
  // log file flushed (bounded: a grandchild may hold the pipes). Never throws.
  async stop(ms = 5000) {
    let info = this.exitInfo;
    if (this.running) {
      this.kill('SIGTERM');
      try {
        info = await this.waitExit(ms);
      } catch {
        this.kill('SIGKILL');
        info = await this.exited;
      }
    }
    try {
      await withTimeout(Promise.all([this.closed, this.logWritten]), 2000, `${this.name}'s output`);
    } catch { /* the exit info is what callers need */ }
    return info;
  }
}

export function spawnProc(name, bin, args, { env = {}, cwd, group = false } = {}) {
  const merged = { ...process.env, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  const child = spawn(bin, args, {
    env: merged,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  return new Proc(name, child, { group });
}

// Spawns and waits for the first stdout line `LISTENING http://HOST:PORT`
// (`https://` when the gateway serves TLS).
export async function spawnListening(name, bin, args, opts = {}) {
  const proc = spawnProc(name, bin, args, opts);
  const firstLine = new Promise((resolve, reject) => {
    const onData = () => {
      const nl = proc.stdout.indexOf('\n');
      if (nl >= 0) {
        proc.child.stdout.off('data', onData);
        resolve(proc.stdout.slice(0, nl).replace(/\r$/, ''));
      }
    };
    proc.child.stdout.on('data', onData);
    proc.exited.then((info) => reject(new Error(
      `${name} exited before listening (${JSON.stringify(info)})\n${proc.output()}`)));
  });
  let line;
  try {
    line = await withTimeout(firstLine, opts.timeoutMs ?? START_TIMEOUT_MS, `${name} to print LISTENING`);
  } catch (err) {
    await proc.stop(1000);
    err.message += `\n${proc.output()}`;
    throw err;
  }
  const m = /^LISTENING (https?:\/\/([^/\s:]+|\[[^\]]+\]):(\d+))\s*$/.exec(line);
  if (!m) {
    await proc.stop(1000);
    throw new Error(`${name}: first stdout line is not "LISTENING http://HOST:PORT": ${JSON.stringify(line)}\n${proc.output()}`);
  }
  proc.url = m[1];
  proc.port = Number(m[3]);
  return proc;
}

// Runs a command to completion (bounded); resolves {code, signal, stdout, stderr}.
// `group`: the command runs in its own process group, killed whole at the end
// (a CLI that starts processes of its own: nothing it started outlives it).
export async function runCli(bin, args, { env = {}, timeoutMs = 10000, cwd, group = false } = {}) {
  const proc = spawnProc(path.basename(bin), bin, args, { env, cwd, group });
  try {
    const info = await proc.waitExit(timeoutMs);
    if (group) proc.kill('SIGKILL');
    // The output written just before exiting (a closed pipe is always drained
    // once every writer is gone, which the group kill ensures).
    await withTimeout(proc.closed, 5000, `${proc.name}'s output to end`).catch(() => {});
    return { ...info, stdout: proc.stdout, stderr: proc.stderr, output: proc.stdout + proc.stderr };
  } catch (err) {
    proc.kill('SIGKILL');
    await proc.exited;
    err.message += `\n${proc.output()}`;
    throw err;
  }
}

// `args`: extra mock flags (e.g. ['--seed', '7', '--workers', '2']).
export async function startMock(args = []) {
  checkBinary(MOCK_BIN, 'AISBF_MOCK_BIN');
  const proc = await spawnListening('aisbf-mock', MOCK_BIN,
    ['--port', '0', '--api-key', MOCK_KEY, ...args]);
  return new Mock(proc);
}

// What a first start reads from the environment (config/first_run.cpp):
// unset unless a test sets it, so that no key of the machine running the
// tests ends up in a generated providers.json, and no local Ollama is probed.
export const FIRST_RUN_ENV = Object.fromEntries([
  'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'GEMINI_API_KEY', 'GOOGLE_API_KEY',
  'GEMINI_BASE_URL', 'OPENROUTER_API_KEY', 'GROQ_API_KEY', 'MISTRAL_API_KEY', 'DEEPSEEK_API_KEY', 'TOGETHER_API_KEY',
  'XAI_API_KEY', 'FIREWORKS_API_KEY', 'PERPLEXITY_API_KEY', 'PPLX_API_KEY', 'CEREBRAS_API_KEY',
].map((k) => [k, undefined]).concat([['AISBF_OLLAMA_URL', 'off']]));

// A fresh HOME so the gateway's ~/.aisbf files land in a temp dir.
export function gatewayEnv(extra = {}) {
  return { HOME: tmpDir('aisbf-home-'), AISBF_CONFIG_DIR: undefined, ...FIRST_RUN_ENV, ...extra };
}

export async function startGateway(configDir, extraArgs = [], { env, timeoutMs } = {}) {
  checkBinary(AISBF_BIN, 'AISBF_BIN');
  return spawnListening('aisbf', AISBF_BIN,
    ['--config-dir', configDir, '--host', '127.0.0.1', '--port', '0', '--workers', '2', ...extraArgs],
    { env: gatewayEnv(env), timeoutMs });
}

// A test CA and a server certificate it signs (EC P-256, valid 2 days) in
// `dir`: ca.pem, ca.key, server.pem, server.key. `san`: the server
// certificate's subjectAltName.
export function makeTestCertificates(dir, { san = 'DNS:localhost', caName = 'aisbf test CA' } = {}) {
  const file = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2',
    '-subj', `/CN=${caName}`);
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(file('ext.cnf'), `subjectAltName=${san}\n`);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('ext.cnf'));
}

// A port nothing listens on (bound then closed).
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// ---------------------------------------------------------------- config

export function model(name, extra = {}) {
  return { name, context_size: 128000, ...extra };
}

export function mockProvider(mockUrl, { id = 'mock', models = MOCK_MODELS, ...extra } = {}) {
  return {
    id,
    name: `Mock ${id}`,
    endpoint: `${mockUrl}/v1`,
    type: 'openai',
    api_key_required: true,
    api_key: MOCK_KEY,
    rate_limit: 0,
    models: models.map((m) => (typeof m === 'string' ? model(m) : m)),
    ...extra,
  };
}

// Writes aisbf.json, providers.json, rotations.json, autoselect.json.
// `providers`: object id → provider (default: the one `mock` provider).
// `rotations`: object id → rotation (default none); `notifyerrors`: the
// rotations.json top-level flag.
export function writeConfigDir({
  mockUrl, providers, rotations = {}, autoselect = {}, notifyerrors = false, server = {}, auth, aisbf = {}, dir,
} = {}) {
  dir ??= tmpDir('aisbf-config-');
  fs.mkdirSync(dir, { recursive: true });
  providers ??= { mock: mockProvider(mockUrl) };
  const aisbfJson = {
    server: { host: '127.0.0.1', port: 17765, protocol: 'http', ...server },
    auth: auth ?? { enabled: false, tokens: [] },
    response_cache: { enabled: false },
    ...aisbf,
  };
  const write = (name, value) => {
    noteSecrets(secretsIn(value));
    fs.writeFileSync(path.join(dir, name), JSON.stringify(value, null, 2), { mode: 0o600 });
  };
  write('aisbf.json', aisbfJson);
  write('providers.json', { providers });
  write('rotations.json', { notifyerrors, rotations });
  write('autoselect.json', autoselect);
  return dir;
}

// Mock + config + gateway. `opts.providers` and `opts.rotations` may be
// functions (mockUrl) → object; `opts.mockArgs`: extra mock flags.
export async function startStack(opts = {}) {
  const mock = await startMock(opts.mockArgs ?? []);
  let gw;
  try {
    const providers = typeof opts.providers === 'function' ? await opts.providers(mock.url) : opts.providers;
    const rotations = typeof opts.rotations === 'function' ? await opts.rotations(mock.url) : opts.rotations;
    const configDir = writeConfigDir({ ...opts, providers, rotations, mockUrl: mock.url });
    gw = await startGateway(configDir, opts.args ?? [], { env: opts.env });
    return new Stack(mock, gw, configDir);
  } catch (err) {
    await mock.stop();
    throw err;
  }
}

export class Stack {
  constructor(mock, gw, configDir) {
    this.mock = mock;
    this.gw = gw;
    this.configDir = configDir;
    this.url = gw.url;
  }
  u(p) { return this.url + p; }
  async stop() {
    await Promise.all([this.gw.stop(), this.mock.stop()]);
  }
}

export class Mock {
  constructor(proc) {
    this.proc = proc;
    this.url = proc.url;
  }
  u(p) { return this.url + p; }
  stop() { return this.proc.stop(); }
  async reset() {
    const r = await request(this.u('/__mock/reset'), { method: 'POST' });
    assert.ok(r.status < 300, `mock reset failed: ${r.status} ${r.text}`);
  }
  async requests() {
    const r = await request(this.u('/__mock/requests'));
    assert.equal(r.status, 200, r.text);
    return r.json().requests;
  }
  // Requests the gateway made to the upstream chat route.
  async chatRequests() {
    return (await this.requests()).filter((q) => q.path.endsWith('/chat/completions'));
  }
  async stats() {
    const r = await request(this.u('/__mock/stats'));
    assert.equal(r.status, 200, r.text);
    return r.json();
  }
  // Polls stats until pred(stats) holds; returns the stats or throws after ms.
  async waitStats(pred, ms = 3000) {
    const deadline = Date.now() + ms;
    let s;
    for (;;) {
      s = await this.stats();
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`mock stats never matched: ${JSON.stringify(s)}`);
      await delay(50);
    }
  }
}

// ---------------------------------------------------------------- http

// One HTTP request without keep-alive. `body`: string/Buffer sent as is, or
// an object sent as JSON. Resolves {status, headers, text, buf, json()}.
export function request(url, { method = 'GET', headers = {}, body, timeoutMs = 5000 } = {}) {
  let payload = body;
  const hdrs = { ...headers };
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    payload = JSON.stringify(body);
    if (!Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-type')) hdrs['content-type'] = 'application/json';
  }
  return withTimeout(new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: hdrs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        noteApiSecrets(typeof payload === 'string' ? payload : undefined);
        noteApiSecrets(text);
        resolve({
          status: res.statusCode,
          headers: res.headers,
          buf,
          text,
          json() {
            try { return JSON.parse(text); } catch (e) { throw new Error(`not JSON (${res.statusCode}): ${text.slice(0, 500)}`); }
          },
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.end(payload); else req.end();
  }), timeoutMs, `${method} ${url}`);
}

export const get = (url, opts = {}) => request(url, { ...opts, method: 'GET' });
export const post = (url, body, opts = {}) => request(url, { ...opts, method: 'POST', body });

export function chatBody(content = 'hello', extra = {}) {
  return { model: 'mock/mock-model', messages: [{ role: 'user', content }], ...extra };
}

// Incremental SSE parser (WHATWG line rules, enough for tests).
export class SseParser {
  constructor() { this.buf = ''; this.data = []; this.event = null; }
  // Returns the events completed by this chunk: [{event, data}].
  push(text) {
    this.buf += text;
    const out = [];
    let m;
    const re = /\r\n|\r(?!$)|\n/g;
    let start = 0;
    while ((m = re.exec(this.buf)) !== null) {
      const line = this.buf.slice(start, m.index);
      start = m.index + m[0].length;
      if (line === '') {
        if (this.data.length || this.event) out.push({ event: this.event, data: this.data.join('\n') });
        this.data = []; this.event = null;
      } else if (line.startsWith(':')) {
        // comment / keep-alive
      } else {
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        let value = i < 0 ? '' : line.slice(i + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') this.data.push(value);
        else if (field === 'event') this.event = value;
      }
    }
    this.buf = this.buf.slice(start);
    return out;
  }
}

// POSTs and reads an SSE response. Each event gets `t` (ms since the request
// was sent). Resolves {status, headers, events, raw, t0, tEnd, text}; for a
// non-200 answer `events` is empty and `text` is the body.
export function streamRequest(url, body, { headers = {}, timeoutMs = 10000, onEvent, onResponse } = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const t0 = Date.now();
  let req;
  const p = new Promise((resolve, reject) => {
    req = http.request(url, {
      method: 'POST', agent: false,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    }, (res) => {
      onResponse?.(res, req);
      const parser = new SseParser();
      const events = [];
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        raw += chunk;
        if (res.statusCode !== 200) return;
        for (const ev of parser.push(chunk)) {
          ev.t = Date.now() - t0;
          events.push(ev);
          onEvent?.(ev, req);
        }
      });
      const finish = (aborted) => resolve({
        status: res.statusCode, headers: res.headers, events, raw, text: raw, t0, tEnd: Date.now() - t0, aborted,
      });
      res.on('end', () => finish(false));
      res.on('aborted', () => finish(true));
      res.on('error', () => finish(true));
    });
    req.on('error', reject);
    req.end(payload);
  });
  return { req, done: withTimeout(p, timeoutMs, `stream ${url}`).catch((e) => { req.destroy(); throw e; }) };
}

export async function stream(url, body, opts) {
  return streamRequest(url, body, opts).done;
}

// The JSON of each data event but [DONE].
export function eventJson(events) {
  return events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data));
}

export function contentOf(events) {
  return eventJson(events).map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
}

// ---------------------------------------------------------------- assertions

const TYPE_FOR_STATUS = {
  400: 'invalid_request_error', 404: 'invalid_request_error', 413: 'invalid_request_error',
  415: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error',
  429: 'rate_limit_error',
};

export function expectedErrorType(status) {
  return TYPE_FOR_STATUS[status] ?? (status >= 500 ? 'api_error' : undefined);
}

// Asserts an OpenAI-shaped error with `status` (and `code` when given).
// Returns the parsed error object.
export function assertError(res, status, code) {
  const ctx = `${res.status} ${res.text?.slice(0, 500)}`;
  assert.equal(res.status, status, ctx);
  assert.match(String(res.headers['content-type']), /application\/json/, ctx);
  const body = res.json();
  assert.equal(typeof body.error, 'object', ctx);
  const e = body.error;
  assert.equal(typeof e.message, 'string', ctx);
  assert.ok(e.message.length > 0, ctx);
  assert.equal(typeof e.type, 'string', ctx);
  assert.ok(e.param === null || typeof e.param === 'string', `param: ${ctx}`);
  assert.ok(e.code === null || typeof e.code === 'string', `code: ${ctx}`);
  const type = expectedErrorType(status);
  if (type) assert.equal(e.type, type, ctx);
  if (code !== undefined) assert.equal(e.code, code, ctx);
  return e;
}

// Asserts a mid-stream error event: the last event is {"error":{...}} and no [DONE].
export function assertStreamEndsWithError(res) {
  const ctx = JSON.stringify(res.events.map((e) => e.data)).slice(-2000);
  assert.equal(res.status, 200, ctx);
  assert.ok(res.events.length > 0, `no events at all: ${res.raw}`);
  assert.ok(!res.events.some((e) => e.data === '[DONE]'), `unexpected [DONE]: ${ctx}`);
  const last = JSON.parse(res.events.at(-1).data);
  assert.equal(typeof last.error, 'object', `last event is not an error: ${ctx}`);
  assert.equal(typeof last.error.message, 'string', ctx);
  return last.error;
}

// Removes the fields an upstream may vary per call (id, created, fingerprint).
export function stable(obj) {
  if (Array.isArray(obj)) return obj.map(stable);
  if (obj && typeof obj === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'id' || k === 'created' || k === 'system_fingerprint') continue;
      out[k] = stable(v);
    }
    return out;
  }
  return obj;
}

// ---------------------------------------------------------------- provider types (translation)

// Provider types the gateway translates to, each served by the mock at the
// path its real API uses.
export const PROVIDER_TYPES = ['openai', 'anthropic', 'google', 'ollama'];
export const ANTHROPIC_VERSION = '2023-06-01';

// A provider of `type` on the mock; `id` defaults to the type's name.
export function typedProvider(type, mockUrl, { id = type, ...extra } = {}) {
  const base = mockProvider(mockUrl, { id, ...extra });
  switch (type) {
    case 'openai': return base;
    case 'anthropic': return { ...base, type, endpoint: `${mockUrl}/v1`, ...extra };
    case 'google': return { ...base, type, endpoint: `${mockUrl}/v1beta`, ...extra };
    case 'ollama': {
      const { api_key: _unused, ...rest } = base;
      return { ...rest, type, endpoint: mockUrl, api_key_required: false, ...extra };
    }
    default: throw new Error(`typedProvider: unknown type ${type}`);
  }
}

// id → provider for each type in `types` (ids = type names).
export function typedProviders(mockUrl, types = PROVIDER_TYPES, opts = {}) {
  return Object.fromEntries(types.map((t) => [t, typedProvider(t, mockUrl, opts)]));
}

// Upstream chat paths of each protocol (the mock records the target as sent).
export const UPSTREAM_CHAT_PATH = {
  openai: /\/v1\/chat\/completions$/,
  anthropic: /^\/v1\/messages(\?.*)?$/,
  google: /^\/v1beta\/models\/[^/]+:(generateContent|streamGenerateContent\?alt=sse)/,
  ollama: /^\/api\/chat$/,
};

// The chat requests the mock received, whatever their protocol.
export async function upstreamChatRequests(mock) {
  const re = /\/chat\/completions(\?|$)|\/messages(\?|$)|:generateContent|:streamGenerateContent|^\/api\/chat(\?|$)/;
  return (await mock.requests()).filter((q) => re.test(q.path));
}

// A chat request sent straight to the mock in `type`'s own protocol (to see
// what the upstream itself answers, e.g. its Retry-After).
export function mockDirect(mock, type, modelName, { content = 'direct', stream: streamed = false } = {}) {
  const messages = [{ role: 'user', content }];
  switch (type) {
    case 'openai':
      return post(mock.u('/v1/chat/completions'), { model: modelName, messages, stream: streamed },
        { headers: { authorization: `Bearer ${MOCK_KEY}` } });
    case 'anthropic':
      return post(mock.u('/v1/messages'), { model: modelName, max_tokens: 256, messages, stream: streamed },
        { headers: { 'x-api-key': MOCK_KEY, 'anthropic-version': ANTHROPIC_VERSION } });
    case 'google': {
      const op = streamed ? ':streamGenerateContent?alt=sse' : ':generateContent';
      return post(mock.u(`/v1beta/models/${modelName}${op}`), { contents: [{ role: 'user', parts: [{ text: content }] }] },
        { headers: { 'x-goog-api-key': MOCK_KEY } });
    }
    case 'ollama':
      return post(mock.u('/api/chat'), { model: modelName, messages, stream: streamed });
    default: throw new Error(`mockDirect: unknown type ${type}`);
  }
}

// ---------------------------------------------------------------- Anthropic format

export function messagesBody(content = 'hello', extra = {}) {
  return { model: 'mock/mock-model', max_tokens: 256, messages: [{ role: 'user', content }], ...extra };
}

const ANTHROPIC_TYPE_FOR_STATUS = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error',
  404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error',
  529: 'overloaded_error',
};

export function expectedAnthropicErrorType(status) {
  return ANTHROPIC_TYPE_FOR_STATUS[status];
}

// Asserts an Anthropic-shaped error {"type":"error","error":{"type","message"}}
// with `status` (and `type` when given, else the usual type for the status).
// Returns the error object.
export function assertAnthropicError(res, status, type) {
  const ctx = `${res.status} ${res.text?.slice(0, 500)}`;
  assert.equal(res.status, status, ctx);
  assert.match(String(res.headers['content-type']), /application\/json/, ctx);
  let body;
  try { body = JSON.parse(res.text); } catch { assert.fail(`not JSON: ${ctx}`); }
  assert.equal(body.type, 'error', ctx);
  assert.equal(typeof body.error, 'object', ctx);
  assert.equal(typeof body.error.type, 'string', ctx);
  assert.equal(typeof body.error.message, 'string', ctx);
  assert.ok(body.error.message.length > 0, ctx);
  const want = type ?? expectedAnthropicErrorType(status);
  if (want) assert.equal(body.error.type, want, ctx);
  return body.error;
}

// Asserts an Anthropic SSE stream that ends with `event: error` (and no
// message_stop). Returns the error object.
export function assertAnthropicStreamEndsWithError(res) {
  const ctx = JSON.stringify(res.events.map((e) => [e.event, e.data])).slice(-2000);
  assert.equal(res.status, 200, `${res.status} ${res.text?.slice(0, 500)}`);
  assert.ok(res.events.length > 0, `no events at all: ${res.raw}`);
  assert.ok(!res.events.some((e) => e.event === 'message_stop'), `unexpected message_stop: ${ctx}`);
  const last = res.events.at(-1);
  assert.equal(last.event, 'error', `last event is not an error: ${ctx}`);
  const data = JSON.parse(last.data);
  assert.equal(data.type, 'error', ctx);
  assert.equal(typeof data.error?.type, 'string', ctx);
  assert.equal(typeof data.error?.message, 'string', ctx);
  return data.error;
}

// The text of an Anthropic SSE stream's text_delta events.
export function anthropicTextOf(events) {
  return events.filter((e) => e.event === 'content_block_delta')
    .map((e) => JSON.parse(e.data).delta)
    .filter((d) => d?.type === 'text_delta')
    .map((d) => d.text).join('');
}

// ---------------------------------------------------------------- raw sockets

// A raw TCP client: `read(pred)` waits until pred(received, closed) holds.
export function rawConn(url) {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  const st = { data: '', closed: false, error: null, waiters: [] };
  const wake = () => { for (const w of st.waiters.splice(0)) w(); };
  sock.setEncoding('latin1');
  sock.on('data', (d) => { st.data += d; wake(); });
  sock.on('close', () => { st.closed = true; wake(); });
  sock.on('error', (e) => { st.error = e; });
  return {
    sock,
    st,
    connected: new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); }),
    async read(pred, ms, what) {
      const p = (async () => {
        while (!pred(st.data, st.closed)) {
          if (st.closed) throw new Error(`connection closed (${st.error?.code ?? 'clean'}), got: ${JSON.stringify(st.data.slice(0, 500))}`);
          await new Promise((resolve) => st.waiters.push(resolve));
        }
        return st.data;
      })();
      return withTimeout(p, ms, what);
    },
  };
}

// ---------------------------------------------------------------- users, sessions, tokens

// The first admin's password, written by aisbf at its first start.
export function initialAdminPassword(configDir) {
  return fs.readFileSync(path.join(configDir, 'initial-admin-password'), 'utf8').trim();
}

// POST /api/auth/login. Resolves {res, cookie, csrf, headers(csrf = true)}:
// `cookie` is the aisbf_session value ('' when refused); `headers()` gives
// the Cookie header and, unless told otherwise, X-CSRF-Token.
export async function login(baseUrl, username, password) {
  const res = await post(`${baseUrl}/api/auth/login`, { username, password });
  const setCookie = [res.headers['set-cookie'] ?? []].flat().join('\n');
  const cookie = /aisbf_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
  const csrf = res.status === 200 ? res.json().csrf_token : '';
  return {
    res, cookie, csrf, setCookie,
    headers(withCsrf = true) {
      const h = { cookie: `aisbf_session=${cookie}` };
      if (withCsrf) h['x-csrf-token'] = csrf;
      return h;
    },
  };
}

// Logs in and, when the password must be changed first (the generated first
// admin's, or one an admin set), changes it to `newPassword`: the session
// stays and is no longer held back. Resolves login()'s fields and
// `password`, the one now in force.
export async function loginReady(baseUrl, username, password, newPassword = `${password}-changed`) {
  const session = await login(baseUrl, username, password);
  assert.equal(session.res.status, 200, session.res.text);
  if (!session.res.json().user.must_change_password) return { ...session, password };
  const r = await request(`${baseUrl}/api/user/password`, {
    method: 'PATCH', headers: session.headers(), body: { current_password: password, new_password: newPassword },
  });
  assert.equal(r.status, 204, r.text);
  return { ...session, password: newPassword };
}

// POST /api/admin/users with `headers` (an admin's); returns the created user.
export async function createUser(baseUrl, headers, { username, password = 'password-123', role = 'user', ...extra }) {
  const r = await post(`${baseUrl}/api/admin/users`, { username, password, role, ...extra }, { headers });
  assert.equal(r.status, 201, r.text);
  return r.json();
}

// POST /api/admin/users/{username}/tokens; returns {id, token, …}.
export async function createToken(baseUrl, headers, username, body = {}) {
  const r = await post(`${baseUrl}/api/admin/users/${encodeURIComponent(username)}/tokens`, body, { headers });
  assert.equal(r.status, 201, r.text);
  return r.json();
}

export const bearer = (token) => ({ authorization: `Bearer ${token}` });

// RFC 4180 lines (quoted cells may hold commas, quotes and line breaks).
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell); cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// CSV text with a header line as objects (column → cell).
export function csvObjects(text) {
  const [header, ...lines] = parseCsv(text);
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

// The usage rows so far as objects (column → cell), the recorder's queue
// flushed first (the stack's admin API; `headers`: an admin's credentials
// when auth is on).
export async function usageCsvRows(stack, headers = {}) {
  const flushed = await post(stack.u('/api/admin/usage/flush'), undefined, { headers });
  assert.equal(flushed.status, 200, flushed.text);
  const r = await get(stack.u('/api/admin/usage?format=csv&from=0'), { headers });
  assert.equal(r.status, 200, r.text);
  const [header, ...lines] = r.text.trim().split('\r\n').map((l) => l.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

// A chat whose older turns condensation can drop: a system prompt, `turns`
// exchanges of ~150 tokens each (a colour is one token), then `last`. The
// condensation, effective-context and user-condensation suites share it.
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'black', 'white', 'brown', 'pink'];
export function colourConversation(turns, last = 'What was the third colour?') {
  const messages = [{ role: 'system', content: 'You are a careful assistant.' }];
  for (let i = 0; i < turns; i++) {
    const words = Array.from({ length: 70 }, (_, w) => COLOURS[(i + w * 3) % COLOURS.length]).join(' ');
    messages.push({ role: 'user', content: `Remember list ${i}: ${words}` });
    messages.push({ role: 'assistant', content: `Noted list ${i}: ${words}` });
  }
  messages.push({ role: 'user', content: last });
  return messages;
}
