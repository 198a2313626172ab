// The read-only autoselect routes of issue 11, through the binary with auth
// on, over AISBF's own sample autoselect.json files: GET /api/autoselect
// (the entries, AISBF's fields only), GET /api/autoselect/models and every
// model list and lookup (autoselect/<id>, and a user's user-autoselect/<id>
// in their namespace), and who may call them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT, ANTHROPIC_VERSION, Stack, startMock, startGateway, writeConfigDir, tmpDir, get, post, request, bearer,
  assertError, assertAnthropicError, createUser, createToken,
} from './harness.mjs';

const TOKEN = 'autoselect-listing-token';
const global = bearer(TOKEN);
const sample = (version) => JSON.parse(fs.readFileSync(
  path.join(REPO_ROOT, 'tests', 'fixtures', `aisbf-${version}-config`, 'autoselect.json'), 'utf8')).autoselect;

// AISBF 0.9.4's sample (two candidates, rotations `coding` and `general`),
// 0.99.83's (no candidates: it loads with a warning), and one of ours with
// the classification flags set and a key no listing may show.
const AUTOSELECTS = {
  autoselect: sample('0.9.4'),
  empty: sample('0.99.83'),
  private: {
    model_name: 'Private pick',
    description: 'Keeps personal data on local models',
    selection_model: 'semantic',
    fallback: 'mock/mock-model',
    nsfw: true,
    privacy: true,
    capabilities: ['t2t'],
    available_models: [{ model_id: 'mock/mock-model', description: 'local', nsfw: true, privacy: true }],
    internal_note: 'not for clients',
  },
};
const IDS = ['autoselect/autoselect', 'autoselect/empty', 'autoselect/private'];

const rotation = (name) => ({ model_name: name, providers: [{ provider_id: 'mock', models: [{ name: 'mock-model' }] }] });

