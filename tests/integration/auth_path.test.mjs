// The user-token request path through the binary: a garbage `aisbf_…` token
// costs the store one lookup, not one per request (GET /api/admin/health
// "accounts" counts them), and a user's principal, parked between the header
// check and the handler, always reaches its own request: two users' requests
// interleaved pipelined on one connection, across connections, and with far
// more requests checked in between than the parking ticket has values.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  startStack, get, request, chatBody, rawConn, createUser, createToken, bearer, mockProvider, model,
} from './harness.mjs';

const GLOBAL = 'global-token-1';
const admin = bearer(GLOBAL);
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Well-formed, and held by no store: 43 random base62 digits.
const garbageToken = () => {
  let s = 'aisbf_';
  for (let i = 0; i < 43; ++i) s += BASE62[randomInt(62)];
  return s;
};

describe('auth path', { timeout: 120000 }, () => {
  let s;
  let alice;
  let bob;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [GLOBAL] },
      providers: (u) => ({ mock: mockProvider(u, { models: [model('mock-model')] }) }),
    });
    await createUser(s.url, admin, { username: 'alice' });
    await createUser(s.url, admin, { username: 'bob' });
    // alice may send no chat request at all: a 429 naming her says whose principal served it.
    const patched = await request(s.u('/api/admin/users/alice'), {
      method: 'PATCH', body: { quotas: { requests_per_day: 0 } }, headers: admin,
    });
    assert.equal(patched.status, 200, patched.text);
    alice = (await createToken(s.url, admin, 'alice')).token;
    bob = (await createToken(s.url, admin, 'bob')).token;
  });
  after(async () => { await s?.stop(); });

  const accounts = async () => {
    const r = await get(s.u('/api/admin/health'), { headers: admin });
    assert.equal(r.status, 200, r.text);
    return r.json().accounts;
  };

  it('one garbage token, asked again and again: the store is asked once', async () => {
    const before = await accounts();
    const token = garbageToken();
    for (let i = 0; i < 20; ++i) {
      const r = await get(s.u('/v1/models'), { headers: bearer(token) });
      assert.equal(r.status, 401, r.text);
    }
    const after = await accounts();
    const lookups = after.token_store_lookups - before.token_store_lookups;
    // A full refresh from the store (every 30 s) forgets what was remembered: one more lookup each.
    assert.ok(lookups >= 1 && lookups <= 1 + (after.index_loads - before.index_loads),
      `lookups ${lookups}, refreshes ${after.index_loads - before.index_loads}`);
    assert.ok(after.unknown_tokens >= 1);
  });

  it('a flood of distinct garbage tokens stays within the bound, and real tokens still work', async () => {
    const before = await accounts();
    for (let i = 0; i < 40; ++i) {
      assert.equal((await get(s.u('/v1/models'), { headers: bearer(garbageToken()) })).status, 401);
    }
    const after = await accounts();
    assert.equal(after.token_store_lookups - before.token_store_lookups, 40);
    assert.ok(after.unknown_tokens <= after.max_unknown_tokens);
    assert.equal((await get(s.u('/v1/models'), { headers: bearer(bob) })).status, 200);
    // A token made now is found at once, with no store lookup.
    const fresh = (await createToken(s.url, admin, 'bob')).token;
    const mid = await accounts();
    assert.equal((await get(s.u('/api/auth/me'), { headers: bearer(fresh) })).json().user, 'bob');
    assert.equal((await accounts()).token_store_lookups, mid.token_store_lookups);
  });

  // A raw HTTP/1.1 request; `body` is sent later by the caller when `split`.
  const port = () => new URL(s.url).port;
  const meRequest = (token) =>
    `GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nAuthorization: Bearer ${token}\r\n\r\n`;
  const chatHead = (token, body) =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  // The complete responses in `text` (each framed by its Content-Length), in order.
  function parse(text) {
    const out = [];
    let at = 0;
    for (;;) {
      const end = text.indexOf('\r\n\r\n', at);
      if (end < 0) return out;
      const head = text.slice(at, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (text.length < end + 4 + length) return out;
      out.push({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)[1]), body: text.slice(end + 4, end + 4 + length) });
      at = end + 4 + length;
    }
  }
  async function responses(conn, n) {
    return parse(await conn.read((d) => parse(d).length >= n, 20000, `${n} responses`));
  }

  it('pipelined on one connection, alternating users: each answer is its own caller\'s', async () => {
    const conn = rawConn(s.url);
    await conn.connected;
    const order = Array.from({ length: 40 }, (_, i) => (i % 3 === 1 ? 'bob' : 'alice'));
    conn.sock.write(order.map((u) => meRequest(u === 'alice' ? alice : bob)).join(''));
    const got = await responses(conn, order.length);
    assert.equal(got.length, order.length);
    got.forEach((r, i) => {
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).user, order[i], `response ${i}`);
    });
    conn.sock.destroy();
  });

  it('bodies held back while 600 other requests are checked: each chat request keeps its principal', async () => {
    const body = JSON.stringify(chatBody('hi', { model: 'mock/mock-model', max_tokens: 4 }));
    // Heads first, bodies later: the principals wait parked meanwhile.
    const waiting = [];
    for (let i = 0; i < 8; ++i) {
      const user = i % 2 ? 'bob' : 'alice';
      const conn = rawConn(s.url);
      await conn.connected;
      conn.sock.write(chatHead(user === 'alice' ? alice : bob, body));
      waiting.push({ user, conn });
    }
    // 600 requests of both users, pipelined on four connections (both workers see many).
    const floods = [];
    for (let c = 0; c < 4; ++c) {
      const conn = rawConn(s.url);
      await conn.connected;
      const order = Array.from({ length: 150 }, (_, i) => ((i + c) % 2 ? 'bob' : 'alice'));
      conn.sock.write(order.map((u) => meRequest(u === 'alice' ? alice : bob)).join(''));
      floods.push({ conn, order });
    }
    for (const { conn, order } of floods) {
      const got = await responses(conn, order.length);
      got.forEach((r, i) => assert.equal(JSON.parse(r.body).user, order[i], `flood response ${i}`));
      conn.sock.destroy();
    }
    for (const w of waiting.reverse()) w.conn.sock.write(body);
    for (const { user, conn } of waiting) {
      const [r] = await responses(conn, 1);
      if (user === 'alice') {
        assert.equal(r.status, 429, r.body);
        assert.match(JSON.parse(r.body).error.message, /user alice: requests_per_day 0 reached/);
      } else {
        assert.equal(r.status, 200, r.body);
      }
      conn.sock.destroy();
    }
  });
});
