// Provider-native prompt caching (issue 12) through the binary, against
// aisbf-mock playing each provider's cache (tools/mock/prompt_cache.hpp):
// Anthropic cache_control breakpoints placed by the gateway (and the
// client's own kept), OpenAI prompt_cache_key (fixed and "auto"), Gemini
// cachedContents (created, reused, recreated when gone, and a refused one
// falling back to the plain request), and the cached tokens reaching the
// client in its format and the usage record with their price.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, post, stream, chatBody, messagesBody, typedProvider, model, delay, eventJson,
  ANTHROPIC_VERSION, MOCK_KEY,
} from './harness.mjs';

const TOKEN = 'native-caching-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const AHEADERS = { ...AUTH, 'anthropic-version': ANTHROPIC_VERSION };
const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';
const PRICES = {
  prompt: '0.000001', completion: '0.000002', input_cache_read: '0.0000001', input_cache_write: '0.00000125',
};

// n distinct words (the mock counts tokens as words) under a tag, so each
// test's prompt is its own cache entry.
function words(tag, n) {
  return Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');
}

// system + user + assistant + user: the stable prefix ends with the assistant.
function conversation(system, last = 'second question') {
  return [
    { role: 'system', content: system },
    { role: 'user', content: 'first question here' },
    { role: 'assistant', content: 'first answer here' },
    { role: 'user', content: last },
  ];
}

function anthropicConversation(system, last = 'second question') {
  const [, ...turns] = conversation(system, last);
  return { system, messages: turns };
}

async function upstreamBodies(mock, re) {
  return (await mock.requests()).filter((q) => re.test(q.path)).map((q) => JSON.parse(q.body));
}

