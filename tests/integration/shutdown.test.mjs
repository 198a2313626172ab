// SIGTERM: stop accepting, let in-flight requests finish (up to
// server.shutdown_grace), exit 0.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStack, streamRequest, chatBody, contentOf, get, delay, withTimeout } from './harness.mjs';

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
    const info = await s.gw.waitExit(3000);
    assert.deepEqual(info, { code: 0, signal: null }, s.gw.output());
  });

  it('SIGTERM during a fault-slow stream: the stream completes with [DONE], then exit 0', async () => {
    s = await startStack({ server: { shutdown_grace: 10 } });
    let first;
    const gotFirst = new Promise((resolve) => { first = resolve; });
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-slow', stream: true }), { onEvent: () => first(), timeoutMs: 10000 });
    await withTimeout(gotFirst, 3000, 'first stream event');
    s.gw.kill('SIGTERM');
    const r = await done;
    assert.equal(r.status, 200);
    assert.equal(r.events.at(-1)?.data, '[DONE]', `stream did not complete: ${r.raw.slice(-500)}`);
    assert.equal(contentOf(r.events), `You said: ${LONG}`);
    const info = await s.gw.waitExit(5000);
    assert.deepEqual(info, { code: 0, signal: null }, s.gw.output());
  });

  it('after SIGTERM new connections are not accepted while a stream drains', async () => {
    s = await startStack({ server: { shutdown_grace: 10 } });
    let first;
    const gotFirst = new Promise((resolve) => { first = resolve; });
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody(LONG + ' ' + LONG, { model: 'mock/fault-slow', stream: true }), { onEvent: () => first(), timeoutMs: 10000 });
    await withTimeout(gotFirst, 3000, 'first stream event');
    s.gw.kill('SIGTERM');
    await delay(200);
    assert.ok(s.gw.running, 'exited before the stream finished');
    assert.equal(await canConnect(s.url), false, 'still accepting connections after SIGTERM');
    const r = await done;
    assert.equal(r.events.at(-1)?.data, '[DONE]');
    assert.equal((await s.gw.waitExit(5000)).code, 0);
  });

  it('a request outliving shutdown_grace is cut and the process still exits 0', async () => {
    s = await startStack({ server: { shutdown_grace: 1 } });
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody('x', { model: 'mock/fault-hang', stream: true }), { timeoutMs: 10000 });
    done.catch(() => { /* cut on purpose */ });
    const deadline = Date.now() + 3000;
    while ((await s.mock.chatRequests()).length === 0) {
      assert.ok(Date.now() < deadline, 'the request never reached the mock');
      await delay(50);
    }
    const t0 = Date.now();
    s.gw.kill('SIGTERM');
    const info = await s.gw.waitExit(5000);
    const took = Date.now() - t0;
    assert.equal(info.code, 0, s.gw.output());
    assert.ok(took < 4000, `exit took ${took} ms with shutdown_grace 1`);
    await s.mock.waitStats((x) => x.aborted >= 1, 3000);
  });
});
