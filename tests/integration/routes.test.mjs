// Read-only routes: health, service info, model listings, unknown routes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, get, post, assertError, MOCK_MODELS, chatBody } from './harness.mjs';

const ALL_IDS = MOCK_MODELS.map((m) => `mock/${m}`).sort();

function assertModelList(res, ids) {
  assert.equal(res.status, 200, res.text);
  const body = res.json();
  assert.equal(body.object, 'list');
  assert.ok(Array.isArray(body.data));
  // The configured models; models the provider's own list adds are marked
  // source: "provider" (tests/integration/provider_models.test.mjs).
  const configured = body.data.filter((m) => m.source !== 'provider');
  assert.deepEqual(configured.map((m) => m.id).sort(), [...ids].sort());
  for (const m of body.data) assertModel(m);
}

function assertModel(m) {
  assert.equal(m.object, 'model', JSON.stringify(m));
  assert.equal(m.owned_by, 'mock', JSON.stringify(m));
  assert.equal(typeof m.created, 'number', JSON.stringify(m));
  assert.equal(typeof m.id, 'string');
}

describe('routes', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  it('GET /health answers {"status":"ok"}', async () => {
    const r = await get(s.u('/health'));
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.deepEqual(r.json(), { status: 'ok' });
  });

  it('GET / describes the service', async () => {
    const r = await get(s.u('/'));
    assert.equal(r.status, 200, r.text);
    const b = r.json();
    assert.equal(b.status, 'ok');
    assert.equal(b.service, 'aisbf');
    assert.equal(typeof b.version, 'string');
    assert.ok(b.version.length > 0);
    assert.deepEqual(b.providers, ['mock']);
    assert.deepEqual(b.rotations, []);
    assert.deepEqual(b.autoselect, []);
  });

  for (const p of ['/api/models', '/api/v1/models', '/v1/models', '/models']) {
    it(`GET ${p} lists every provider model as provider/model`, async () => {
      assertModelList(await get(s.u(p)), ALL_IDS);
    });
  }

  it('the listing carries context_size when configured', async () => {
    const body = (await get(s.u('/api/v1/models'))).json();
    const m = body.data.find((x) => x.id === 'mock/mock-model');
    assert.equal(m.context_size, 128000);
  });

  const oneModel = [
    ['/api/v1/models/mock/mock-model', 'mock/mock-model'],
    ['/api/v1/models/mock%2Fmock-model', 'mock/mock-model'],
    ['/api/v1/models/mock/org/nested-model', 'mock/org/nested-model'],
    ['/api/v1/models/mock%2Forg%2Fnested-model', 'mock/org/nested-model'],
    ['/api/v1/models/mock/org%2Fnested-model', 'mock/org/nested-model'],
  ];
  for (const [p, id] of oneModel) {
    it(`GET ${p} → ${id}`, async () => {
      const r = await get(s.u(p));
      assert.equal(r.status, 200, r.text);
      const m = r.json();
      assert.equal(m.id, id);
      assertModel(m);
    });
  }

  for (const p of ['/api/v1/models/mock/no-such-model', '/api/v1/models/nope%2Fmock-model', '/api/v1/models/nope']) {
    it(`GET ${p} → 404 model_not_found`, async () => {
      assertError(await get(s.u(p)), 404, 'model_not_found');
    });
  }

  it('GET /api/autoselect and /api/autoselect/models: empty lists when autoselect.json has none', async () => {
    for (const p of ['/api/autoselect', '/api/autoselect/models']) {
      const r = await get(s.u(p));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { object: 'list', data: [] }, p);
    }
  });

  it('GET /api/mock/models lists that provider', async () => {
    assertModelList(await get(s.u('/api/mock/models')), ALL_IDS);
  });

  it('GET /api/m%6Fck/models: path params are percent-decoded', async () => {
    assertModelList(await get(s.u('/api/m%6Fck/models')), ALL_IDS);
  });

  it('GET /api/nope/models → 404 model_not_found', async () => {
    assertError(await get(s.u('/api/nope/models')), 404, 'model_not_found');
  });

  it('unknown route → 404 not_found', async () => {
    assertError(await get(s.u('/no/such/route')), 404, 'not_found');
    assertError(await post(s.u('/api/v1/nothing-here'), {}), 404, 'not_found');
  });

  it('chat with an unknown model → 404 model_not_found', async () => {
    assertError(await post(s.u('/api/v1/chat/completions'), chatBody('x', { model: 'mock/unknown' })), 404, 'model_not_found');
    assertError(await post(s.u('/api/v1/chat/completions'), chatBody('x', { model: 'nope/mock-model' })), 404, 'model_not_found');
    assertError(await post(s.u('/api/nope/chat/completions'), chatBody('x', { model: 'mock-model' })), 404, 'model_not_found');
  });
});
