// Non-streaming chat through the OpenAI fast path: what reaches the upstream
// (body bytes, headers) and what comes back (the upstream's answer, unchanged).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, post, request, chatBody, stable, MOCK_KEY } from './harness.mjs';

// The body the mock answers directly for `upstreamBody` (to compare with what
// the gateway relayed).
async function mockDirect(s, upstreamBody) {
  return post(s.mock.u('/v1/chat/completions'), upstreamBody, {
    headers: { authorization: `Bearer ${MOCK_KEY}` },
  });
}

describe('chat passthrough', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const routes = [
    ['/api/v1/chat/completions', 'mock/mock-model'],
    ['/v1/chat/completions', 'mock/mock-model'],
    ['/api/mock/chat/completions', 'mock-model'],
    ['/api/mock/chat/completions', 'mock/mock-model'],
  ];
  for (const [route, modelId] of routes) {
    it(`POST ${route} with model ${modelId}`, async () => {
      const body = chatBody('hello there', { model: modelId, temperature: 0.2 });
      const r = await post(s.u(route), body);
      assert.equal(r.status, 200, r.text);
      const reply = r.json();
      assert.equal(reply.object, 'chat.completion');
      assert.equal(reply.choices[0].message.content, 'You said: hello there');

      const reqs = await s.mock.chatRequests();
      assert.equal(reqs.length, 1, JSON.stringify(reqs));
      assert.equal(reqs[0].method, 'POST');
      assert.equal(reqs[0].path, '/v1/chat/completions');
      const sent = JSON.parse(reqs[0].body);
      assert.equal(sent.model, 'mock-model');
      assert.deepEqual({ ...sent, model: null }, { ...body, model: null });
    });
  }

  it('a model name containing "/" reaches the upstream as org/nested-model', async () => {
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('nested', { model: 'mock/org/nested-model' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: nested');
    const [q] = await s.mock.chatRequests();
    assert.equal(JSON.parse(q.body).model, 'org/nested-model');
  });

  it('unusual formatting and unknown fields arrive byte-identical except the model value', async () => {
    const raw = '{ "model" :  "mock/mock-model",\n\t"messages":[ {"role":"user","content":"caf\\u00e9 \u00e9t\u00e9 \\"q\\""} ],'
      + ' "seed":1, "top_p":0.5, "x_custom":{"a":[1,2.50], "b":{"c":null,"d":1e3}} , "reasoning_effort":"low" }\n';
    const r = await request(s.u('/api/v1/chat/completions'), {
      method: 'POST', body: raw, headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    assert.equal(q.body, raw.replace('"mock/mock-model"', '"mock-model"'));
  });

  it('with the provider route and the bare model name the body is untouched', async () => {
    const raw = '{"messages":[{"role":"user","content":"x"}],"model":"mock-model","top_p":0.50,"x":[1,2.50]}';
    const r = await request(s.u('/api/mock/chat/completions'), {
      method: 'POST', body: raw, headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    assert.equal(q.body, raw);
  });

  it('upstream headers: provider key, never the caller token, no cookie, identity encoding', async () => {
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('hdr'), {
      headers: {
        authorization: 'Bearer caller-secret-token',
        cookie: 'session=abc123',
        'accept-encoding': 'gzip, deflate, br',
        'x-api-key': 'caller-x-api-key',
        connection: 'keep-alive, x-hop',
        'x-hop': 'hop-by-hop',
      },
    });
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    const h = q.headers;
    assert.equal(h.authorization, `Bearer ${MOCK_KEY}`);
    assert.equal(h.cookie, undefined);
    assert.ok(h['accept-encoding'] === undefined || h['accept-encoding'] === 'identity', h['accept-encoding']);
    const all = JSON.stringify(h);
    assert.ok(!all.includes('caller-secret-token'), all);
    assert.ok(!all.includes('caller-x-api-key'), all);
    assert.ok(!all.includes('hop-by-hop'), all);
    assert.match(String(h['content-type']), /application\/json/);
  });

  it('the non-stream answer is exactly the upstream answer, but for usage.effective_context', async () => {
    const body = chatBody('compare me', { max_tokens: 20 });
    const r = await post(s.u('/api/v1/chat/completions'), body);
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    const direct = await mockDirect(s, JSON.parse(q.body));
    assert.equal(direct.status, 200, direct.text);
    // The gateway's own count, spliced last into the upstream's usage object.
    const figure = r.json().usage.effective_context;
    assert.ok(Number.isInteger(figure) && figure > 0, r.text);
    const text = r.text.replace(`,"effective_context":${figure}}`, '}');
    assert.notEqual(text, r.text);
    if (text !== direct.text) {
      // The mock may stamp a fresh id/created per call; everything else is equal.
      assert.deepEqual(stable(JSON.parse(text)), stable(direct.json()));
    }
    assert.match(String(r.headers['content-type']), /application\/json/);
  });

  it('tool calls come back as the upstream sent them', async () => {
    const tools = [{
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    }];
    const body = chatBody('what is the get_weather in Paris', { tools });
    const r = await post(s.u('/api/v1/chat/completions'), body);
    assert.equal(r.status, 200, r.text);
    const msg = r.json().choices[0].message;
    assert.equal(msg.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: 'what is the get_weather in Paris' });
    const [q] = await s.mock.chatRequests();
    assert.deepEqual(JSON.parse(q.body).tools, tools);
  });

  it('concurrent requests are all answered correctly', async () => {
    const n = 20;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) =>
      post(s.u('/api/v1/chat/completions'), chatBody(`msg ${i}`))));
    replies.forEach((r, i) => {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().choices[0].message.content, `You said: msg ${i}`);
    });
    assert.equal((await s.mock.chatRequests()).length, n);
  });
});
