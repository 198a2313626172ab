// "Try it" for an autoselect (POST /api/admin/autoselects/{id}/try and
// /api/user/autoselects/{id}/try) through the binary, aisbf-mock as the
// selection model: the choice and how it was made, the selection model's
// own answer, the fallback on an answer naming no candidate, a refusal for
// personal data, nothing sent to the chosen model and no decision cached,
// the selection call a usage row of the caller; the prompt bounded; who may
// call it (a user only their own autoselects); a failed selection call's
// upstream words shown to the operator only; an admin user's try is the
// gateway's (not in their namespace); the chat path still stores decisions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, post, get, request, mockProvider, model, assertError, bearer, createUser, createToken, usageCsvRows,
  chatBody,
} from './harness.mjs';

const GLOBAL = 'try-global-token';
const CODING = 'Programming: code, debugging, functions, compilers, python and rust.';
const GENERAL = 'Everyday conversation: weather, cooking, travel and general questions.';
const CODE_ASK = 'Please help me with debugging this python function, the compilers complain';
const CHAT_ASK = 'What is the weather like for travel, and any cooking tips?';

const entry = (selection_model, extra = {}) => ({
  model_name: 'x', description: 'test', selection_model, fallback: 'general',
  available_models: [{ model_id: 'coding', description: CODING }, { model_id: 'general', description: GENERAL }],
  ...extra,
});

const ROTATIONS = {
  coding: { providers: [{ provider_id: 'mock', models: [{ name: 'code-model', weight: 1 }] }] },
  general: { providers: [{ provider_id: 'mock', models: [{ name: 'chat-model', weight: 1 }] }] },
  local: { providers: [{ provider_id: 'mock', models: [{ name: 'local-model', weight: 1 }] }] },
};

// code-model is dear (5 USD a request); the selection models are free.
const MODELS = [model('code-model', { pricing: { prompt: 0, completion: 0, request: 5 } }), 'chat-model', 'local-model', 'select', 'select-think', 'select-garbage', 'fault-400'];

