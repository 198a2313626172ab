// Autoselect's semantic selection with embeddings, through the binary:
// aisbf-mock's `embed-bow` model gives bag-of-words vectors (cosine grows
// with shared words, every word counts), while BM25 leaves out stop words.
// So a prompt made of stop words plus one programming word is "coding" to
// BM25 alone and "general" to the hybrid score whose embeddings share is
// 0.7: the embeddings decide. Also: the descriptions are embedded once
// (one batch with the first prompt, then the prompt alone), an embeddings
// failure or hang leaves BM25 alone serving, and personal data makes no
// embeddings call. The call itself is a usage row (route autoselect). The
// vectors are kept in the database too (a restarted gateway embeds only
// its prompts), and concurrent first requests embed the descriptions once.
// The embeddings model may be an Ollama provider's (POST /api/embed) or a
// Gemini one's (:batchEmbedContents): the mock answers both with the same
// vectors, so the same choice is made, from the provider's own request.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, startMock, startGateway, writeConfigDir, post, get, request, mockProvider, typedProvider, model, usageCsvRows,
  MOCK_KEY,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const CODING = 'Programming python code.';
// Mostly words BM25 skips as stop words, which the bag of words counts.
const GENERAL = 'What about these things, when there were other things which have more?';
// BM25 sees only "python" (coding); the bag of words shares eight words with GENERAL.
const ASK = 'python: what about these, when there, which have more';

const candidates = (extra = {}) => [
  { model_id: 'coding', description: CODING, ...extra },
  { model_id: 'general', description: GENERAL, ...extra },
];
const semantic = (embeddings_model, extra = {}) => ({
  model_name: 'x', description: 'test', selection_model: 'semantic', fallback: 'general',
  available_models: candidates(), semantic: { embeddings_model, weight: 0.7, margin: 0.1 }, ...extra,
});

const AUTOSELECT = {
  bm25: { ...semantic(''), semantic: { weight: 0.7, margin: 0.1 } },
  emb: semantic('mock/embed-bow'),
  emb500: semantic('mock/embed-bow-fault-500'),
  ollemb: semantic('ollama/embed-bow'),
  gememb: semantic('google/embed-bow'),
  embhang: semantic('mock/embed-bow-fault-hang', { selection_timeout: 1 }),
  embblank: semantic('mock/embed-bow', { available_models: [...candidates(), { model_id: 'mock/chat-model', description: ' ' }] }),
  embpriv: semantic('mock/embed-bow', { classify_privacy: true, available_models: candidates({ privacy: true }) }),
  // 70 candidates: their descriptions and the prompt take two calls (64 + 7).
  embmany: semantic('mock/embed-bow', {
    available_models: [...candidates(), ...Array.from({ length: 68 }, (_, i) => ({
      model_id: `mock/many-${i}`, description: `Topic number ${i} of many.`,
    }))],
  }),
};

const ROTATIONS = {
  coding: { providers: [{ provider_id: 'mock', models: [{ name: 'code-model', weight: 1 }] }] },
  general: { providers: [{ provider_id: 'mock', models: [{ name: 'chat-model', weight: 1 }] }] },
};

const MODELS = ['code-model', 'chat-model', 'embed-bow', 'embed-bow-fault-500', 'embed-bow-fault-hang',
  ...Array.from({ length: 68 }, (_, i) => `many-${i}`)];

