// The official Anthropic SDK against aisbf's Anthropic Messages routes
// (auth on) → aisbf-mock, once per provider type: the gateway turns the
// Messages request into the provider's protocol and the answer back into
// Anthropic's (events, tool_use, thinking, errors).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvidersStack, loadAnthropic, WEATHER_TOOL_ANTHROPIC, TINY_PNG_B64, PROVIDER_TYPES,
  UPSTREAM_CHAT_PATH, upstreamChatRequests, MOCK_KEY, MOCK_MODELS,
} from './common.mjs';

const Anthropic = await loadAnthropic();
const skip = Anthropic ? false : 'needs @anthropic-ai/sdk: run "npm ci" in tests/e2e';

const TOKEN = 'e2e-anthropic-token';
const QUESTION = 'what is the get_weather in Paris';
const LONG = 'Stream this, please: a somewhat longer message so that it comes in several pieces ✓ é';
const user = (content) => [{ role: 'user', content }];

function textOf(message) {
  return message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

// Iterates a raw event stream; returns the events.
async function events(stream) {
  const out = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

// Checks the event grammar: message_start, blocks (start, deltas, stop), message_delta, message_stop.
function assertEventOrder(evs) {
  const types = evs.map((e) => e.type).filter((t) => t !== 'ping');
  const ctx = types.join(',');
  assert.equal(types[0], 'message_start', ctx);
  assert.equal(types.at(-1), 'message_stop', ctx);
  assert.equal(types.at(-2), 'message_delta', ctx);
  let open = null;
  for (const e of evs) {
    if (e.type === 'content_block_start') {
      assert.equal(open, null, `block ${e.index} starts inside block ${open}: ${ctx}`);
      open = e.index;
    } else if (e.type === 'content_block_delta') {
      assert.equal(e.index, open, `delta for block ${e.index} outside it: ${ctx}`);
    } else if (e.type === 'content_block_stop') {
      assert.equal(e.index, open, ctx);
      open = null;
    }
  }
  assert.equal(open, null, `block ${open} never stopped: ${ctx}`);
}

async function expectApiError(promise, cls, status, errorType) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Anthropic.APIError, `not an APIError: ${err}`);
    assert.ok(err instanceof cls, `${err.constructor.name} (${err.status}): ${err.message}`);
    assert.equal(err.status, status, err.message);
    assert.equal(err.error?.type, 'error', JSON.stringify(err.error));
    assert.equal(typeof err.error?.error?.message, 'string', JSON.stringify(err.error));
    if (errorType) assert.equal(err.error.error.type, errorType, JSON.stringify(err.error));
    return true;
  });
}