describe('autoselect try', { timeout: 60000 }, () => {
  let s;
  const admin = bearer(GLOBAL);
  const tryAdmin = (id, prompt, headers = admin) => post(s.u(`/api/admin/autoselects/${id}/try`), { prompt }, { headers });
  const chatModels = async () => (await s.mock.chatRequests()).map((q) => JSON.parse(q.body).model);

  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [GLOBAL] },
      providers: (url) => ({ mock: mockProvider(url, { models: MODELS }) }),
      rotations: ROTATIONS,
      autoselect: {
        pick: entry('mock/select'),
        think: entry('mock/select-think'),
        garbage: entry('mock/select-garbage'),
        broken: entry('mock/fault-400'),
        sem: entry('semantic'),
        private: entry('mock/select', {
          classify_privacy: true,
          available_models: [{ model_id: 'coding', description: CODING }, { model_id: 'general', description: GENERAL }],
        }),
      },
    });
  });
  after(async () => { await s?.stop(); });

  it('answers the selection model’s choice and its words; nothing goes to the chosen model', async () => {
    await s.mock.reset();
    const r = await tryAdmin('think', CODE_ASK);
    assert.equal(r.status, 200, r.text);
    const a = r.json();
    assert.equal(a.autoselect, 'think');
    assert.deepEqual(a.chosen, { candidate: 'coding', target: 'rotation/coding', by: 'llm' });
    assert.equal(a.refusal, null);
    assert.deepEqual(a.allowed, ['coding', 'general']);
    assert.equal(a.selection.model, 'mock/select-think');
    assert.match(a.selection.answer, /<aisbf_model_autoselection>coding<\/aisbf_model_autoselection>/);
    assert.equal(a.selection.failure, null);
    // Only the selection call reached an upstream: not code-model.
    assert.deepEqual(await chatModels(), ['select-think']);
    // Another prompt, another choice.
    const general = (await tryAdmin('pick', CHAT_ASK)).json();
    assert.equal(general.chosen.candidate, 'general');
    assert.equal(general.chosen.by, 'llm');
  });

  it('stores no decision: the same prompt asks the selection model again', async () => {
    await s.mock.reset();
    assert.equal((await tryAdmin('pick', CODE_ASK)).json().chosen.by, 'llm');
    assert.equal((await tryAdmin('pick', CODE_ASK)).json().chosen.by, 'llm');
    assert.deepEqual(await chatModels(), ['select', 'select']);
  });

  it('an answer naming no candidate: the fallback, with the answer and why', async () => {
    const a = (await tryAdmin('garbage', CODE_ASK)).json();
    assert.deepEqual(a.chosen, { candidate: 'general', target: 'rotation/general', by: 'fallback' });
    assert.equal(a.selection.model, 'mock/select-garbage');
    assert.equal(a.selection.failure, 'the answer names no candidate');
    assert.ok(a.selection.answer.length > 0);
  });

  it('a failed selection call: the upstream’s words to the operator only, a generic line to a user', async () => {
    const a = (await tryAdmin('broken', CODE_ASK)).json();
    assert.equal(a.chosen.by, 'fallback');
    assert.match(a.selection.failure, /rejected by mock fault-400/);
    await createUser(s.url, admin, { username: 'uma' });
    const uma = bearer((await createToken(s.url, admin, 'uma')).token);
    const put = await request(s.u('/api/user/autoselects/broken'), { method: 'PUT', headers: uma, body: entry('mock/fault-400') });
    assert.equal(put.status, 201, put.text);
    const mine = (await post(s.u('/api/user/autoselects/broken/try'), { prompt: CODE_ASK }, { headers: uma })).json();
    assert.equal(mine.chosen.by, 'fallback');
    assert.equal(mine.selection.model, 'mock/fault-400');
    assert.doesNotMatch(mine.selection.failure, /mock|messages|rejected/);
    assert.match(mine.selection.failure, /^the call failed \(.+, status \d+\)$/);
  });

  it('semantic selection shows its scores', async () => {
    await s.mock.reset();
    const a = (await tryAdmin('sem', CODE_ASK)).json();
    assert.deepEqual(a.chosen, { candidate: 'coding', target: 'rotation/coding', by: 'semantic' });
    assert.equal(a.selection, null);
    assert.deepEqual(a.semantic.map((x) => x.model_id), ['coding', 'general']);
    assert.ok(a.semantic[0].score > a.semantic[1].score, JSON.stringify(a.semantic));
    assert.deepEqual(await chatModels(), []);
  });

  it('personal data with no privacy candidate: the refusal a request would get, nobody asked', async () => {
    await s.mock.reset();
    const a = (await tryAdmin('private', 'mail me at jane.doe@example.com about the bug')).json();
    assert.equal(a.chosen, null);
    assert.equal(a.refusal.status, 403);
    assert.equal(a.refusal.code, 'no_allowed_model');
    assert.deepEqual(a.classification.private_data, ['email']);
    assert.deepEqual(a.allowed, []);
    assert.deepEqual(await chatModels(), []);
  });

  it('the selection call is a usage row of the caller (route autoselect); the try itself is none', async () => {
    const before = (await usageCsvRows(s, admin)).length;
    assert.equal((await tryAdmin('pick', CHAT_ASK)).status, 200);
    const rows = (await usageCsvRows(s, admin)).slice(before);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].route, 'autoselect');
  });

  it('a try reserves at the prices of the models it may call, not of the targets it chooses among', async () => {
    await createUser(s.url, admin, { username: 'pia', quotas: { cost_per_month: 1 } });
    const pia = bearer((await createToken(s.url, admin, 'pia')).token);
    const put = await request(s.u('/api/user/autoselects/dear'), { method: 'PUT', headers: pia, body: entry('mock/select') });
    assert.equal(put.status, 201, put.text);
    // A chat through it reserves at its dearest target (rotation coding, 5 USD): over her 1 USD.
    const chat = await post(s.u('/api/v1/chat/completions'), chatBody(CODE_ASK, { model: 'user-autoselect/dear' }),
      { headers: pia });
    assertError(chat, 429, 'quota_exceeded');
    // The try calls only the (free) selection model: it fits.
    const tried = await post(s.u('/api/user/autoselects/dear/try'), { prompt: CODE_ASK }, { headers: pia });
    assert.equal(tried.status, 200, tried.text);
    assert.deepEqual(tried.json().chosen, { candidate: 'coding', target: 'rotation/coding', by: 'llm' });
  });

  it('bounds the prompt and names the field; an unknown autoselect is 404', async () => {
    assert.equal(assertError(await tryAdmin('pick', ''), 400, 'invalid_body').param, 'prompt');
    assert.equal(assertError(await tryAdmin('pick', 'x'.repeat(32 * 1024 + 1)), 400, 'invalid_body').param, 'prompt');
    assert.equal((await tryAdmin('pick', 'x'.repeat(32 * 1024))).status, 200);
    assertError(await post(s.u('/api/admin/autoselects/pick/try'), { text: 'hi' }, { headers: admin }), 400, 'invalid_body');
    assertError(await tryAdmin('nothing', 'hi'), 404, 'not_found');
  });

  it('who may call it: admins the global ones, a user only their own', async () => {
    await createUser(s.url, admin, { username: 'tina' });
    await createUser(s.url, admin, { username: 'otto' });
    const tina = bearer((await createToken(s.url, admin, 'tina')).token);
    const otto = bearer((await createToken(s.url, admin, 'otto')).token);
    assert.equal((await post(s.u('/api/admin/autoselects/pick/try'), { prompt: 'hi' })).status, 401);
    assertError(await tryAdmin('pick', 'hi', tina), 403);
    const put = await request(s.u('/api/user/autoselects/mine'), {
      method: 'PUT', headers: tina, body: entry('mock/select'),
    });
    assert.equal(put.status, 201, put.text);
    await s.mock.reset();
    const mine = await post(s.u('/api/user/autoselects/mine/try'), { prompt: CODE_ASK }, { headers: tina });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.json().autoselect, 'mine');
    assert.deepEqual(mine.json().chosen, { candidate: 'coding', target: 'rotation/coding', by: 'llm' });
    assert.deepEqual(await chatModels(), ['select']);
    // Otto has no autoselect 'mine' (tina's is not his); the global token is not a user.
    assertError(await post(s.u('/api/user/autoselects/mine/try'), { prompt: 'hi' }, { headers: otto }), 404, 'not_found');
    assertError(await post(s.u('/api/user/autoselects/pick/try'), { prompt: 'hi' }, { headers: otto }), 404, 'not_found');
    assertError(await post(s.u('/api/user/autoselects/mine/try'), { prompt: 'hi' }, { headers: admin }), 403);
    // Tina's try is her usage row.
    const rows = await usageCsvRows(s, admin);
    const last = rows.at(-1);
    assert.equal(last.route, 'autoselect');
    assert.equal(last.username, 'tina');
  });

  it('a chat through the autoselect still serves and stores its decision (the try changed nothing)', async () => {
    const chat = () => post(s.u('/api/v1/chat/completions'), chatBody(CODE_ASK, { model: 'autoselect/pick' }), { headers: admin });
    const r = await chat();
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['x-aisbf-autoselected'], /^coding; by=llm$/);
    // The chat path stores decisions: the same conversation again is the cache's.
    const again = await chat();
    assert.equal(again.status, 200, again.text);
    assert.match(again.headers['x-aisbf-autoselected'], /^coding; by=cache$/);
    // A try reads them (and stores none of its own).
    assert.deepEqual((await tryAdmin('pick', CODE_ASK)).json().chosen, { candidate: 'coding', target: 'rotation/coding', by: 'cache' });
    assert.equal((await get(s.u('/api/admin/autoselects/pick'), { headers: admin })).status, 200);
  });

  it('an admin user tries the gateway’s autoselect as the gateway’s, not in their own namespace', async () => {
    await createUser(s.url, admin, { username: 'ada', role: 'admin' });
    const ada = bearer((await createToken(s.url, admin, 'ada')).token);
    // Ada's own chats resolve in her namespace and keep their decisions there (u:ada).
    const chat = () => post(s.u('/api/v1/chat/completions'), chatBody(CHAT_ASK, { model: 'autoselect/pick' }), { headers: ada });
    assert.match((await chat()).headers['x-aisbf-autoselected'], /^general; by=llm$/);
    assert.match((await chat()).headers['x-aisbf-autoselected'], /^general; by=cache$/);
    // Her try of the gateway's autoselect does not read them: the selection model is asked.
    await s.mock.reset();
    const a = await tryAdmin('pick', CHAT_ASK, ada);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json().chosen, { candidate: 'general', target: 'rotation/general', by: 'llm' });
    assert.deepEqual(await chatModels(), ['select']);
  });
});
