// A client that goes away cancels the upstream call.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startStack, streamRequest, chatBody, delay, get } from './harness.mjs';

// The mock streams content in 24-byte pieces: this gives ~9 of them.
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen '
  + 'sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four';

describe('client disconnect', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('destroying a stream on fault-slow aborts the upstream within 3 s', async () => {
    let firstEvent;
    const got = new Promise((resolve) => { firstEvent = resolve; });
    const { req, done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-slow', stream: true }), {
        onEvent: () => firstEvent(),
        timeoutMs: 10000,
      });
    done.catch(() => { /* destroyed on purpose */ });
    await Promise.race([got, delay(3000)]);
    assert.equal((await s.mock.stats()).aborted, 0, 'aborted before the client left');
    req.destroy();
    const st = await s.mock.waitStats((x) => x.aborted >= 1, 3000);
    assert.ok(st.aborted >= 1);
    assert.equal((await get(s.u('/health'))).status, 200);
  });

  it('destroying a non-stream request on fault-hang aborts the upstream within 3 s', async () => {
    const req = http.request(s.u('/api/v1/chat/completions'), {
      method: 'POST', agent: false, headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => { /* destroyed on purpose */ });
    req.end(JSON.stringify(chatBody('hang', { model: 'mock/fault-hang' })));
    // Wait until the gateway has reached the upstream.
    const deadline = Date.now() + 3000;
    while ((await s.mock.chatRequests()).length === 0) {
      assert.ok(Date.now() < deadline, 'the request never reached the mock');
      await delay(50);
    }
    req.destroy();
    const st = await s.mock.waitStats((x) => x.aborted >= 1, 3000);
    assert.ok(st.aborted >= 1);
  });

  it('many abandoned streams leave the gateway healthy', async () => {
    const reqs = [];
    for (let i = 0; i < 10; i++) {
      const { req, done } = streamRequest(s.u('/api/v1/chat/completions'),
        chatBody(LONG, { model: 'mock/fault-slow', stream: true }), { timeoutMs: 10000 });
      done.catch(() => {});
      reqs.push(req);
    }
    const deadline = Date.now() + 3000;
    while ((await s.mock.chatRequests()).length < 10) {
      assert.ok(Date.now() < deadline, 'not all requests reached the mock');
      await delay(50);
    }
    for (const r of reqs) r.destroy();
    await s.mock.waitStats((x) => x.aborted >= 10, 3000);
    const r = await get(s.u('/health'));
    assert.equal(r.status, 200);
  });

  // The watch used to fire once: a byte arriving while the upstream was
  // awaited woke it, and the departure after it went unnoticed.
  for (const stay of [0, 300]) {
    it(`a client that sends one more byte, ${stay ? 'waits, ' : ''}then leaves aborts the upstream`, async () => {
      const { hostname, port } = new URL(s.url);
      const sock = net.connect(Number(port), hostname);
      sock.on('error', () => { /* destroyed on purpose */ });
      await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
      const body = JSON.stringify(chatBody('hang', { model: 'mock/fault-hang' }));
      sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const deadline = Date.now() + 5000;
      while ((await s.mock.chatRequests()).length === 0) {
        assert.ok(Date.now() < deadline, 'the request never reached the mock');
        await delay(20);
      }
      sock.write('G');
      await delay(stay);
      assert.equal((await s.mock.stats()).aborted, 0, 'aborted while the client was still there');
      sock.end();
      const st = await s.mock.waitStats((x) => x.aborted >= 1, 5000);
      assert.equal(st.aborted, 1);
      sock.destroy();
    });
  }
});
