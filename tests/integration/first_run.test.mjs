// The first start (issue 16, "First run"): in an empty config dir the
// gateway writes providers for the API keys in its environment, stored as
// "env:NAME" references (never the key), and for an Ollama that answers;
// the generated config loads with no warning, the banner says what is live,
// and one curl-like request is served at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AISBF_BIN, MOCK_KEY, spawnListening, startMock, tmpDir, gatewayEnv, get, post, chatBody, delay, request,
  noteSecrets, secretsIn,
} from './harness.mjs';

const start = (dir, env) => spawnListening('aisbf', AISBF_BIN,
  ['--config-dir', dir, '--host', '127.0.0.1', '--port', '0', '--workers', '2'], { env: gatewayEnv(env) });

// The banner follows LISTENING: wait (bounded) for its last line.
async function bannerOf(gw) {
  for (let i = 0; i < 200 && !/providers live: |no provider can serve yet/.test(gw.stderr); i += 1) await delay(20);
  await delay(100);
  return gw.stderr;
}

const warnings = (log) => log.split('\n').filter((l) => /\[(warning|error|critical)\]/.test(l));

describe('first start', { timeout: 60000 }, () => {
  let mock;
  const procs = [];
  noteSecrets('gsk-first-run-secret-1234');
  before(async () => { mock = await startMock(['--api-key', 'gsk-first-run-secret-1234']); });
  after(async () => { await Promise.all(procs.map((p) => p.stop())); await mock?.stop(); });

  it('creates providers for the keys found and an Ollama that answers, as env references', async () => {
    const dir = path.join(tmpDir(), 'config');
    const gw = await start(dir, {
      OPENAI_API_KEY: MOCK_KEY, OPENAI_BASE_URL: `${mock.url}/v1`, GROQ_API_KEY: 'gsk-first-run-secret-1234',
      GROQ_BASE_URL: `${mock.url}/openai/v1`,
      AISBF_OLLAMA_URL: mock.url,
    });
    procs.push(gw);
    const log = await bannerOf(gw);
    const text = fs.readFileSync(path.join(dir, 'providers.json'), 'utf8');
    assert.ok(!text.includes(MOCK_KEY) && !text.includes('gsk-first-run-secret'), text);
    const { providers } = JSON.parse(text);
    assert.deepEqual(Object.keys(providers), ['openai', 'groq', 'ollama']);
    assert.equal(providers.openai.api_key, 'env:OPENAI_API_KEY');
    assert.equal(providers.openai.endpoint, `${mock.url}/v1`);
    assert.equal(providers.groq.api_key, 'env:GROQ_API_KEY');
    assert.equal(providers.groq.preset, 'groq');
    assert.equal(providers.ollama.endpoint, mock.url);
    assert.equal(fs.statSync(path.join(dir, 'providers.json')).mode & 0o777, 0o600);
    assert.deepEqual(warnings(log), [], log);
    assert.match(log, /providers live: openai, groq, ollama/);
    assert.match(log, new RegExp(`dashboard: ${gw.url}/dashboard/`));
    assert.match(log, /first start: provider 'openai' created from env:OPENAI_API_KEY/);
    assert.ok(!log.includes(MOCK_KEY) && !log.includes('gsk-first-run-secret'), log);
    // The README's one request, resolved through the env reference.
    const r = await post(`${gw.url}/api/v1/chat/completions`, chatBody('hi', { model: 'openai/mock-model' }));
    assert.equal(r.status, 200, r.text);
    const o = await post(`${gw.url}/api/v1/chat/completions`, chatBody('hi', { model: 'ollama/mock-model' }));
    assert.equal(o.status, 200, o.text);
    // The admin API shows the reference, not a mask, and a save keeps it.
    const got = await get(`${gw.url}/api/admin/providers/openai`);
    assert.equal(got.status, 200, got.text);
    assert.ok(got.text.includes('"env:OPENAI_API_KEY"'), got.text);
    const entry = got.json().provider ?? got.json();
    const put = await request(`${gw.url}/api/admin/providers/openai`, {
      method: 'PUT', body: { ...entry, name: 'OpenAI (edited)' }, headers: { 'content-type': 'application/json' },
    });
    assert.ok(put.status < 300, put.text);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'providers.json'), 'utf8')).providers.openai;
    assert.equal(saved.name, 'OpenAI (edited)');
    assert.equal(saved.api_key, 'env:OPENAI_API_KEY');
    // A reference the entry does not already hold, or one sent elsewhere,
    // is refused (it would read the server's environment for the caller):
    // on a save, a new entry, and a probe's unsaved draft.
    const thief = { type: 'openai', endpoint: 'http://127.0.0.1:9/v1', api_key: 'env:GROQ_API_KEY', models: [] };
    const elsewhere = await request(`${gw.url}/api/admin/providers/openai`, {
      method: 'PUT', body: { ...entry, endpoint: 'http://127.0.0.1:9/v1' }, headers: { 'content-type': 'application/json' },
    });
    assert.equal(elsewhere.status, 400, elsewhere.text);
    assert.equal(elsewhere.json().error.param, 'providers.openai.api_key', elsewhere.text);
    const added = await request(`${gw.url}/api/admin/providers/thief`, {
      method: 'PUT', body: thief, headers: { 'content-type': 'application/json' },
    });
    assert.equal(added.status, 400, added.text);
    const swapped = await request(`${gw.url}/api/admin/providers/openai`, {
      method: 'PUT', body: { ...entry, api_key: 'env:GROQ_API_KEY' }, headers: { 'content-type': 'application/json' },
    });
    assert.equal(swapped.status, 400, swapped.text);
    for (const id of ['thief', 'openai']) {
      const probe = await post(`${gw.url}/api/admin/providers/${id}/test`, { provider: thief, model: 'mock-model' });
      assert.equal(probe.status, 400, `${id}: ${probe.text}`);
      assert.match(probe.json().error.message, /env:/);
    }
    const providers2 = JSON.parse(fs.readFileSync(path.join(dir, 'providers.json'), 'utf8')).providers;
    assert.deepEqual(Object.keys(providers2), ['openai', 'groq', 'ollama']);
    assert.equal(providers2.openai.endpoint, `${mock.url}/v1`);
    await gw.stop();
  });

  it('with no key and no Ollama: an empty providers list, no warning, and a hint', async () => {
    const dir = path.join(tmpDir(), 'config');
    const gw = await start(dir, {});
    procs.push(gw);
    const log = await bannerOf(gw);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'providers.json'), 'utf8')), { providers: {} });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'autoselect.json'), 'utf8')), {});
    assert.deepEqual(warnings(log), [], log);
    assert.match(log, /no provider can serve yet: set OPENAI_API_KEY/);
    assert.equal((await get(`${gw.url}/health`)).status, 200);
    await gw.stop();
    // The second start keeps what the first wrote (and still warns of nothing).
    const again = await start(dir, { OPENAI_API_KEY: MOCK_KEY });
    procs.push(again);
    const log2 = await bannerOf(again);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'providers.json'), 'utf8')), { providers: {} });
    assert.deepEqual(warnings(log2), [], log2);
    await again.stop();
  });

  it('probes no Ollama at a host name (no name lookup at start), and says so', async () => {
    const dir = path.join(tmpDir(), 'config');
    const gw = await start(dir, { AISBF_OLLAMA_URL: 'http://ollama.invalid:11434' });
    procs.push(gw);
    const log = await bannerOf(gw);
    assert.match(log, /Ollama not probed at http:\/\/ollama\.invalid:11434: only an IP address or localhost/);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'providers.json'), 'utf8')), { providers: {} });
    assert.deepEqual(warnings(log), [], log);
    await gw.stop();
  });

  it('an env reference whose variable is unset is a warning naming it, never a crash', async () => {
    const dir = path.join(tmpDir(), 'config');
    const first = await start(dir, { OPENAI_API_KEY: MOCK_KEY, OPENAI_BASE_URL: `${mock.url}/v1` });
    procs.push(first);
    await bannerOf(first);
    await first.stop();
    const gw = await start(dir, {});
    procs.push(gw);
    const log = await bannerOf(gw);
    assert.match(log, /providers\.openai\.api_key: the environment variable OPENAI_API_KEY is not set/);
    const r = await post(`${gw.url}/api/v1/chat/completions`, chatBody('hi', { model: 'openai/mock-model' }));
    assert.notEqual(r.status, 200, r.text);
    await gw.stop();
  });
});
