// Configuration reload: POST /api/admin/reload and SIGHUP read the four
// files again; a broken file keeps the running configuration.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, get, post, request, chatBody, assertError, mockProvider, delay,
  noteSecrets, secretsIn,
} from './harness.mjs';

function writeProviders(s, ids) {
  const providers = Object.fromEntries(ids.map((id) => [id, mockProvider(s.mock.url, { id })]));
  noteSecrets(secretsIn(providers));
  fs.writeFileSync(path.join(s.configDir, 'providers.json'), JSON.stringify({ providers }, null, 2));
}

const reload = (s, opts = {}) => request(s.u('/api/admin/reload'), {
  method: 'POST', headers: { 'content-length': '0', ...(opts.headers ?? {}) },
});

async function chatVia(s, provider) {
  return post(s.u('/api/v1/chat/completions'), chatBody(`via ${provider}`, { model: `${provider}/mock-model` }));
}

async function listed(s) {
  const r = await get(s.u('/api/v1/models'));
  assert.equal(r.status, 200, r.text);
  return r.json().data.map((m) => m.id);
}

describe('reload', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  it('POST /api/admin/reload: a provider added on disk answers', async () => {
    assertError(await chatVia(s, 'second'), 404, 'model_not_found');
    writeProviders(s, ['mock', 'second']);
    const r = await reload(s);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().reloaded, true);
    assert.ok(Array.isArray(r.json().warnings), r.text);
    const c = await chatVia(s, 'second');
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json().choices[0].message.content, 'You said: via second');
    assert.ok((await listed(s)).includes('second/mock-model'));
    assert.match(s.gw.stderr, /reload: serving 2 providers/);
  });

  it('a broken file → 400 with its diagnostic; the previous configuration keeps serving', async () => {
    fs.writeFileSync(path.join(s.configDir, 'providers.json'), '{"providers": {');
    const r = await reload(s);
    assertError(r, 400, 'invalid_config');
    const lines = r.json().diagnostics;
    assert.ok(lines.some((l) => /^error: providers\.json: invalid JSON/.test(l)), r.text);
    const c = await chatVia(s, 'second');
    assert.equal(c.status, 200, c.text);
    assert.match(s.gw.stderr, /error: providers\.json: invalid JSON/);
  });

  it('reload is an admin action: JSON only, no cross-site Origin, POST only', async () => {
    writeProviders(s, ['mock', 'second', 'third']);
    assertError(await reload(s, { headers: { origin: 'http://evil.example' } }), 403, 'cross_site_request');
    const form = await request(s.u('/api/admin/reload'), {
      method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertError(form, 415, 'unsupported_media_type');
    assertError(await get(s.u('/api/admin/reload')), 405, 'method_not_allowed');
    assert.ok(!(await listed(s)).includes('third/mock-model'), 'a refused reload reloaded');
  });

  it('SIGHUP reloads the same way, and keeps the old configuration on errors', async () => {
    writeProviders(s, ['mock', 'fourth']);
    s.gw.kill('SIGHUP');
    // The signal is handled on the server's own thread: poll (bounded) for its effect.
    let ids = [];
    for (let i = 0; i < 100 && !ids.includes('fourth/mock-model'); i += 1) {
      await delay(50);
      ids = await listed(s);
    }
    assert.ok(ids.includes('fourth/mock-model'), JSON.stringify(ids));
    assert.ok(!ids.includes('second/mock-model'), JSON.stringify(ids));
    const c = await chatVia(s, 'fourth');
    assert.equal(c.status, 200, c.text);

    fs.writeFileSync(path.join(s.configDir, 'rotations.json'), '{"rotations": 7}');
    const before = (s.gw.stderr.match(/reload: .* has errors/g) ?? []).length;
    s.gw.kill('SIGHUP');
    for (let i = 0; i < 100 && (s.gw.stderr.match(/reload: .* has errors/g) ?? []).length === before; i += 1) await delay(50);
    // The log names the file, the place and the problem, and says what still serves.
    assert.match(s.gw.stderr, /error: rotations\.json: rotations: expected an object, got number/);
    assert.match(s.gw.stderr, /reload: .* has errors; still serving the previous configuration/);
    assert.equal((await chatVia(s, 'fourth')).status, 200);
    assert.ok(s.gw.running, 'SIGHUP stopped the gateway');
  });
});
