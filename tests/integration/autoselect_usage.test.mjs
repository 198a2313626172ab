// An autoselect's choice in the usage rows, through the binary: the
// candidate (`autoselected`) and how it was chosen (`autoselected_by`), the
// last two CSV columns, equal to the answer's x-aisbf-autoselected header.
// aisbf-mock is the selection model (it picks the candidate whose
// description shares the most words with the prompt) and the targets.
// A plain request's row and the selection call's own row have neither.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, post, get, chatBody, mockProvider, model, usageCsvRows } from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const CODE_ASK = 'Please help me with debugging this python function, the compilers complain';

const entry = (selection_model) => ({
  model_name: 'x',
  description: 'test',
  selection_model,
  fallback: 'general',
  available_models: [
    { model_id: 'coding', description: 'Programming: code, debugging, functions, compilers, python and rust.' },
    { model_id: 'general', description: 'Everyday conversation: weather, cooking, travel and general questions.' },
  ],
});

const ROTATIONS = {
  coding: { providers: [{ provider_id: 'mock', models: [{ name: 'code-model', weight: 1 }] }] },
  general: { providers: [{ provider_id: 'mock', models: [{ name: 'chat-model', weight: 1 }] }] },
};

describe('autoselect: the choice in usage rows', { timeout: 120000 }, () => {
  let s;
  let conversations = 0;
  // A conversation of its own (a system prompt no other has) unless `system`
  // names one: a later turn of it reuses the first turn's choice.
  const ask = (id, system = `conversation ${++conversations}`) => post(s.u(CHAT), {
    model: `autoselect/${id}`,
    messages: [{ role: 'system', content: system }, { role: 'user', content: CODE_ASK }],
  });
  // The rows once `want` (a predicate over all rows) holds: the recorder
  // writes a row when its request is over, which may follow the answer.
  const rowsWhen = async (want) => {
    let rows = [];
    for (const until = Date.now() + 5000; Date.now() < until;) {
      rows = await usageCsvRows(s);
      if (want(rows)) return rows;
    }
    assert.fail(`rows never matched: ${JSON.stringify(rows)}`);
  };
  const choice = (row) => `${row.autoselected}; by=${row.autoselected_by}`;

  before(async () => {
    s = await startStack({
      providers: (url) => ({
        mock: mockProvider(url, { models: ['code-model', 'chat-model', 'select', 'fault-500'].map((m) => model(m)) }),
      }),
      rotations: ROTATIONS,
      autoselect: { pick: entry('mock/select'), broken: entry('mock/fault-500') },
    });
  });
  after(async () => { await s?.stop(); });

  it('the CSV ends with the two columns', async () => {
    const r = await get(s.u('/api/admin/usage?format=csv&from=0'));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.text.split('\r\n')[0].endsWith(',effective_context,autoselected,autoselected_by'), r.text);
  });

  it('a chosen request\'s row carries the choice; the selection call\'s row does not', async () => {
    const r = await ask('pick');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-autoselected'], 'coding; by=llm');
    const rows = await rowsWhen((all) => all.some((x) => x.requested_model === 'autoselect/pick'));
    const served = rows.filter((x) => x.requested_model === 'autoselect/pick');
    assert.equal(served.length, 1, JSON.stringify(rows));
    assert.equal(choice(served[0]), r.headers['x-aisbf-autoselected']);
    assert.equal(served[0].model, 'code-model');
    assert.equal(served[0].rotation, 'coding');
    const selection = rows.filter((x) => x.route === 'autoselect');
    assert.equal(selection.length, 1, JSON.stringify(rows));
    assert.equal(selection[0].model, 'select');
    assert.equal(selection[0].autoselected, '');
    assert.equal(selection[0].autoselected_by, '');
  });

  it('a cached choice and a fallback say so', async () => {
    const first = await ask('pick', 'one conversation');
    assert.equal(first.headers['x-aisbf-autoselected'], 'coding; by=llm');
    const again = await ask('pick', 'one conversation');
    assert.equal(again.headers['x-aisbf-autoselected'], 'coding; by=cache');
    const broken = await ask('broken');
    assert.equal(broken.status, 200, broken.text);
    assert.equal(broken.headers['x-aisbf-autoselected'], 'general; by=fallback');
    const rows = await rowsWhen((all) => all.some((x) => x.requested_model === 'autoselect/broken')
      && all.filter((x) => x.requested_model === 'autoselect/pick').length === 3);
    const picks = rows.filter((x) => x.requested_model === 'autoselect/pick').map(choice);
    assert.deepEqual(picks, ['coding; by=llm', 'coding; by=llm', 'coding; by=cache']);
    const [fallback] = rows.filter((x) => x.requested_model === 'autoselect/broken');
    assert.equal(choice(fallback), 'general; by=fallback');
    assert.equal(fallback.model, 'chat-model');
    // The failed selection call is a row of its own, without a choice.
    const failed = rows.filter((x) => x.route === 'autoselect' && x.model === 'fault-500');
    assert.equal(failed.length, 1, JSON.stringify(rows));
    assert.equal(choice(failed[0]), '; by=');
  });

  it('a plain request\'s row has no choice', async () => {
    const r = await post(s.u(CHAT), chatBody('hello', { model: 'mock/chat-model' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-autoselected'], undefined);
    const rows = await rowsWhen((all) => all.some((x) => x.requested_model === 'mock/chat-model'));
    const [plain] = rows.filter((x) => x.requested_model === 'mock/chat-model');
    assert.equal(plain.autoselected, '');
    assert.equal(plain.autoselected_by, '');
  });
});
