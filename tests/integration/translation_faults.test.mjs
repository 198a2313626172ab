// Upstream faults through translating providers (Anthropic, Gemini, Ollama
// protocols on the mock): each protocol's own error format becomes the
// client's (OpenAI on /api/v1/chat/completions, Anthropic on /v1/messages)
// with the right status; cut streams end with an error event; a client that
// goes away aborts the upstream call; streams are relayed as they come.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, typedProviders, post, stream, streamRequest, chatBody, messagesBody, assertError,
  assertStreamEndsWithError, assertAnthropicError, assertAnthropicStreamEndsWithError, anthropicTextOf,
  contentOf, mockDirect, upstreamChatRequests, delay, get, model, PROVIDER_TYPES, ANTHROPIC_VERSION, MOCK_KEY,
  MOCK_MODELS,
} from './harness.mjs';

// Clears the health and rate-limit state the gateway learned from earlier faults.
async function forgetLimits(s) {
  const r = await post(s.u('/api/admin/health/reset'), {});
  assert.equal(r.status, 200, r.text);
}

const CHAT = '/api/v1/chat/completions';
const MESSAGES = '/v1/messages';
const TRANSLATED = ['anthropic', 'google', 'ollama'];
const AHEADERS = { 'anthropic-version': ANTHROPIC_VERSION };

// ~180 bytes: the mock streams it in 24-byte pieces, ~9 text events.
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen '
  + 'sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four';

// A `stream()` result as `request()`-like, for the error assertions.
const asResponse = (r) => ({ ...r, json: () => JSON.parse(r.text) });

// What the upstream itself says for a fault model (status, Retry-After, message).
async function direct(s, type, fault) {
  const r = await mockDirect(s.mock, type, fault);
  let message = '';
  let retryDelay;
  try {
    const b = JSON.parse(r.text);
    message = b.error?.message ?? b.error ?? '';
    // Gemini: no Retry-After header, a RetryInfo detail {"retryDelay":"7s"}.
    const info = (b.error?.details ?? []).find((x) => String(x['@type']).endsWith('RetryInfo'));
    if (info?.retryDelay) retryDelay = String(parseInt(info.retryDelay, 10));
  } catch { /* not JSON */ }
  return { status: r.status, retryAfter: r.headers['retry-after'], retryDelay, message: String(message), text: r.text };
}

// A stream paced 1 s per event: the client leaves after the first one, long
// before the mock could finish (with 50 ms a loaded machine let it finish
// first, and nothing was left to abort).
const SLOW_FOR_DISCONNECT = 'fault-slow-1000';

// Destroys a stream after its first event; the upstream call must be aborted.
async function disconnectAfterFirstEvent(s, url, body, headers = {}) {
  let firstEvent;
  const got = new Promise((resolve) => { firstEvent = resolve; });
  const { req, done } = streamRequest(url, body, { headers, onEvent: () => firstEvent(), timeoutMs: 30000 });
  done.catch(() => { /* destroyed on purpose */ });
  // Generous bounds: they only end a broken run (under ASan with parallel
  // jobs the first event can take seconds); the order is what is checked.
  const first = await Promise.race([got.then(() => true), delay(15000).then(() => false)]);
  assert.ok(first, 'no first event');
  assert.equal((await s.mock.stats()).aborted, 0, 'aborted before the client left');
  assert.ok((await upstreamChatRequests(s.mock)).length >= 1, 'the request never reached the mock');
  req.destroy();
  const st = await s.mock.waitStats((x) => x.aborted >= 1, 15000);
  assert.ok(st.aborted >= 1);
  assert.equal((await get(s.u('/health'))).status, 200);
}