async function startWithAutoselects() {
  const mock = await startMock();
  try {
    const dir = writeConfigDir({
      mockUrl: mock.url,
      rotations: { coding: rotation('coding'), general: rotation('general') },
      auth: { enabled: true, tokens: [TOKEN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-aslist-'), 'aisbf.db') } },
    });
    fs.writeFileSync(path.join(dir, 'autoselect.json'), JSON.stringify(AUTOSELECTS, null, 2));
    return new Stack(mock, await startGateway(dir), dir);
  } catch (err) {
    await mock.stop();
    throw err;
  }
}

function listOf(r) {
  assert.equal(r.status, 200, r.text);
  const b = r.json();
  assert.equal(b.object, 'list', r.text);
  assert.ok(Array.isArray(b.data), r.text);
  return b.data;
}

// The model entry of an autoselect, as every OpenAI-shaped list shows it.
function expectedEntry(id) {
  const a = AUTOSELECTS[id];
  const e = { id: `autoselect/${id}`, object: 'model', created: 0, owned_by: 'aisbf', type: 'autoselect', name: a.model_name };
  if (a.description) e.description = a.description;
  if (a.capabilities?.length) e.capabilities = a.capabilities;
  return e;
}

describe('autoselect listings', { timeout: 60000 }, () => {
  let s;
  let userToken;
  before(async () => {
    s = await startWithAutoselects();
    await createUser(s.url, global, { username: 'carol' });
    userToken = (await createToken(s.url, global, 'carol')).token;
    const own = await request(s.u('/api/user/autoselects/mine'), {
      method: 'PUT',
      headers: bearer(userToken),
      body: { model_name: 'mine', description: 'my pick', fallback: 'general', available_models: [{ model_id: 'coding', description: 'c' }] },
    });
    assert.equal(own.status, 201, own.text);
  });
  after(async () => { await s?.stop(); });

  it('no token or a wrong one: 401 on both routes, as on /api/rotations', async () => {
    for (const p of ['/api/autoselect', '/api/autoselect/models', '/api/rotations', '/api/rotations/models']) {
      assertError(await get(s.u(p)), 401);
      assertError(await get(s.u(p), { headers: bearer('wrong') }), 401);
    }
  });

  it('GET /api/autoselect: each entry with AISBF\'s fields, the samples as written', async () => {
    const data = listOf(await get(s.u('/api/autoselect'), { headers: global }));
    assert.deepEqual(data.map((a) => a.id), ['autoselect', 'empty', 'private']);
    const [aisbf, empty, ours] = data;
    const a = AUTOSELECTS.autoselect;
    assert.deepEqual(aisbf, {
      id: 'autoselect',
      object: 'autoselect',
      model_name: 'autoselect',
      description: a.description,
      selection_model: 'general',
      fallback: 'general',
      capabilities: ['t2t', 'reasoning', 'multimodal'],
      nsfw: false,
      privacy: false,
      available_models: a.available_models.map(({ model_id, description, nsfw, privacy }) => ({ model_id, description, nsfw, privacy })),
    });
    assert.deepEqual(aisbf.available_models.map((m) => m.model_id), ['coding', 'general']);
    assert.deepEqual(empty.available_models, []);
    assert.equal(empty.description, AUTOSELECTS.empty.description);
    assert.equal(ours.selection_model, 'semantic');
    assert.equal(ours.fallback, 'mock/mock-model');
    assert.equal(ours.nsfw, true);
    assert.equal(ours.privacy, true);
    assert.deepEqual(ours.available_models, [{ model_id: 'mock/mock-model', description: 'local', nsfw: true, privacy: true }]);
    assert.ok(!('internal_note' in ours), JSON.stringify(ours));
  });

  it('GET /api/autoselect/models: the autoselects as autoselect/<id> models', async () => {
    const data = listOf(await get(s.u('/api/autoselect/models'), { headers: global }));
    assert.deepEqual(data, Object.keys(AUTOSELECTS).map(expectedEntry));
  });

  it('every model list holds autoselect/<id>, as /api/autoselect/models shows it', async () => {
    for (const p of ['/api/models', '/api/v1/models', '/v1/models', '/models']) {
      const data = listOf(await get(s.u(p), { headers: global }));
      const ids = data.map((m) => m.id);
      for (const id of ['rotation/coding', 'rotation/general', 'mock/mock-model']) assert.ok(ids.includes(id), `${p}: ${ids}`);
      assert.deepEqual(data.filter((m) => m.type === 'autoselect'), Object.keys(AUTOSELECTS).map(expectedEntry), p);
    }
    // A provider's own list is of that provider only.
    const scoped = listOf(await get(s.u('/api/mock/models'), { headers: global }));
    assert.ok(!scoped.some((m) => m.id.startsWith('autoselect/')), JSON.stringify(scoped));
  });

  it('the Anthropic-shaped list names them by model_name', async () => {
    const r = await get(s.u('/v1/models'), { headers: { 'x-api-key': TOKEN, 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(r.status, 200, r.text);
    const byId = Object.fromEntries(r.json().data.map((m) => [m.id, m]));
    assert.equal(byId['autoselect/autoselect']?.display_name, 'autoselect', r.text);
    assert.equal(byId['autoselect/private']?.display_name, 'Private pick', r.text);
    assert.equal(byId['autoselect/private'].type, 'model');
  });

  it('the single-model lookups find autoselect/<id>, and 404 for an unknown one', async () => {
    for (const id of IDS) {
      for (const p of [`/api/v1/models/${id}`, `/v1/models/${encodeURIComponent(id)}`, `/models/${id}`]) {
        const r = await get(s.u(p), { headers: global });
        assert.equal(r.status, 200, `${p}: ${r.text}`);
        assert.deepEqual(r.json(), expectedEntry(id.slice('autoselect/'.length)), p);
      }
    }
    const a = await get(s.u('/v1/models/autoselect/private'),
      { headers: { 'x-api-key': TOKEN, 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json().display_name, 'Private pick');
    assertError(await get(s.u('/api/v1/models/autoselect/nope'), { headers: global }), 404, 'model_not_found');
    assertAnthropicError(await get(s.u('/v1/models/autoselect/nope'),
      { headers: { 'x-api-key': TOKEN, 'anthropic-version': ANTHROPIC_VERSION } }), 404);
  });

  it('a user: /api/autoselect the global ones, /api/autoselect/models and the lists their own too', async () => {
    const h = bearer(userToken);
    assert.deepEqual(listOf(await get(s.u('/api/autoselect'), { headers: h })).map((a) => a.id),
      ['autoselect', 'empty', 'private']);
    const models = listOf(await get(s.u('/api/autoselect/models'), { headers: h }));
    assert.deepEqual(models.map((m) => m.id), [...IDS, 'user-autoselect/mine']);
    const mine = models.at(-1);
    assert.deepEqual([mine.object, mine.type, mine.name, mine.owned_by], ['model', 'autoselect', 'mine', 'carol']);
    const all = listOf(await get(s.u('/api/v1/models'), { headers: h })).map((m) => m.id);
    for (const id of [...IDS, 'user-autoselect/mine']) assert.ok(all.includes(id), `${id} not in ${all}`);
    const lookup = await get(s.u('/api/v1/models/user-autoselect/mine'), { headers: h });
    assert.equal(lookup.status, 200, lookup.text);
    assert.equal(lookup.json().id, 'user-autoselect/mine');
    // Not the global token's (it has no namespace), nor in its lists.
    assertError(await get(s.u('/api/v1/models/user-autoselect/mine'), { headers: global }), 404, 'model_not_found');
    const globalIds = listOf(await get(s.u('/api/autoselect/models'), { headers: global })).map((m) => m.id);
    assert.deepEqual(globalIds, IDS);
  });

  it('/api/autoselect/models is its own route, not /api/{provider}/models; it takes GET only', async () => {
    const r = await post(s.u('/api/autoselect/models'), {}, { headers: global });
    assert.equal(r.status, 405, r.text);
  });
});
