// SIGTERM: stop accepting, let in-flight requests finish (up to
// server.shutdown_grace), exit 0.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startStack, streamRequest, chatBody, contentOf, get, delay, withTimeout, mockProvider, MOCK_MODELS,
} from './harness.mjs';

// Exits and drains are awaited with generous bounds: a sanitizer build under
// parallel jobs starts, stops and checks for leaks slowly. The tests assert
// order (what happened before what) and outcomes, not how fast.
const EXIT_MS = 15000;

const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen '
  + 'sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four';

// Resolves true when a TCP connect to `url` succeeds, false when refused.
function canConnect(url) {
  const { hostname, port } = new URL(url);
  return withTimeout(new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname);
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  }), 2000, 'connect');
}

describe('graceful shutdown', { timeout: 60000 }, () => {
  let s;
  afterEach(async () => { await s?.stop(); s = null; });

  it('an idle gateway exits 0 promptly on SIGTERM', async () => {
    s = await startStack();
    assert.equal((await get(s.u('/health'))).status, 200);
    s.gw.kill('SIGTERM');
    const info = await s.gw.waitExit(EXIT_MS);
    assert.deepEqual(info, { code: 0, signal: null }, s.gw.output());
  });

  it('SIGTERM during a fault-slow stream: the stream completes with [DONE], then exit 0', async () => {
    s = await startStack({ server: { shutdown_grace: 10 } });
    let first;
    const gotFirst = new Promise((resolve) => { first = resolve; });
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-slow', stream: true }), { onEvent: () => first(), timeoutMs: 10000 });
    await withTimeout(gotFirst, 10000, 'first stream event');
    s.gw.kill('SIGTERM');
    const r = await done;
    assert.equal(r.status, 200);
    assert.equal(r.events.at(-1)?.data, '[DONE]', `stream did not complete: ${r.raw.slice(-500)}`);
    assert.equal(contentOf(r.events), `You said: ${LONG}`);
    const info = await s.gw.waitExit(EXIT_MS);
    assert.deepEqual(info, { code: 0, signal: null }, s.gw.output());
  });

  it('after SIGTERM new connections are not accepted while a stream drains', async () => {
    // 300 ms between events: the stream lasts seconds, long enough to see
    // the listener close while it still runs.
    s = await startStack({
      server: { shutdown_grace: 30 },
      providers: (url) => ({ mock: mockProvider(url, { models: [...MOCK_MODELS, 'fault-slow-300'] }) }),
    });
    let first;
    const gotFirst = new Promise((resolve) => { first = resolve; });
    let finished = false;
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-slow-300', stream: true }), { onEvent: () => first(), timeoutMs: 30000 });
    done.then(() => { finished = true; }, () => { finished = true; });
    await withTimeout(gotFirst, 5000, 'first stream event');
    s.gw.kill('SIGTERM');
    const deadline = Date.now() + 10000;
    while (await canConnect(s.url)) {
      assert.ok(Date.now() < deadline, 'still accepting connections 10 s after SIGTERM');
      await delay(20);
    }
    assert.equal(finished, false, 'the listener closed only after the stream had ended');
    assert.ok(s.gw.running, 'exited before the stream finished');
    const r = await done;
    assert.equal(r.events.at(-1)?.data, '[DONE]');
    assert.equal(contentOf(r.events), `You said: ${LONG}`);
    assert.equal((await s.gw.waitExit(EXIT_MS)).code, 0);
  });

  it('a request outliving shutdown_grace is cut and the process still exits 0', async () => {
    s = await startStack({ server: { shutdown_grace: 1 } });
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody('x', { model: 'mock/fault-hang', stream: true }), { timeoutMs: 10000 });
    done.catch(() => { /* cut on purpose */ });
    const deadline = Date.now() + 10000;
    while ((await s.mock.chatRequests()).length === 0) {
      assert.ok(Date.now() < deadline, 'the request never reached the mock');
      await delay(50);
    }
    // The mock never answers: without the cut at shutdown_grace the gateway
    // would wait forever, so any finite wait shows the cut (the bound is
    // generous for sanitizer builds, not a speed requirement).
    s.gw.kill('SIGTERM');
    const info = await s.gw.waitExit(EXIT_MS);
    assert.equal(info.code, 0, s.gw.output());
    await s.mock.waitStats((x) => x.aborted >= 1, 5000);
  });
});