describe('autoselect with embeddings', { timeout: 60000 }, () => {
  let s;
  let conversations = 0;
  const ask = (id, content) => post(s.u(CHAT), {
    model: `autoselect/${id}`,
    messages: [{ role: 'system', content: `conversation ${++conversations}` }, { role: 'user', content }],
  });
  const chosen = (r) => r.headers['x-aisbf-autoselected'];
  const embeddingCalls = async () => (await s.mock.requests())
    .filter((q) => q.path.endsWith('/embeddings'))
    .map((q) => JSON.parse(q.body));

  before(async () => {
    s = await startStack({
      providers: (url) => ({
        mock: mockProvider(url, { models: MODELS.map((m) => model(m)) }),
        ollama: typedProvider('ollama', url, { models: [model('embed-bow')] }),
        google: typedProvider('google', url, { models: [model('embed-bow')] }),
      }),
      rotations: ROTATIONS,
      autoselect: AUTOSELECT,
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('the embeddings decide where BM25 alone would not', async () => {
    const alone = await ask('bm25', ASK);
    assert.equal(alone.status, 200, alone.text);
    assert.equal(chosen(alone), 'coding; by=semantic');
    assert.deepEqual(await embeddingCalls(), []);

    const hybrid = await ask('emb', ASK);
    assert.equal(hybrid.status, 200, hybrid.text);
    assert.equal(chosen(hybrid), 'general; by=semantic');
    const [call] = await embeddingCalls();
    // One call: both descriptions (unknown so far), then the prompt.
    assert.deepEqual(call.input, [CODING, GENERAL, `${ASK}\n`]);
    assert.equal(call.model, 'embed-bow');
    assert.equal(call.encoding_format, 'float');
  });

  it('the descriptions are embedded once; later requests embed their prompt alone', async () => {
    const first = await ask('emb', ASK);  // the descriptions may be known from the test above
    assert.equal(chosen(first), 'general; by=semantic');
    await s.mock.reset();
    const second = await ask('emb', `${ASK} again`);
    assert.equal(second.status, 200, second.text);
    assert.equal(chosen(second), 'general; by=semantic');
    const calls = await embeddingCalls();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].input, [`${ASK} again\n`]);
  });

  it('an embeddings error or hang leaves BM25 alone serving', async () => {
    const failed = await ask('emb500', ASK);
    assert.equal(failed.status, 200, failed.text);
    assert.equal(chosen(failed), 'coding; by=semantic');
    // The hang ends at selection_timeout (1 s), well inside the suite's
    // timeout; the provider's own timeouts are minutes.
    const hung = await ask('embhang', ASK);
    assert.equal(hung.status, 200, hung.text);
    assert.equal(chosen(hung), 'coding; by=semantic');
    assert.equal((await embeddingCalls()).length, 2);
    const served = (await s.mock.chatRequests()).map((q) => JSON.parse(q.body).model);
    assert.deepEqual(served, ['code-model', 'code-model']);
  });

  it('the embeddings call is a usage row of its own, route autoselect', async () => {
    await ask('emb', `${ASK} counted`);
    let rows = [];
    for (const until = Date.now() + 5000; Date.now() < until;) {
      rows = await usageCsvRows(s);
      if (rows.some((r) => r.model === 'embed-bow') && rows.some((r) => r.model === 'chat-model')) break;
    }
    const embedded = rows.filter((r) => r.model === 'embed-bow');
    assert.ok(embedded.length >= 1, JSON.stringify(rows));
    assert.equal(embedded.at(-1).route, 'autoselect');
    assert.equal(embedded.at(-1).requested_model, 'mock/embed-bow');
    assert.ok(Number(embedded.at(-1).prompt_tokens) > 0, JSON.stringify(embedded.at(-1)));
  });

  it('a blank description is never sent and counts nothing', async () => {
    const r = await ask('embblank', ASK);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'general; by=semantic');
    const calls = await embeddingCalls();
    assert.equal(calls.length, 1);
    assert.ok(calls[0].input.every((text) => text.trim() !== ''), JSON.stringify(calls[0].input));
  });

  // The vectors are the upstream's, not the id's: a provider repointed to
  // another endpoint (or, alike, a user's own provider of the same id)
  // embeds the descriptions anew rather than reuse another upstream's.
  it('a provider repointed to another endpoint embeds the descriptions anew', async () => {
    const first = await ask('emb', ASK);  // the descriptions are known now
    assert.equal(chosen(first), 'general; by=semantic');
    const file = path.join(s.configDir, 'providers.json');
    const original = fs.readFileSync(file, 'utf8');
    const reload = async () => {
      const r = await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
      assert.equal(r.status, 200, r.text);
    };
    const doc = JSON.parse(original);
    doc.providers.mock.endpoint = `${s.mock.url}/elsewhere/v1`;
    fs.writeFileSync(file, JSON.stringify(doc));
    try {
      await reload();
      await s.mock.reset();
      const moved = await ask('emb', `${ASK} moved`);
      assert.equal(moved.status, 200, moved.text);
      assert.equal(chosen(moved), 'general; by=semantic');
      const calls = (await s.mock.requests()).filter((q) => q.path.endsWith('/embeddings'));
      assert.equal(calls.length, 1);
      assert.ok(calls[0].path.startsWith('/elsewhere/v1/'), calls[0].path);
      assert.deepEqual(JSON.parse(calls[0].body).input, [CODING, GENERAL, `${ASK} moved\n`]);
    } finally {
      fs.writeFileSync(file, original);
      await reload();
    }
  });

  it('a long prompt is cut to its head and tail for the embeddings model', async () => {
    const long = `${ASK} ${'lorem ipsum '.repeat(2000)} tail-marker`;
    const r = await ask('emb', long);
    assert.equal(r.status, 200, r.text);
    const [call] = await embeddingCalls();
    const prompt = call.input.at(-1);
    assert.ok(Buffer.byteLength(prompt) <= 8000, `${Buffer.byteLength(prompt)} bytes`);
    assert.ok(prompt.startsWith(ASK), prompt.slice(0, 80));
    assert.ok(prompt.includes('tail-marker'), prompt.slice(-80));
  });

  it('many descriptions are embedded in batches of at most 64', async () => {
    const r = await ask('embmany', ASK);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'general; by=semantic');
    const calls = await embeddingCalls();
    const texts = calls.flatMap((c) => c.input);
    assert.deepEqual(calls.map((c) => c.input.length), [64, texts.length - 64]);
    assert.equal(texts.at(-1), `${ASK}\n`);
    assert.ok(texts.includes('Topic number 67 of many.'));
  });

  it('personal data is never sent to the embeddings model', async () => {
    const r = await ask('embpriv', `${ASK}, mail jane.doe@example.org`);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'coding; by=semantic');
    assert.deepEqual(await embeddingCalls(), []);
  });

  // The last usage row of `requested`: the embeddings call ended before the
  // answer, so its row is queued, and usageCsvRows flushes the queue first.
  const lastUsage = async (requested) => {
    const rows = (await usageCsvRows(s)).filter((r) => r.requested_model === requested);
    assert.ok(rows.length > 0, `no usage row for ${requested}`);
    return rows.at(-1);
  };
  // The one call the mock saw on `re`, and the model the chat went to.
  const nativeCall = async (re) => {
    const all = await s.mock.requests();
    const calls = all.filter((q) => re.test(q.path));
    assert.equal(calls.length, 1, JSON.stringify(calls.map((q) => q.path)));
    assert.equal(calls[0].method, 'POST');
    assert.match(calls[0].headers['content-type'], /^application\/json/);
    assert.equal(calls[0].headers.authorization, undefined);
    const served = (await s.mock.chatRequests()).map((q) => JSON.parse(q.body).model);
    assert.deepEqual(served, ['chat-model']);
    return calls[0];
  };

  it('an ollama embeddings model: POST /api/embed decides, and is a usage row', async () => {
    const r = await ask('ollemb', ASK);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'general; by=semantic');
    const call = await nativeCall(/\/api\/embed$/);
    assert.equal(call.path, '/api/embed');  // the provider has no key: no header for one
    assert.deepEqual(JSON.parse(call.body), { model: 'embed-bow', input: [CODING, GENERAL, `${ASK}\n`] });
    const row = await lastUsage('ollama/embed-bow');
    assert.equal(row.route, 'autoselect');
    assert.equal(row.model, 'embed-bow');
    assert.equal(Number(row.prompt_tokens), 3 + 12 + 9);  // prompt_eval_count: the mock's words
  });

  it('a google embeddings model: :batchEmbedContents with x-goog-api-key decides, and is a usage row', async () => {
    const r = await ask('gememb', ASK);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'general; by=semantic');
    const call = await nativeCall(/:batchEmbedContents/);
    assert.equal(call.path, '/v1beta/models/embed-bow:batchEmbedContents');  // the key is not in the URL
    assert.equal(call.headers['x-goog-api-key'], MOCK_KEY);
    const texts = [CODING, GENERAL, `${ASK}\n`];
    assert.deepEqual(JSON.parse(call.body), {
      requests: texts.map((text) => ({ model: 'models/embed-bow', content: { parts: [{ text }] } })),
    });
    const row = await lastUsage('google/embed-bow');
    assert.equal(row.route, 'autoselect');
    assert.equal(row.model, 'embed-bow');
    assert.ok(Number(row.prompt_tokens) > 0, JSON.stringify(row));  // no count in the answer: estimated
  });
});