// The usage rows as CSV cells by header (the cells here hold no commas).
async function usageRows(s) {
  const flushed = await post(s.u('/api/admin/usage/flush'), undefined, { headers: AUTH });
  assert.equal(flushed.status, 200, flushed.text);
  const r = await get(s.u('/api/admin/usage?format=csv&from=0'), { headers: AUTH });
  assert.equal(r.status, 200, r.text);
  const [header, ...lines] = r.text.trim().split(/\r?\n/).map((line) => line.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

// The usage row of `provider`'s request number `index` (0-based; each
// provider's requests counted below are its only ones, in order), once
// written (rows are queued after the answer's last byte: polled, bounded).
async function rowAt(s, provider, index) {
  for (let i = 0; ; i += 1) {
    const rows = (await usageRows(s)).filter((r) => r.provider === provider);
    if (rows.length > index || i >= 100) {
      assert.ok(rows.length > index, `no usage row ${index} of ${provider}`);
      return rows[index];
    }
    await delay(20);
  }
}

describe('provider-native prompt caching', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [TOKEN] },
      providers: (u) => ({
        anth: typedProvider('anthropic', u, {
          id: 'anth', enable_native_caching: true, min_cacheable_tokens: 20, cache_ttl: 3600,
          models: [model('mock-model', { pricing: PRICES }), model('short-ttl', { cache_ttl: 300 })],
        }),
        anthp: typedProvider('anthropic', u, {
          id: 'anthp', enable_native_caching: true, min_cacheable_tokens: 20, models: [model('mock-model')],
        }),
        anthoff: typedProvider('anthropic', u, { id: 'anthoff', models: [model('mock-model')] }),
        oa: typedProvider('openai', u, { id: 'oa', prompt_cache_key: 'team-key', models: [model('mock-model')] }),
        oauto: typedProvider('openai', u, { id: 'oauto', prompt_cache_key: 'auto', models: [model('mock-model')] }),
        gem: typedProvider('google', u, {
          id: 'gem', enable_native_caching: true, min_cacheable_tokens: 5, cache_ttl: 600,
          models: [model('mock-model'), model('cache-refuse-model')],
        }),
      }),
    });
  });
  after(async () => { await s?.stop(); });

  describe('Anthropic', () => {
    it('an OpenAI client: breakpoints on the system prompt and the stable prefix; cached tokens come back', async () => {
      await s.mock.reset();
      const system = words('sysa', 40);
      const body = chatBody('', { model: 'anth/mock-model', messages: conversation(system) });
      const first = await post(s.u(CHAT), body, { headers: AUTH });
      assert.equal(first.status, 200, first.text);
      const [sent] = await upstreamBodies(s.mock, /\/v1\/messages$/);
      const hour = { type: 'ephemeral', ttl: '1h' };  // cache_ttl 3600
      assert.deepEqual(sent.system, [{ type: 'text', text: system, cache_control: hour }]);
      assert.equal(sent.messages.length, 3);
      assert.deepEqual(sent.messages[1].content.at(-1).cache_control, hour);  // the assistant turn
      assert.equal(JSON.stringify(sent.messages[2]).includes('cache_control'), false);  // the latest turn
      // 40 + 3 + 3 words up to the second breakpoint: written, then read.
      let u = first.json().usage;
      assert.equal(u.prompt_tokens, 48);
      assert.equal(u.prompt_tokens_details.cached_tokens, 0);
      assert.equal(u.prompt_tokens_details.cache_write_tokens, 46);
      let row = await rowAt(s, 'anth', 0);
      assert.equal(row.cache_write_tokens, '46');

      const again = await post(s.u(CHAT), chatBody('', { model: 'anth/mock-model',
        messages: conversation(system, 'a new question') }), { headers: AUTH });
      assert.equal(again.status, 200, again.text);
      u = again.json().usage;
      assert.equal(u.prompt_tokens_details.cached_tokens, 46);
      row = await rowAt(s, 'anth', 1);
      assert.equal(row.cached_tokens, '46');
      assert.equal(row.cache_write_tokens, '0');
      // 3 fresh words, 46 read at the cache price, 5 words out ("You said: a new question").
      const cost = 3 * 0.000001 + 46 * 0.0000001 + 5 * 0.000002;
      assert.ok(Math.abs(Number(row.cost) - cost) < 1e-12, `${row.cost} vs ${cost}`);

      const streamed = await stream(s.u(CHAT), chatBody('', { model: 'anth/mock-model', stream: true,
        stream_options: { include_usage: true }, messages: conversation(system) }), { headers: AUTH });
      assert.equal(streamed.status, 200, streamed.text);
      const usage = eventJson(streamed.events).filter((e) => e?.usage).at(-1).usage;
      assert.equal(usage.prompt_tokens_details.cached_tokens, 46);
    });

    it('a short model ttl sends the default 5 minutes; a short prompt gets no breakpoint', async () => {
      await s.mock.reset();
      const long = await post(s.u(CHAT), chatBody('', { model: 'anth/short-ttl',
        messages: conversation(words('sysb', 40)) }), { headers: AUTH });
      assert.equal(long.status, 200, long.text);
      const short = await post(s.u(CHAT), chatBody('tiny', { model: 'anth/short-ttl' }), { headers: AUTH });
      assert.equal(short.status, 200, short.text);
      const [withMarks, without] = await upstreamBodies(s.mock, /\/v1\/messages$/);
      assert.deepEqual(withMarks.system[0].cache_control, { type: 'ephemeral' });
      assert.equal(JSON.stringify(without).includes('cache_control'), false);
    });

    it('an Anthropic client on the passthrough: breakpoints added, cache counts in its format, stream too', async () => {
      await s.mock.reset();
      const system = words('sysc', 30);
      const body = messagesBody('', { model: 'anthp/mock-model', ...anthropicConversation(system) });
      const first = await post(s.u(MESSAGES), body, { headers: AHEADERS });
      assert.equal(first.status, 200, first.text);
      const [sent] = await upstreamBodies(s.mock, /\/v1\/messages$/);
      assert.equal(sent.system[0].cache_control.type, 'ephemeral');
      assert.equal(sent.messages[1].content.at(-1).cache_control.type, 'ephemeral');
      assert.equal(first.json().usage.cache_creation_input_tokens, 36);  // 30 + 3 + 3
      assert.equal(first.json().usage.cache_read_input_tokens, 0);

      const second = await post(s.u(MESSAGES), body, { headers: AHEADERS });
      assert.equal(second.status, 200, second.text);
      assert.equal(second.json().usage.cache_read_input_tokens, 36);
      assert.equal(second.json().usage.input_tokens, 2);  // "second question"

      const streamed = await stream(s.u(MESSAGES), { ...body, stream: true }, { headers: AHEADERS });
      assert.equal(streamed.status, 200, streamed.text);
      const start = eventJson(streamed.events).find((e) => e?.type === 'message_start');
      assert.equal(start.message.usage.cache_read_input_tokens, 36);
      const row = await rowAt(s, 'anthp', 2);
      assert.equal(row.cached_tokens, '36');
    });

    it("the client's own breakpoints are kept as sent, on the passthrough and through translation", async () => {
      await s.mock.reset();
      const mark = { type: 'ephemeral', ttl: '1h' };
      const system = [{ type: 'text', text: words('sysd', 30), cache_control: mark }];
      const tools = [{ name: 'lookup', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }];
      const body = messagesBody('', { system, tools, messages: anthropicConversation('x').messages });
      for (const target of ['anthoff/mock-model', 'anth/mock-model']) {
        const r = await post(s.u(MESSAGES), { ...body, model: target }, { headers: AHEADERS });
        assert.equal(r.status, 200, r.text);
      }
      const sent = await upstreamBodies(s.mock, /\/v1\/messages$/);
      for (const b of sent) {  // caching off, and on: exactly the client's two marks
        assert.deepEqual(b.system, system);
        assert.deepEqual(b.tools[0].cache_control, { type: 'ephemeral' });
        assert.equal(JSON.stringify(b.messages).includes('cache_control'), false);
      }
      // An OpenAI client's cache_control on a text part (OpenRouter's convention)
      // reaches the Anthropic upstream through the translating path.
      await s.mock.reset();
      const marked = [
        { role: 'system', content: [{ type: 'text', text: words('syse', 30), cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'hello' },
      ];
      const r = await post(s.u(CHAT), chatBody('', { model: 'anth/mock-model', messages: marked }), { headers: AUTH });
      assert.equal(r.status, 200, r.text);
      const [translated] = await upstreamBodies(s.mock, /\/v1\/messages$/);
      assert.deepEqual(translated.system, [{ type: 'text', text: words('syse', 30), cache_control: { type: 'ephemeral' } }]);
      assert.equal(JSON.stringify(translated.messages).includes('cache_control'), false);
    });

    it('more than four client breakpoints: the first three and the last reach Anthropic, on both paths', async () => {
      const marks = (b) => JSON.stringify(b).split('"cache_control"').length - 1;
      const text = (t) => [{ type: 'text', text: t, cache_control: { type: 'ephemeral' } }];
      // The mock refuses five as Anthropic does.
      const direct = await post(`${s.mock.url}/v1/messages`, messagesBody('', {
        model: 'mock-model', system: text(words('sysf', 30)),
        messages: [1, 2, 3, 4].map((i) => ({ role: i % 2 ? 'user' : 'assistant', content: text(`turn ${i}`) })),
      }), { headers: { ...AHEADERS, 'x-api-key': MOCK_KEY } });
      assert.equal(direct.status, 400, direct.text);
      assert.equal(direct.json().error.type, 'invalid_request_error');
      assert.match(direct.json().error.message, /A maximum of 4 blocks with cache_control may be provided\. Found 5\./);

      const turns = (tag, n = 5) => Array.from({ length: n }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user', content: text(`${tag} ${i + 1}`) }));
      for (const target of ['anthoff/mock-model', 'anth/mock-model']) {  // the passthrough, caching off and on
        await s.mock.reset();
        const system = text(words(`sysg${target.length}`, 30));
        const r = await post(s.u(MESSAGES), messagesBody('', { model: target, system, messages: turns('a') }), { headers: AHEADERS });
        assert.equal(r.status, 200, r.text);
        const [sent] = await upstreamBodies(s.mock, /\/v1\/messages$/);
        assert.equal(marks(sent), 4, JSON.stringify(sent));
        assert.ok(sent.system[0].cache_control, 'the system prompt: the first');
        assert.ok(sent.messages[4].content[0].cache_control, 'the last turn: the longest prefix');
        assert.equal(sent.messages[2].content[0].cache_control, undefined);
        assert.equal(sent.messages[3].content[0].cache_control, undefined);
      }
      // An OpenAI client's marks on content parts, through translation.
      await s.mock.reset();
      const messages = [{ role: 'system', content: text(words('sysh', 30)) }, ...turns('o', 7)];
      const r = await post(s.u(CHAT), chatBody('', { model: 'anth/mock-model', messages }), { headers: AUTH });
      assert.equal(r.status, 200, r.text);
      const [translated] = await upstreamBodies(s.mock, /\/v1\/messages$/);
      assert.equal(marks(translated), 4, JSON.stringify(translated));
      assert.ok(translated.messages.at(-1).content.at(-1).cache_control, JSON.stringify(translated));
    });
  });

  describe('OpenAI-compatible prompt_cache_key', () => {
    it('a fixed key is sent on the passthrough; the client key wins', async () => {
      await s.mock.reset();
      const mine = await post(s.u(CHAT), chatBody('hi', { model: 'oa/mock-model', prompt_cache_key: 'mine' }),
        { headers: AUTH });
      assert.equal(mine.status, 200, mine.text);
      const plain = await post(s.u(CHAT), chatBody('hi', { model: 'oa/mock-model' }), { headers: AUTH });
      assert.equal(plain.status, 200, plain.text);
      const sent = await upstreamBodies(s.mock, /\/chat\/completions$/);
      assert.deepEqual(sent.map((b) => b.prompt_cache_key), ['mine', 'team-key']);
      assert.equal(sent[1].model, 'mock-model');
    });

    it('"auto" hashes the namespace and stable prefix; a long repeat is cached upstream', async () => {
      await s.mock.reset();
      const system = words('sysf', 1100);
      const ask = (last, sys = system) => post(s.u(CHAT),
        chatBody('', { model: 'oauto/mock-model', messages: [{ role: 'system', content: sys }, { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' }, { role: 'user', content: last }] }), { headers: AUTH });
      const first = await ask('one');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.json().usage.prompt_tokens_details.cached_tokens, 0);
      const second = await ask('two');
      assert.equal(second.status, 200, second.text);
      // system, user, assistant equal: 1102 words, cached in steps of 128.
      assert.equal(second.json().usage.prompt_tokens_details.cached_tokens, 1024);
      const other = await ask('one', words('sysg', 10));
      assert.equal(other.status, 200, other.text);
      const keys = (await upstreamBodies(s.mock, /\/chat\/completions$/)).map((b) => b.prompt_cache_key);
      assert.match(keys[0], /^aisbf-[0-9a-f]{32}$/);
      assert.equal(keys[1], keys[0]);
      assert.notEqual(keys[2], keys[0]);

      // An Anthropic client, translated: the same key, and the cache read in
      // its format on the repeat (the translated body is its own prefix).
      const askAnthropic = (last) => post(s.u(MESSAGES), messagesBody('', { model: 'oauto/mock-model', system,
        messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }, { role: 'user', content: last }] }),
      { headers: AHEADERS });
      assert.equal((await askAnthropic('three')).status, 200);
      const anth = await askAnthropic('four');
      assert.equal(anth.status, 200, anth.text);
      const last = (await upstreamBodies(s.mock, /\/chat\/completions$/)).at(-1);
      assert.equal(last.prompt_cache_key, keys[0]);
      assert.equal(anth.json().usage.cache_read_input_tokens, 1024);
    });
  });

  describe('Gemini cachedContents', () => {
    const CREATE = /\/v1beta\/cachedContents$/;
    const GENERATE = /:generateContent$/;
    const gemBody = (system, modelName = 'gem/mock-model') => chatBody('', { model: modelName, messages: conversation(system) });

    it('creates the cache once, reuses it, and recreates it when the upstream lost it', async () => {
      await s.mock.reset();
      const system = words('sysh', 20);
      const first = await post(s.u(CHAT), gemBody(system), { headers: AUTH });
      assert.equal(first.status, 200, first.text);
      let creates = await upstreamBodies(s.mock, CREATE);
      assert.equal(creates.length, 1);
      assert.equal(creates[0].model, 'models/mock-model');
      assert.equal(creates[0].ttl, '600s');
      assert.equal(creates[0].systemInstruction.parts[0].text, system);
      assert.equal(creates[0].contents.length, 2);
      let generates = await upstreamBodies(s.mock, GENERATE);
      assert.match(generates[0].cachedContent, /^cachedContents\//);
      assert.equal(generates[0].systemInstruction, undefined);
      assert.equal(generates[0].contents.length, 1);
      // 20 + 3 + 3 words in the cache, counted in the prompt and as cached.
      assert.equal(first.json().usage.prompt_tokens, 28);
      assert.equal(first.json().usage.prompt_tokens_details.cached_tokens, 26);

      const second = await post(s.u(CHAT), gemBody(system), { headers: AUTH });
      assert.equal(second.status, 200, second.text);
      assert.equal((await upstreamBodies(s.mock, CREATE)).length, 1);
      const row = await rowAt(s, 'gem', 1);
      assert.equal(row.cached_tokens, '26');

      await s.mock.reset();  // the upstream forgets its caches: the gateway's name is stale
      const third = await post(s.u(CHAT), gemBody(system), { headers: AUTH });
      assert.equal(third.status, 200, third.text);
      assert.equal(third.json().usage.prompt_tokens_details.cached_tokens, 26);
      creates = await upstreamBodies(s.mock, CREATE);
      generates = await upstreamBodies(s.mock, GENERATE);
      assert.equal(creates.length, 1);
      assert.equal(generates.length, 2);  // refused (403), then with the new cache
      assert.notEqual(generates[1].cachedContent, generates[0].cachedContent);
    });

    it('a cache the upstream refuses to create: the plain request serves', async () => {
      await s.mock.reset();
      const system = words('sysi', 20);
      const r = await post(s.u(CHAT), gemBody(system, 'gem/cache-refuse-model'), { headers: AUTH });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().choices[0].message.content, 'You said: second question');
      assert.equal(r.json().usage.prompt_tokens_details.cached_tokens, 0);
      assert.equal((await upstreamBodies(s.mock, CREATE)).length, 1);
      const [generate] = await upstreamBodies(s.mock, GENERATE);
      assert.equal(generate.cachedContent, undefined);
      assert.equal(generate.systemInstruction.parts[0].text, system);
      assert.equal(generate.contents.length, 3);
      // Refused lately: the next request with that prefix does not ask again.
      const again = await post(s.u(CHAT), gemBody(system, 'gem/cache-refuse-model'), { headers: AUTH });
      assert.equal(again.status, 200, again.text);
      assert.equal((await upstreamBodies(s.mock, CREATE)).length, 1);
      assert.equal((await upstreamBodies(s.mock, GENERATE)).length, 2);
    });

    it('a growing conversation keeps its cache until the new turns are worth one of their own', async () => {
      await s.mock.reset();
      const system = words('sysk', 20);
      const turns = [{ role: 'user', content: 'first question here' }, { role: 'assistant', content: 'first answer here' }];
      const ask = (more) => post(s.u(CHAT), chatBody('', { model: 'gem/mock-model',
        messages: [{ role: 'system', content: system }, ...turns, ...more] }), { headers: AUTH });
      const first = await ask([{ role: 'user', content: 'second question' }]);
      assert.equal(first.status, 200, first.text);
      // One turn pair later, short: the first cache (system and two turns) serves.
      const second = await ask([{ role: 'user', content: 'second question' }, { role: 'assistant', content: 'short' },
        { role: 'user', content: 'third question' }]);
      assert.equal(second.status, 200, second.text);
      assert.equal(second.json().choices[0].message.content, 'You said: third question');
      assert.equal(second.json().usage.prompt_tokens_details.cached_tokens, 26);
      let creates = await upstreamBodies(s.mock, CREATE);
      let generates = await upstreamBodies(s.mock, GENERATE);
      assert.equal(creates.length, 1);
      assert.equal(generates[1].cachedContent, generates[0].cachedContent);
      assert.deepEqual(generates[1].contents.map((c) => c.role), ['user', 'model', 'user']);
      // A long answer since: what the cache leaves out outweighs it, so a
      // new cache holds everything before the latest question.
      const third = await ask([{ role: 'user', content: 'second question' }, { role: 'assistant', content: 'short' },
        { role: 'user', content: 'third question' }, { role: 'assistant', content: words('long', 200) },
        { role: 'user', content: 'fourth question' }]);
      assert.equal(third.status, 200, third.text);
      assert.equal(third.json().choices[0].message.content, 'You said: fourth question');
      creates = await upstreamBodies(s.mock, CREATE);
      generates = await upstreamBodies(s.mock, GENERATE);
      assert.equal(creates.length, 2);
      assert.equal(creates[1].contents.length, 6);
      assert.notEqual(generates[2].cachedContent, generates[0].cachedContent);
      assert.equal(generates[2].contents.length, 1);
      // 20 system words, then 3 + 3 + 2 + 1 + 2 + 200 words of turns.
      assert.equal(third.json().usage.prompt_tokens_details.cached_tokens, 231);
    });

    it('identical requests at once create one cache and all use it', async () => {
      await s.mock.reset();
      const system = words('sysj', 20);
      const answers = await Promise.all(Array.from({ length: 6 }, () =>
        post(s.u(CHAT), gemBody(system), { headers: AUTH })));
      for (const r of answers) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json().usage.prompt_tokens_details.cached_tokens, 26);
      }
      assert.equal((await upstreamBodies(s.mock, CREATE)).length, 1);
      const generates = await upstreamBodies(s.mock, GENERATE);
      assert.equal(generates.length, 6);
      assert.equal(new Set(generates.map((g) => g.cachedContent)).size, 1);
    });
  });
});
