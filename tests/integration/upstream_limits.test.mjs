// Limits on what the gateway buffers from an upstream (issue 8, item 4):
// keep-alive comments before a stream's first event (server.max_sse_preamble_bytes)
// and a whole non-stream answer (server.max_upstream_body_bytes). Past
// either, the attempt fails before the client got a byte: a 502 naming the
// provider on a direct request, the next candidate in a rotation.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, post, stream, chatBody, messagesBody, mockProvider, typedProvider, model, assertError,
  assertAnthropicError, contentOf, anthropicTextOf, upstreamChatRequests, ANTHROPIC_VERSION,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const MESSAGES = '/api/v1/messages';
const AHEADERS = { 'anthropic-version': ANTHROPIC_VERSION };
const PREAMBLE_CAP = 16 * 1024;
const BODY_CAP = 1024 * 1024;  // the mock's fault-bigevent body is 10 MiB
const MODELS = ['mock-model', 'fault-preamble-64', 'fault-preamble-4', 'fault-bigevent'];

describe('upstream buffering limits', { timeout: 90000 }, () => {
  let s;
  let mockOrigin;
  before(async () => {
    s = await startStack({
      server: { max_sse_preamble_bytes: PREAMBLE_CAP, max_upstream_body_bytes: BODY_CAP },
      aisbf: { routing: { max_attempts: 3, seed: 7 } },
      providers: (u) => ({
        mock: mockProvider(u, { models: MODELS }),
        backup: mockProvider(u, { id: 'backup', models: ['mock-model'], endpoint: `${u}/backup/v1` }),
        anth: typedProvider('anthropic', u, { id: 'anth', models: MODELS.map((m) => model(m)) }),
      }),
      rotations: {
        pre: { providers: [
          { provider_id: 'mock', models: [{ name: 'fault-preamble-64', weight: 1 }] },
          { provider_id: 'backup', models: [{ name: 'mock-model', weight: 0 }] },
        ] },
        big: { providers: [
          { provider_id: 'mock', models: [{ name: 'fault-bigevent', weight: 1 }] },
          { provider_id: 'backup', models: [{ name: 'mock-model', weight: 0 }] },
        ] },
      },
    });
    mockOrigin = new URL(s.mock.url).host;  // 127.0.0.1:<port>
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const assertNamesProvider = (message, id) => {
    assert.match(message, new RegExp(`provider '${id}'`), message);
    assert.ok(!message.includes(mockOrigin), `the upstream's address leaked: ${message}`);
  };

  it('keep-alives under the cap are relayed, the stream completes', async () => {
    const r = await stream(s.u(CHAT), chatBody('short preamble', { model: 'mock/fault-preamble-4', stream: true }));
    assert.equal(r.status, 200, r.text);
    assert.equal(contentOf(r.events), 'You said: short preamble');
    assert.equal(r.events.at(-1).data, '[DONE]');
    assert.ok(r.raw.includes(': keep-alive'), 'the comments were relayed as they came');
  });

  it('keep-alives past max_sse_preamble_bytes → 502 upstream_preamble_too_large, nothing streamed', async () => {
    const r = await stream(s.u(CHAT), chatBody('x', { model: 'mock/fault-preamble-64', stream: true }));
    assert.equal(r.status, 502, r.text);
    const e = assertError({ ...r, json: () => JSON.parse(r.text) }, 502, 'upstream_preamble_too_large');
    assertNamesProvider(e.message, 'mock');
    assert.equal(r.events.length, 0);
  });

  it('Anthropic passthrough: the same cap, the error in Anthropic\'s format', async () => {
    const r = await stream(s.u(MESSAGES), messagesBody('x', { model: 'anth/fault-preamble-64', stream: true }),
      { headers: AHEADERS });
    const e = assertAnthropicError(r, 502, 'api_error');
    assertNamesProvider(e.message, 'anth');
    const ok = await stream(s.u(MESSAGES), messagesBody('fine', { model: 'anth/fault-preamble-4', stream: true }),
      { headers: AHEADERS });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(anthropicTextOf(ok.events), 'You said: fine');
  });

  it('a rotation fails over from an endless preamble to the next candidate', async () => {
    const r = await stream(s.u(CHAT), chatBody('after preamble', { model: 'rotation/pre', stream: true }));
    assert.equal(r.status, 200, r.text);
    assert.equal(contentOf(r.events), 'You said: after preamble');
    assert.equal(r.headers['x-aisbf-target'], 'backup/mock-model');
    assert.ok(!r.raw.includes(': keep-alive'), 'nothing of the failed attempt reached the client');
    const paths = (await upstreamChatRequests(s.mock)).map((q) => q.path);
    assert.deepEqual(paths, ['/v1/chat/completions', '/backup/v1/chat/completions']);
  });

  it('a whole answer past max_upstream_body_bytes → 502 upstream_response_too_large (passthrough)', async () => {
    const r = await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-bigevent' }), { timeoutMs: 20000 });
    const e = assertError(r, 502, 'upstream_response_too_large');
    assertNamesProvider(e.message, 'mock');
    assert.match(e.message, new RegExp(`more than ${BODY_CAP} bytes`));
  });

  it('the same cap on the translating path (OpenAI client, Anthropic provider)', async () => {
    const r = await post(s.u(CHAT), chatBody('x', { model: 'anth/fault-bigevent' }), { timeoutMs: 20000 });
    const e = assertError(r, 502, 'upstream_response_too_large');
    assertNamesProvider(e.message, 'anth');
  });

  it('a rotation fails over from an oversized answer', async () => {
    const r = await post(s.u(CHAT), chatBody('small one', { model: 'rotation/big' }), { timeoutMs: 20000 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: small one');
    assert.equal(r.headers['x-aisbf-target'], 'backup/mock-model');
  });

  it('answers under the caps are untouched', async () => {
    const r = await post(s.u(CHAT), chatBody('plain'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: plain');
  });
});