describe('translation faults', { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (mockUrl) => typedProviders(mockUrl, PROVIDER_TYPES,
        { models: [...MOCK_MODELS, SLOW_FOR_DISCONNECT].map((m) => model(m)) }),
    });
  });
  after(async () => { await s?.stop(); });

  for (const type of TRANSLATED) {
    describe(`OpenAI route → ${type} provider`, () => {
      beforeEach(async () => { await s.mock.reset(); });
      const m = (name) => `${type}/${name}`;

      it('a normal answer (control)', async () => {
        const r = await post(s.u(CHAT), chatBody('control', { model: m('mock-model') }));
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json().choices[0].message.content, 'You said: control');
        const st = await stream(s.u(CHAT), chatBody('control', { model: m('mock-model'), stream: true }));
        assert.equal(st.status, 200, st.text);
        assert.equal(contentOf(st.events), 'You said: control');
        assert.equal(st.events.at(-1).data, '[DONE]');
      });

      it('upstream 500 → 500 api_error (plain and stream)', async () => {
        const d = await direct(s, type, 'fault-500');
        assert.equal(d.status, 500, d.text);
        assertError(await post(s.u(CHAT), chatBody('x', { model: m('fault-500') })), 500);
        const st = await stream(s.u(CHAT), chatBody('x', { model: m('fault-500'), stream: true }));
        assertError(asResponse(st), 500);
      });

      it('upstream 429 → 429 rate_limit_error, Retry-After kept when the upstream sends one', async () => {
        const d = await direct(s, type, 'fault-429');
        assert.equal(d.status, 429, d.text);
        await s.mock.reset();
        // A 429 blocks its target until Retry-After has passed (the gateway
        // answers for it meanwhile): clear that before each request here.
        await forgetLimits(s);
        const r = await post(s.u(CHAT), chatBody('x', { model: m('fault-429') }));
        assertError(r, 429);
        if (d.retryAfter) assert.equal(r.headers['retry-after'], d.retryAfter);
        // Without the header, a Retry-After the gateway derives must agree with RetryInfo.
        else if (r.headers['retry-after'] !== undefined && d.retryDelay) assert.equal(r.headers['retry-after'], d.retryDelay);
        await forgetLimits(s);
        const st = await stream(s.u(CHAT), chatBody('x', { model: m('fault-429'), stream: true }));
        assertError(asResponse(st), 429);
        if (d.retryAfter) assert.equal(st.headers['retry-after'], d.retryAfter);
        const upstream = await upstreamChatRequests(s.mock);
        assert.equal(upstream.length, 2, `the gateway retried: ${upstream.map((q) => q.path).join(',')}`);
      });

      it('upstream 401 → 502 upstream_auth_failed naming the provider, without the upstream body', async () => {
        const d = await direct(s, type, 'fault-401');
        assert.equal(d.status, 401, d.text);
        const r = await post(s.u(CHAT), chatBody('x', { model: m('fault-401') }));
        const e = assertError(r, 502, 'upstream_auth_failed');
        assert.match(e.message, new RegExp(`\\b${type}\\b`), e.message);
        if (d.message.length > 20) assert.ok(!r.text.includes(d.message), `upstream body leaked: ${r.text}`);
        assert.ok(!r.text.includes(MOCK_KEY), r.text);
        const st = await stream(s.u(CHAT), chatBody('x', { model: m('fault-401'), stream: true }));
        assertError(asResponse(st), 502, 'upstream_auth_failed');
      });

      it('a stream cut by the upstream (fault-cut) ends with an error event after the content so far', async () => {
        const r = await stream(s.u(CHAT), chatBody(LONG, { model: m('fault-cut'), stream: true }), { timeoutMs: 8000 });
        assertStreamEndsWithError(r);
        assert.ok(contentOf(r.events.slice(0, -1)).length > 0, `nothing relayed before the cut: ${r.raw}`);
      });

      it('a mid-stream upstream error (fault-stream-error) ends with an error event', async () => {
        const r = await stream(s.u(CHAT), chatBody(LONG, { model: m('fault-stream-error'), stream: true }), { timeoutMs: 8000 });
        assertStreamEndsWithError(r);
      });

      it('a non-stream answer cut mid-body (fault-cut) → 502', async () => {
        assertError(await post(s.u(CHAT), chatBody(LONG, { model: m('fault-cut') })), 502);
      });

      it('a client that goes away aborts the upstream call', async () => {
        await disconnectAfterFirstEvent(s, s.u(CHAT), chatBody(LONG, { model: m(SLOW_FOR_DISCONNECT), stream: true }));
      });

      it('the stream is incremental (fault-slow: first content well before the end)', async () => {
        const r = await stream(s.u(CHAT), chatBody(LONG, { model: m('fault-slow'), stream: true }), { timeoutMs: 15000 });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.events.at(-1).data, '[DONE]');
        assert.equal(contentOf(r.events), `You said: ${LONG}`);
        const content = r.events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices?.[0]?.delta?.content);
        assert.ok(content.length >= 4, `only ${content.length} content events: ${r.raw.slice(0, 2000)}`);
        const end = r.events.at(-1).t;
        assert.ok(end - content[0].t > 200, `first content at ${content[0].t} ms, end at ${end} ms: not incremental`);
      });
    });
  }

  for (const type of PROVIDER_TYPES) {
    describe(`Anthropic route (/v1/messages) → ${type} provider`, () => {
      beforeEach(async () => { await s.mock.reset(); });
      const m = (name) => `${type}/${name}`;
      const body = (content, name, extra = {}) => messagesBody(content, { model: m(name), ...extra });

      it('a normal answer (control)', async () => {
        const r = await post(s.u(MESSAGES), body('control', 'mock-model'), { headers: AHEADERS });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json().content, [{ type: 'text', text: 'You said: control' }]);
        const st = await stream(s.u(MESSAGES), body('control', 'mock-model', { stream: true }), { headers: AHEADERS });
        assert.equal(st.status, 200, st.text);
        assert.equal(anthropicTextOf(st.events), 'You said: control');
        assert.equal(st.events.at(-1).event, 'message_stop');
        for (const e of st.events) assert.equal(JSON.parse(e.data).type, e.event, 'event name ≠ data.type');
      });

      it('upstream 500 → 500 api_error in Anthropic\'s format (plain and stream)', async () => {
        assertAnthropicError(await post(s.u(MESSAGES), body('x', 'fault-500'), { headers: AHEADERS }), 500, 'api_error');
        const st = await stream(s.u(MESSAGES), body('x', 'fault-500', { stream: true }), { headers: AHEADERS });
        assertAnthropicError(st, 500, 'api_error');
      });

      it('upstream 429 → 429 rate_limit_error, Retry-After kept when the upstream sends one', async () => {
        const d = await direct(s, type, 'fault-429');
        assert.equal(d.status, 429, d.text);
        await forgetLimits(s);
        const r = await post(s.u(MESSAGES), body('x', 'fault-429'), { headers: AHEADERS });
        assertAnthropicError(r, 429, 'rate_limit_error');
        if (d.retryAfter) assert.equal(r.headers['retry-after'], d.retryAfter);
        await forgetLimits(s);
        const st = await stream(s.u(MESSAGES), body('x', 'fault-429', { stream: true }), { headers: AHEADERS });
        assertAnthropicError(st, 429, 'rate_limit_error');
      });

      it('upstream 401 → 502 naming the provider, not an authentication_error', async () => {
        const d = await direct(s, type, 'fault-401');
        const r = await post(s.u(MESSAGES), body('x', 'fault-401'), { headers: AHEADERS });
        const e = assertAnthropicError(r, 502);
        assert.notEqual(e.type, 'authentication_error');
        assert.match(e.message, new RegExp(`\\b${type}\\b`), e.message);
        if (d.message.length > 20) assert.ok(!r.text.includes(d.message), `upstream body leaked: ${r.text}`);
        assert.ok(!r.text.includes(MOCK_KEY), r.text);
      });

      it('a stream cut by the upstream (fault-cut) ends with event: error, no message_stop', async () => {
        const r = await stream(s.u(MESSAGES), body(LONG, 'fault-cut', { stream: true }), { headers: AHEADERS, timeoutMs: 8000 });
        assertAnthropicStreamEndsWithError(r);
        assert.equal(r.events[0].event, 'message_start', JSON.stringify(r.events.map((e) => e.event)));
        assert.ok(anthropicTextOf(r.events).length > 0, `nothing relayed before the cut: ${r.raw.slice(0, 2000)}`);
      });

      it('a mid-stream upstream error (fault-stream-error) ends with event: error', async () => {
        const r = await stream(s.u(MESSAGES), body(LONG, 'fault-stream-error', { stream: true }), { headers: AHEADERS, timeoutMs: 8000 });
        assertAnthropicStreamEndsWithError(r);
      });

      it('a client that goes away aborts the upstream call', async () => {
        await disconnectAfterFirstEvent(s, s.u(MESSAGES), body(LONG, SLOW_FOR_DISCONNECT, { stream: true }), AHEADERS);
      });

      it('the stream is incremental (fault-slow: first text well before the end)', async () => {
        const r = await stream(s.u(MESSAGES), body(LONG, 'fault-slow', { stream: true }), { headers: AHEADERS, timeoutMs: 15000 });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.events.at(-1).event, 'message_stop');
        assert.equal(anthropicTextOf(r.events), `You said: ${LONG}`);
        const text = r.events.filter((e) => e.event === 'content_block_delta');
        assert.ok(text.length >= 4, `only ${text.length} deltas`);
        const end = r.events.at(-1).t;
        assert.ok(end - text[0].t > 200, `first text at ${text[0].t} ms, end at ${end} ms: not incremental`);
      });
    });
  }

  describe('Anthropic route: request errors', () => {
    it('unknown model → 404 not_found_error', async () => {
      assertAnthropicError(await post(s.u(MESSAGES), messagesBody('x', { model: 'anthropic/nope' }), { headers: AHEADERS }),
        404, 'not_found_error');
    });

    it('malformed JSON → 400 invalid_request_error', async () => {
      assertAnthropicError(await post(s.u(MESSAGES), '{"model":', { headers: { ...AHEADERS, 'content-type': 'application/json' } }),
        400, 'invalid_request_error');
    });

    it('the gateway still serves after all of that', async () => {
      for (const type of PROVIDER_TYPES) {
        const r = await post(s.u(CHAT), chatBody('alive', { model: `${type}/mock-model` }));
        assert.equal(r.status, 200, `${type}: ${r.text}`);
        assert.equal(r.json().choices[0].message.content, 'You said: alive');
      }
    });
  });
});