describe('anthropic sdk × provider types', { timeout: 120000, skip }, () => {
  let s;
  let client;
  before(async () => {
    s = await startProvidersStack({ token: TOKEN });
    client = s.anthropic(Anthropic);
  });
  after(async () => { await s?.stop(); });

  for (const type of PROVIDER_TYPES) {
    const model = `${type}/mock-model`;

    describe(`provider type ${type}`, () => {
      beforeEach(async () => { await s.mock.reset(); });

      it('messages.create (non-stream): one text block "You said: …", end_turn, usage', async () => {
        const m = await client.messages.create({
          model, max_tokens: 256, system: 'Be brief.', messages: user(`Hello ${type}`),
        });
        assert.equal(m.type, 'message');
        assert.equal(m.role, 'assistant');
        assert.ok(m.id, 'no id');
        assert.deepEqual(m.content, [{ type: 'text', text: `You said: Hello ${type}` }]);
        assert.equal(m.stop_reason, 'end_turn');
        assert.ok(Number.isInteger(m.usage?.input_tokens) && m.usage.input_tokens > 0, JSON.stringify(m.usage));
        assert.ok(Number.isInteger(m.usage.output_tokens) && m.usage.output_tokens > 0, JSON.stringify(m.usage));
      });

      it(`the upstream request is in ${type}'s protocol, without the gateway token`, async () => {
        await client.messages.create({ model, max_tokens: 256, system: 'Be brief.', messages: user('protocol') });
        const reqs = await upstreamChatRequests(s.mock);
        assert.equal(reqs.length, 1, JSON.stringify(reqs.map((q) => q.path)));
        const [q] = reqs;
        assert.match(q.path, UPSTREAM_CHAT_PATH[type], q.path);
        assert.ok(!JSON.stringify(q.headers).includes(TOKEN), `gateway token forwarded: ${JSON.stringify(q.headers)}`);
        if (type === 'anthropic') assert.equal(q.headers['x-api-key'], MOCK_KEY);
        if (type === 'openai') assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
        assert.ok(q.body.includes('Be brief.'), `the system prompt was lost: ${q.body.slice(0, 1000)}`);
      });

      it('messages.create (stream): the event grammar, text deltas join to the reply', async () => {
        const evs = await events(await client.messages.create({
          model, max_tokens: 256, messages: user(LONG), stream: true,
        }));
        assertEventOrder(evs);
        const text = evs.filter((e) => e.type === 'content_block_delta' && e.delta.type === 'text_delta')
          .map((e) => e.delta.text).join('');
        assert.equal(text, `You said: ${LONG}`);
        assert.ok(evs.filter((e) => e.type === 'content_block_delta').length >= 2, 'one delta only');
        const start = evs[0].message;
        assert.equal(start.role, 'assistant');
        assert.ok(Number.isInteger(start.usage?.input_tokens), JSON.stringify(start.usage));
        const delta = evs.findLast((e) => e.type === 'message_delta');
        assert.equal(delta.delta.stop_reason, 'end_turn');
        assert.ok(Number.isInteger(delta.usage?.output_tokens) && delta.usage.output_tokens > 0, JSON.stringify(delta.usage));
      });

      it('messages.stream(): finalMessage() and the text event', async () => {
        const stream = client.messages.stream({ model, max_tokens: 256, messages: user(LONG) });
        let streamed = '';
        stream.on('text', (t) => { streamed += t; });
        const final = await stream.finalMessage();
        assert.equal(textOf(final), `You said: ${LONG}`);
        assert.equal(streamed, `You said: ${LONG}`);
        assert.equal(final.stop_reason, 'end_turn');
      });

      it('tool_use (non-stream): get_weather with input {city: <question>}', async () => {
        const m = await client.messages.create({
          model, max_tokens: 256, messages: user(QUESTION), tools: [WEATHER_TOOL_ANTHROPIC],
        });
        assert.equal(m.stop_reason, 'tool_use', JSON.stringify(m));
        const uses = m.content.filter((b) => b.type === 'tool_use');
        assert.equal(uses.length, 1, JSON.stringify(m.content));
        assert.ok(uses[0].id, 'no tool_use id');
        assert.equal(uses[0].name, 'get_weather');
        assert.deepEqual(uses[0].input, { city: QUESTION });
      });

      it('tool_use (stream): input_json_delta fragments join to the input; finalMessage has it', async () => {
        const evs = await events(await client.messages.create({
          model, max_tokens: 256, messages: user(QUESTION), tools: [WEATHER_TOOL_ANTHROPIC], stream: true,
        }));
        assertEventOrder(evs);
        const start = evs.find((e) => e.type === 'content_block_start' && e.content_block.type === 'tool_use');
        assert.ok(start, JSON.stringify(evs));
        assert.equal(start.content_block.name, 'get_weather');
        assert.ok(start.content_block.id);
        const json = evs.filter((e) => e.type === 'content_block_delta' && e.index === start.index)
          .map((e) => e.delta.partial_json).join('');
        assert.deepEqual(JSON.parse(json), { city: QUESTION });
        assert.equal(evs.findLast((e) => e.type === 'message_delta').delta.stop_reason, 'tool_use');

        const final = await client.messages.stream({
          model, max_tokens: 256, messages: user(QUESTION), tools: [WEATHER_TOOL_ANTHROPIC],
        }).finalMessage();
        const use = final.content.find((b) => b.type === 'tool_use');
        assert.deepEqual(use?.input, { city: QUESTION }, JSON.stringify(final.content));
      });

      it('tool_result round trip → "Tool result: …" (plain and streamed)', async () => {
        const first = await client.messages.create({
          model, max_tokens: 256, messages: user(QUESTION), tools: [WEATHER_TOOL_ANTHROPIC],
        });
        const use = first.content.find((b) => b.type === 'tool_use');
        assert.ok(use, JSON.stringify(first));
        const messages = [
          { role: 'user', content: QUESTION },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Sunny, 21C' }] },
        ];
        const m = await client.messages.create({ model, max_tokens: 256, messages, tools: [WEATHER_TOOL_ANTHROPIC] });
        const text = textOf(m);
        if (type === 'google') {
          assert.match(text, /^Tool result: /, text);
          assert.ok(text.includes('Sunny, 21C'), text);
        } else {
          assert.equal(text, 'Tool result: Sunny, 21C');
        }
        assert.equal(m.stop_reason, 'end_turn');
        const final = await client.messages.stream({ model, max_tokens: 256, messages, tools: [WEATHER_TOOL_ANTHROPIC] }).finalMessage();
        assert.equal(textOf(final), text);
      });

      it('an image block (base64 PNG) is accepted and reaches the provider', async () => {
        const m = await client.messages.create({
          model, max_tokens: 256,
          messages: user([
            { type: 'text', text: 'describe this' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG_B64 } },
          ]),
        });
        assert.equal(textOf(m), 'You said: describe this');
        const [q] = (await upstreamChatRequests(s.mock)).slice(-1);
        assert.ok(q.body.includes(TINY_PNG_B64), `the image did not reach the upstream: ${q.body.slice(0, 1000)}`);
      });

      it(type === 'anthropic'
        ? 'thinking: the final message has a thinking block (plain and streamed)'
        : 'thinking: accepted, the reply text unchanged', async () => {
        const req = {
          model, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: user('think first'),
        };
        const m = await client.messages.create(req);
        assert.equal(textOf(m), 'You said: think first');
        const final = await client.messages.stream(req).finalMessage();
        assert.equal(textOf(final), 'You said: think first');
        if (type === 'anthropic') {
          for (const msg of [m, final]) {
            assert.equal(msg.content[0].type, 'thinking', JSON.stringify(msg.content));
            assert.ok(msg.content[0].thinking.length > 0, JSON.stringify(msg.content));
            assert.equal(typeof msg.content[0].signature, 'string');
            assert.ok(msg.content[0].signature.length > 0, 'empty signature');
          }
          // The thinking block goes back unchanged in the next turn.
          const next = await client.messages.create({
            ...req,
            messages: [...user('think first'), { role: 'assistant', content: m.content }, ...user('and again')],
          });
          assert.equal(textOf(next), 'You said: and again');
          const [q] = (await upstreamChatRequests(s.mock)).slice(-1);
          assert.ok(q.body.includes(m.content[0].signature), 'the thinking signature was not passed back');
        }
      });

      it('messages.countTokens → input_tokens', async () => {
        const r = await client.messages.countTokens({ model, messages: user('count these five words please') });
        assert.ok(Number.isInteger(r.input_tokens) && r.input_tokens > 0, JSON.stringify(r));
        const bigger = await client.messages.countTokens({
          model, system: 'A system prompt adds tokens too.', tools: [WEATHER_TOOL_ANTHROPIC],
          messages: user('count these five words please'),
        });
        assert.ok(bigger.input_tokens > r.input_tokens, `${bigger.input_tokens} ≤ ${r.input_tokens}`);
      });

      it('the provider route /api/<provider>/v1/messages', async () => {
        const scoped = s.anthropic(Anthropic, { baseURL: `${s.url}/api/${type}` });
        const m = await scoped.messages.create({ model: 'mock-model', max_tokens: 256, messages: user('scoped') });
        assert.equal(textOf(m), 'You said: scoped');
      });

      it('upstream 429 → RateLimitError 429 (rate_limit_error), no retry', async () => {
        await expectApiError(
          client.messages.create({ model: `${type}/fault-429`, max_tokens: 64, messages: user('x') }),
          Anthropic.RateLimitError, 429, 'rate_limit_error');
        assert.equal((await upstreamChatRequests(s.mock)).length, 1, 'the gateway retried');
        await expectApiError(
          client.messages.create({ model: `${type}/fault-429`, max_tokens: 64, messages: user('x'), stream: true }),
          Anthropic.RateLimitError, 429, 'rate_limit_error');
      });

      it('upstream 500 → InternalServerError 500 (api_error)', async () => {
        await expectApiError(
          client.messages.create({ model: `${type}/fault-500`, max_tokens: 64, messages: user('x') }),
          Anthropic.InternalServerError, 500, 'api_error');
      });

      it('upstream 401 → 502 for the caller (not an AuthenticationError)', async () => {
        await expectApiError(
          client.messages.create({ model: `${type}/fault-401`, max_tokens: 64, messages: user('x') }),
          Anthropic.InternalServerError, 502);
      });

      it('a stream cut by the upstream throws while iterating', async () => {
        const stream = await client.messages.create({
          model: `${type}/fault-cut`, max_tokens: 256, stream: true,
          messages: user('a message long enough to be cut in the middle of the reply stream'),
        });
        await assert.rejects(async () => { for await (const ev of stream) void ev; }, (err) => {
          assert.ok(err instanceof Anthropic.AnthropicError, `not an AnthropicError: ${err}`);
          return true;
        });
      });
    });
  }

  describe('models, auth, unknown models', () => {
    it('models.list() in Anthropic\'s shape lists every provider\'s models', async () => {
      const models = [];
      for await (const m of client.models.list()) models.push(m);
      const ids = models.map((m) => m.id);
      for (const type of PROVIDER_TYPES) {
        assert.ok(ids.includes(`${type}/mock-model`), ids.join(','));
      }
      for (const m of models) {
        assert.equal(m.type, 'model', JSON.stringify(m));
        assert.equal(typeof m.display_name, 'string', JSON.stringify(m));
        assert.equal(typeof m.created_at, 'string', JSON.stringify(m));
      }
      assert.ok(models.length >= PROVIDER_TYPES.length * MOCK_MODELS.length, `${models.length} models`);
    });

    it('unknown model → NotFoundError 404 (not_found_error)', async () => {
      await expectApiError(client.messages.create({ model: 'anthropic/nope', max_tokens: 64, messages: user('x') }),
        Anthropic.NotFoundError, 404, 'not_found_error');
    });

    it('the gateway token as x-api-key (no Authorization header) works', async () => {
      const xkey = s.anthropic(Anthropic, { apiKey: null, defaultHeaders: { 'x-api-key': TOKEN, authorization: null } });
      const m = await xkey.messages.create({ model: 'anthropic/mock-model', max_tokens: 64, messages: user('x-api-key') });
      assert.equal(textOf(m), 'You said: x-api-key');
    });

    it('the gateway token as Authorization: Bearer works', async () => {
      const bearer = s.anthropic(Anthropic, { apiKey: null, authToken: TOKEN });
      const m = await bearer.messages.create({ model: 'openai/mock-model', max_tokens: 64, messages: user('bearer') });
      assert.equal(textOf(m), 'You said: bearer');
    });

    it('a wrong token → AuthenticationError 401 (authentication_error)', async () => {
      const bad = s.anthropic(Anthropic, { apiKey: null, defaultHeaders: { 'x-api-key': 'wrong-token', authorization: null } });
      await expectApiError(bad.messages.create({ model: 'anthropic/mock-model', max_tokens: 64, messages: user('x') }),
        Anthropic.AuthenticationError, 401, 'authentication_error');
      const bad2 = s.anthropic(Anthropic, { apiKey: 'wrong-token' });
      await expectApiError(bad2.messages.countTokens({ model: 'anthropic/mock-model', messages: user('x') }),
        Anthropic.AuthenticationError, 401, 'authentication_error');
    });
  });
});
