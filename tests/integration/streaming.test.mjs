// Streaming chat: events relayed one by one and unchanged, incrementally,
// and a stream cut by the upstream ends with an error event.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, stream, chatBody, stable, contentOf, eventJson, assertStreamEndsWithError, MOCK_KEY,
} from './harness.mjs';

// The mock streams content in 24-byte pieces: this gives ~9 of them.
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen '
  + 'sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four';

describe('streaming', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a stream is relayed as SSE and ends with data: [DONE]', async () => {
    const r = await stream(s.u('/api/v1/chat/completions'), chatBody('stream me', { stream: true }));
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    assert.ok(r.events.length >= 2, r.raw);
    assert.equal(r.events.at(-1).data, '[DONE]');
    assert.equal(r.events.filter((e) => e.data === '[DONE]').length, 1);
    for (const c of eventJson(r.events)) assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(contentOf(r.events), 'You said: stream me');
  });

  it('stream events are exactly the upstream events', async () => {
    const body = chatBody(LONG, { stream: true });
    const r = await stream(s.u('/api/v1/chat/completions'), body);
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    const sent = JSON.parse(q.body);
    assert.deepEqual({ ...sent, model: null }, { ...body, model: null });
    const direct = await stream(s.mock.u('/v1/chat/completions'), sent, {
      headers: { authorization: `Bearer ${MOCK_KEY}` },
    });
    assert.equal(direct.status, 200, direct.text);
    const mine = r.events.map((e) => e.data);
    const theirs = direct.events.map((e) => e.data);
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      assert.equal(mine.length, theirs.length, `${JSON.stringify(mine)}\n!=\n${JSON.stringify(theirs)}`);
      assert.deepEqual(stable(eventJson(r.events)), stable(eventJson(direct.events)));
      assert.equal(mine.at(-1), '[DONE]');
    }
  });

  it('stream_options.include_usage passes through and the usage chunk arrives', async () => {
    const body = chatBody('usage please', { stream: true, stream_options: { include_usage: true } });
    const r = await stream(s.u('/api/v1/chat/completions'), body);
    assert.equal(r.status, 200, r.text);
    const chunks = eventJson(r.events);
    const usage = chunks.filter((c) => c.usage);
    assert.equal(usage.length, 1, JSON.stringify(chunks));
    assert.equal(typeof usage[0].usage.total_tokens, 'number');
    assert.equal(r.events.at(-1).data, '[DONE]');
    const [q] = await s.mock.chatRequests();
    assert.deepEqual(JSON.parse(q.body).stream_options, { include_usage: true });
  });

  it('the relay is incremental (fault-slow: first content well before the end)', async () => {
    const r = await stream(s.u('/api/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-slow', stream: true }), { timeoutMs: 15000 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.events.at(-1).data, '[DONE]');
    const content = r.events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices?.[0]?.delta?.content);
    assert.ok(content.length >= 6, `only ${content.length} content events: ${r.raw}`);
    const first = content[0].t;
    const end = r.events.at(-1).t;
    assert.ok(end - first > 200, `first content at ${first} ms, end at ${end} ms: not incremental`);
  });

  it('the provider route streams too', async () => {
    const r = await stream(s.u('/api/mock/chat/completions'), chatBody('p', { model: 'mock-model', stream: true }));
    assert.equal(r.status, 200, r.text);
    assert.equal(contentOf(r.events), 'You said: p');
    assert.equal(r.events.at(-1).data, '[DONE]');
  });

  it('streamed tool-call argument fragments join to valid JSON', async () => {
    const tools = [{
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    }];
    const r = await stream(s.u('/api/v1/chat/completions'),
      chatBody('what is the get_weather in Paris', { tools, stream: true }));
    assert.equal(r.status, 200, r.text);
    let name = '';
    let args = '';
    for (const c of eventJson(r.events)) {
      for (const tc of c.choices?.[0]?.delta?.tool_calls ?? []) {
        if (tc.function?.name) name += tc.function.name;
        if (tc.function?.arguments) args += tc.function.arguments;
      }
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'what is the get_weather in Paris' });
  });

  it('a stream the upstream cuts mid-way ends with an error event, not silence', async () => {
    const r = await stream(s.u('/api/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-cut', stream: true }));
    assertStreamEndsWithError(r);
  });

  it('a 10 MiB upstream event (fault-bigevent) arrives intact or ends the stream with an error event', async () => {
    // The gateway caps one SSE event (server.max_sse_event_bytes, 8 MiB by
    // default): over the cap the stream must end with an error event, not
    // silence; under it the event must arrive unchanged.
    const body = chatBody('big', { model: 'mock/fault-bigevent', stream: true });
    const r = await stream(s.u('/api/v1/chat/completions'), body, { timeoutMs: 20000 });
    assert.equal(r.status, 200, r.text.slice(0, 500));
    if (r.events.at(-1)?.data === '[DONE]') {
      const big = r.events.find((e) => e.data.length > 10 * 1024 * 1024);
      assert.ok(big, 'the big event is missing');
      assert.equal(JSON.parse(big.data).choices[0].delta.content, 'x'.repeat(10 * 1024 * 1024));
      assert.equal(contentOf(r.events), 'x'.repeat(10 * 1024 * 1024) + 'You said: big');
    } else {
      assertStreamEndsWithError(r);
    }
    const after = await stream(s.u('/api/v1/chat/completions'), chatBody('after big', { stream: true }));
    assert.equal(contentOf(after.events), 'You said: after big');
  });

  it('an upstream error event mid-stream (fault-stream-error) reaches the client', async () => {
    const r = await stream(s.u('/api/v1/chat/completions'),
      chatBody('x', { model: 'mock/fault-stream-error', stream: true }));
    const e = assertStreamEndsWithError(r);
    assert.equal(e.message, 'mock mid-stream failure');
    assert.equal(contentOf(r.events.slice(0, -1)), 'You said: x');
  });
});