// A gateway of its own, restarted on the same configuration directory (so
// the same SQLite database): the vectors outlive the process.
describe('description vectors in the store and across concurrent requests', { timeout: 90000 }, () => {
  let mock;
  let gw;
  let configDir;
  let conversations = 0;
  // Each embeddings call takes 3 s: the concurrent requests all arrive
  // while the first one's call is under way.
  const SLOW = 'embed-bow-fault-slow-3000';
  const ask = (id, content) => post(`${gw.url}${CHAT}`, {
    model: `autoselect/${id}`,
    messages: [{ role: 'system', content: `stored ${++conversations}` }, { role: 'user', content }],
  });
  const embeddingCalls = async () => (await mock.requests())
    .filter((q) => q.path.endsWith('/embeddings'))
    .map((q) => JSON.parse(q.body));

  before(async () => {
    mock = await startMock();
    configDir = writeConfigDir({
      mockUrl: mock.url,
      providers: { mock: mockProvider(mock.url, { models: [...MODELS, SLOW].map((m) => model(m)) }) },
      rotations: ROTATIONS,
      autoselect: {
        emb: semantic('mock/embed-bow'),
        embslow: semantic(`mock/${SLOW}`),
        emb500: semantic('mock/embed-bow-fault-500'),
      },
    });
    gw = await startGateway(configDir);
  });
  after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); });
  beforeEach(async () => { await mock.reset(); });

  it('a restarted gateway reads the descriptions from the store and embeds only the prompt', async () => {
    const first = await ask('emb', ASK);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers['x-aisbf-autoselected'], 'general; by=semantic');
    assert.deepEqual((await embeddingCalls()).map((c) => c.input), [[CODING, GENERAL, `${ASK}\n`]]);

    // A polite stop: the DB threads finish the queued write before exit.
    const exited = await gw.stop();
    assert.equal(exited.code, 0, gw.output());
    gw = await startGateway(configDir);
    await mock.reset();

    const second = await ask('emb', `${ASK} after a restart`);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.headers['x-aisbf-autoselected'], 'general; by=semantic');
    assert.deepEqual((await embeddingCalls()).map((c) => c.input), [[`${ASK} after a restart\n`]]);
  });

  it('concurrent requests missing the same descriptions embed them once', async () => {
    const n = 4;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => ask('embslow', `${ASK} at once ${i}`)));
    for (const r of answers) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-autoselected'], 'general; by=semantic');
    }
    const calls = (await embeddingCalls()).map((c) => c.input);
    // One call with the descriptions (and its prompt); each other request
    // embeds its own prompt alone.
    assert.equal(calls.length, n, JSON.stringify(calls));
    const leading = calls.filter((input) => input.includes(CODING));
    assert.equal(leading.length, 1, JSON.stringify(calls));
    assert.deepEqual(leading[0].slice(0, 2), [CODING, GENERAL]);
    assert.equal(leading[0].length, 3);
    const prompts = calls.map((input) => input.at(-1)).sort();
    assert.deepEqual(prompts, Array.from({ length: n }, (_, i) => `${ASK} at once ${i}\n`).sort());
  });

  // As a chat attempt's: the failures count against the model's health
  // (routing.failure_threshold, 3), and a model cooling down is not called.
  it('an embeddings model that keeps failing cools down and is no longer called', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await ask('emb500', `${ASK} failing ${i}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-autoselected'], 'coding; by=semantic');
    }
    assert.equal((await embeddingCalls()).length, 3);
    // The provider is not cooled by its model's 500s: chat still goes to it.
    const served = (await mock.chatRequests()).map((q) => JSON.parse(q.body).model);
    assert.deepEqual(served, Array(5).fill('code-model'));
  });
});

// An embeddings call takes a rate_limit slot only when one is due now: it
// would rather go without (BM25 alone) than wait, and a slot reserved and
// left unused would push the provider's chat requests back an interval.
describe('embeddings under a provider rate_limit', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (url) => ({
        mock: mockProvider(url, { models: MODELS.map((m) => model(m)) }),
        embp: mockProvider(url, { id: 'embp', models: [model('embed-bow')], rate_limit: 20 }),
      }),
      rotations: ROTATIONS,
      autoselect: { spaced: semantic('embp/embed-bow') },
    });
  });
  after(async () => { await s?.stop(); });

  it('a slot not yet due is neither waited for nor reserved', async () => {
    const ask = (n) => post(s.u(CHAT), {
      model: 'autoselect/spaced', messages: [{ role: 'system', content: `spaced ${n}` }, { role: 'user', content: ASK }],
    });
    const first = await ask(1);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers['x-aisbf-autoselected'], 'general; by=semantic');
    const second = await ask(2);  // the slot is 20 s away: BM25 alone
    assert.equal(second.status, 200, second.text);
    assert.equal(second.headers['x-aisbf-autoselected'], 'coding; by=semantic');
    const calls = (await s.mock.requests()).filter((q) => q.path.endsWith('/embeddings'));
    assert.equal(calls.length, 1);
    const health = (await get(s.u('/api/admin/health'))).json();
    const slot = health.spacing.find((e) => e.key === 'embp');
    assert.ok(slot, JSON.stringify(health.spacing));
    // One interval from the first call; a slot reserved for the second would make it two.
    assert.ok(slot.next_free_in_s <= 20, JSON.stringify(slot));
  });
});
