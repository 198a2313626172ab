// The response cache on Redis through the binary (issue 12): the gateway
// with `response_cache.backend: "redis"` against real redis-servers on
// 127.0.0.1 (tests/db/server.sh). What the entries are is read back from
// Redis itself with redis-cli: under `redis_key_prefix`, in `redis_db`,
// behind `redis_password`, with the ttl as their expiry. Miss then hit,
// stream replay, namespace isolation, TTL expiry, the admin stats and
// clear; and a Redis that is down, taken away mid-run or hung (SIGSTOP)
// costs misses and a warning, never a failed or a hung request, and hits
// resume once it is back, without a restart.
//
// Runs under tests/db/with_server.sh redis (ctest's cache.gateway_redis),
// which exports the shared server's URL; the outage tests start scratch
// servers of their own. Skipped without that URL (integration.*).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, get, post, stream, chatBody, messagesBody, contentOf, eventJson, anthropicTextOf, typedProvider,
  mockProvider, upstreamChatRequests, delay, tmpDir, bearer, createUser, createToken, closedPort, ANTHROPIC_VERSION,
  MOCK_MODELS, REPO_ROOT,
} from './harness.mjs';

const REDIS_URL = process.env.AISBF_TEST_REDIS_URL;
const skip = REDIS_URL ? false : 'needs AISBF_TEST_REDIS_URL (ctest cache.gateway_redis, under tests/db/with_server.sh redis)';
const SERVER_SH = path.join(REPO_ROOT, 'tests', 'db', 'server.sh');

const det = (content, extra = {}) => chatBody(content, { temperature: 0, ...extra });
const said = (r) => r.json().choices[0].message.content;
const anthropicHeaders = { 'anthropic-version': ANTHROPIC_VERSION };
let unique = 0;
const fresh = (label) => `${label} ${process.pid} ${++unique}`;
const upstreamCalls = async (s) => (await upstreamChatRequests(s.mock)).length;
const cacheHeader = (r) => r.headers['x-aisbf-cache'];

// Sequential identical requests while nothing can be read back from the
// store: each a miss from upstream, but for one sent while the previous
// one was still storing its answer (it takes that answer from the flight:
// a hit, no call). `calls`: the upstream's count. The misses' count.
function assertNothingReadBack(headers, calls) {
  assert.equal(headers[0], 'miss');
  assert.ok(headers.every((h) => h === 'miss' || h === 'hit'), headers.join(','));
  const misses = headers.filter((h) => h === 'miss').length;
  assert.equal(calls, misses, headers.join(','));
  return misses;
}
// Each request is bounded by the client's own timeout: one that never
// ends fails the test (a hang), however long the others took.
const REQUEST = { timeoutMs: 20000 };

// A Redis server: where it is, and redis-cli on it.
class Redis {
  constructor(url) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.password = decodeURIComponent(u.password);
  }
  // One command's reply lines (redis-cli's raw output, not a terminal).
  cli(db, ...words) {
    const out = execFileSync('redis-cli', ['--no-auth-warning', '-h', this.host, '-p', String(this.port), '-n',
      String(db), ...words], { encoding: 'utf8', timeout: 10000, env: { ...process.env, REDISCLI_AUTH: this.password } });
    return out.split('\n').filter((l) => l !== '');
  }
  keys(db, prefix) { return this.cli(db, '--scan', '--pattern', `${prefix}*`); }
  // The response_cache section of a gateway on this server.
  section(extra = {}) {
    return { enabled: true, backend: 'redis', ttl: 600, redis_host: this.host, redis_port: this.port,
      redis_password: this.password, ...extra };
  }
}

function server(...args) {
  return execFileSync('bash', [SERVER_SH, ...args], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// A scratch redis-server of the test's own, which it may take down, bring
// back on the same port, or stop (SIGSTOP) and continue.
class ScratchRedis extends Redis {
  static start() {
    const dir = tmpDir('aisbf-redis-');
    const scratch = new ScratchRedis(server('start', 'redis', dir));
    scratch.dir = dir;
    scratch.onExit = () => scratch.stop();
    process.on('exit', scratch.onExit);  // also when the run is cut short
    return scratch;
  }
  pid() { return Number(fs.readFileSync(path.join(this.dir, 'redis.pid'), 'utf8')); }
  down() { server('down', this.dir); }
  up() { server('up', this.dir); }
  pause() { this.paused = this.pid(); process.kill(this.paused, 'SIGSTOP'); }
  resume() {
    if (!this.paused) return;
    try { process.kill(this.paused, 'SIGCONT'); } catch { /* gone */ }
    this.paused = undefined;
  }
  stop() {
    this.resume();
    try { server('stop', this.dir); } catch { /* best effort */ }
    process.off('exit', this.onExit);
  }
}

// Sends `body` until `inARow` answers in a row are hits (each one a 200).
// Bounded by the test's timeout, not by a clock of its own. Each worker
// thread of the gateway has its own Redis connection and reconnects on its
// own backoff, so after an outage one may hit while another still misses.
async function untilHit(s, body, inARow = 1) {
  for (let hits = 0; hits < inARow;) {
    const r = await post(s.u('/v1/chat/completions'), body, REQUEST);
    assert.equal(r.status, 200, r.text);
    hits = cacheHeader(r) === 'hit' ? hits + 1 : 0;
    if (hits === 0) await delay(100);
  }
}

function assertWarned(gw, password) {
  const log = gw.stdout + gw.stderr;
  assert.match(log, /response cache: (lookup failed|not kept)/, log.slice(-3000));
  if (password) assert.ok(!log.includes(password), 'the Redis password is not logged');
}

describe('response cache on Redis', { skip, timeout: 120000 }, () => {
  const ADMIN = 'redis-cache-admin-token';
  const admin = { headers: bearer(ADMIN), ...REQUEST };
  const prefix = `aisbf-test:${process.pid}:`;
  const DB = 3;
  let redis;
  let s;
  let users;
  const as = (who) => ({ headers: bearer(users[who]), ...REQUEST });

  before(async () => {
    redis = new Redis(REDIS_URL);
    const dir = tmpDir('aisbf-cache-redis-');
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(dir, 'aisbf.db') },
        response_cache: redis.section({ redis_db: DB, redis_key_prefix: prefix }) },
      providers: (u) => ({ mock: mockProvider(u, { models: MOCK_MODELS }), claude: typedProvider('anthropic', u, { id: 'claude' }) }),
    });
    users = {};
    for (const username of ['alice', 'bob']) {
      await createUser(s.url, bearer(ADMIN), { username, password: `pw-${username}-123456` });
      users[username] = (await createToken(s.url, bearer(ADMIN), username, { description: 'tests' })).token;
    }
  });
  after(async () => { await s?.stop(); });

  it('a miss keeps the answer in Redis, under redis_key_prefix in redis_db; the same request is then a hit', async () => {
    const text = fresh('kept in redis');
    const before = await upstreamCalls(s);
    const keysBefore = new Set(redis.keys(DB, prefix));
    const a = await post(s.u('/v1/chat/completions'), det(text), admin);
    assert.equal(a.status, 200, a.text);
    assert.equal(cacheHeader(a), 'miss');
    // The answer is kept after it was sent: wait for it (the test's timeout bounds the wait).
    let added;
    while ((added = redis.keys(DB, prefix).filter((k) => !keysBefore.has(k))).length === 0) await delay(50);
    assert.equal(added.length, 1, added.join(' '));
    const [key] = added;
    assert.match(key, new RegExp(`^${prefix}[0-9a-f]{64}$`));
    assert.deepEqual(redis.cli(DB, 'TYPE', key), ['hash']);
    assert.deepEqual(redis.cli(DB, 'HMGET', key, 'p', 'm'), ['mock', 'mock-model']);
    const pttl = Number(redis.cli(DB, 'PTTL', key)[0]);
    assert.ok(pttl > 0 && pttl <= 600000, `PTTL ${pttl}: the ttl is the entry's expiry`);
    // Nothing in the default database, nor under AISBF's default prefix.
    assert.deepEqual(redis.keys(0, prefix), []);
    assert.deepEqual(redis.keys(DB, 'aisbf:response:'), []);

    const b = await post(s.u('/v1/chat/completions'), det(text), admin);
    assert.equal(b.status, 200, b.text);
    assert.equal(cacheHeader(b), 'hit');
    assert.equal(said(b), `You said: ${text}`);
    assert.equal(b.json().usage.completion_tokens, a.json().usage.completion_tokens);
    assert.equal(await upstreamCalls(s), before + 1);
  });

  it('a stream stored in Redis is replayed as a stream, in both client formats', async () => {
    const text = fresh('streamed through redis with a few words');
    const before = await upstreamCalls(s);
    const body = det(text, { stream: true, stream_options: { include_usage: true } });
    const first = await stream(s.u('/v1/chat/completions'), body, admin);
    assert.equal(first.status, 200);
    assert.equal(cacheHeader(first), 'miss');
    const replay = await stream(s.u('/v1/chat/completions'), body, admin);
    assert.equal(cacheHeader(replay), 'hit');
    assert.equal(contentOf(replay.events), contentOf(first.events));
    assert.equal(replay.events.at(-1).data, '[DONE]');
    assert.ok(eventJson(replay.events).find((c) => c.usage)?.usage.completion_tokens > 0, replay.raw);
    assert.equal(await upstreamCalls(s), before + 1);

    const claude = messagesBody(fresh('anthropic through redis'), { model: 'claude/mock-model', temperature: 0, stream: true });
    const headers = { ...admin.headers, ...anthropicHeaders };
    const m1 = await stream(s.u('/v1/messages'), claude, { ...admin, headers });
    assert.equal(cacheHeader(m1), 'miss', m1.text);
    const m2 = await stream(s.u('/v1/messages'), claude, { ...admin, headers });
    assert.equal(cacheHeader(m2), 'hit');
    assert.equal(anthropicTextOf(m2.events), anthropicTextOf(m1.events));
    assert.equal(m2.events.at(-1).event, 'message_stop');
    assert.equal(await upstreamCalls(s), before + 2);
  });

  it("one user's answer in Redis is never served to another; each entry carries its namespace", async () => {
    const body = det(fresh('the same question in redis'));
    const before = await upstreamCalls(s);
    const a1 = await post(s.u('/v1/chat/completions'), body, as('alice'));
    const a2 = await post(s.u('/v1/chat/completions'), body, as('alice'));
    assert.deepEqual([cacheHeader(a1), cacheHeader(a2)], ['miss', 'hit']);
    const b1 = await post(s.u('/v1/chat/completions'), body, as('bob'));
    const b2 = await post(s.u('/v1/chat/completions'), body, as('bob'));
    assert.deepEqual([cacheHeader(b1), cacheHeader(b2)], ['miss', 'hit']);
    assert.equal(await upstreamCalls(s), before + 2);
    const spaces = redis.keys(DB, prefix).map((k) => redis.cli(DB, 'HGET', k, 's')[0]);
    assert.ok(spaces.includes('alice') && spaces.includes('bob'), spaces.join(','));
  });

  it('admin stats count the entries in Redis; clear by namespace and in full removes them there, and nothing else', async () => {
    // A key of someone else's in the same database, outside the prefix.
    const foreign = `not-ours:${process.pid}`;
    redis.cli(DB, 'SET', foreign, 'keep me');
    const r = await get(s.u('/api/admin/cache/stats'), admin);
    assert.equal(r.status, 200, r.text);
    const st = r.json();
    assert.equal(st.backend, 'redis');
    assert.equal(st.entries, redis.keys(DB, prefix).length, r.text);
    assert.ok(st.entries >= 4 && st.bytes > 0 && st.hits >= 4 && st.misses >= 4, r.text);

    const aliceKeys = redis.keys(DB, prefix).filter((k) => redis.cli(DB, 'HGET', k, 's')[0] === 'alice');
    assert.ok(aliceKeys.length >= 1);
    const byNamespace = await post(s.u('/api/admin/cache/clear'), { namespace: 'alice' }, admin);
    assert.equal(byNamespace.status, 200, byNamespace.text);
    assert.equal(byNamespace.json().cleared, aliceKeys.length);
    for (const k of aliceKeys) assert.deepEqual(redis.cli(DB, 'EXISTS', k), ['0']);
    assert.equal((await get(s.u('/api/admin/cache/stats'), admin)).json().entries, st.entries - aliceKeys.length);

    const all = await post(s.u('/api/admin/cache/clear'), undefined, admin);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json().cleared, st.entries - aliceKeys.length);
    assert.deepEqual(redis.keys(DB, prefix), []);
    assert.deepEqual(redis.cli(DB, 'GET', foreign), ['keep me']);
    const empty = (await get(s.u('/dashboard/response-cache/stats'), admin)).json();
    assert.deepEqual([empty.backend, empty.entries, empty.bytes, empty.hits, empty.misses], ['redis', 0, 0, 0, 0]);
    redis.cli(DB, 'DEL', foreign);
  });
});

describe('response cache on Redis: expiry and credentials', { skip, timeout: 120000 }, () => {
  it("an entry expires in Redis after the ttl, and the request after that is a miss", async () => {
    const redis = new Redis(REDIS_URL);
    const prefix = `aisbf-ttl:${process.pid}:`;
    const s = await startStack({ aisbf: { response_cache: redis.section({ ttl: 2, redis_key_prefix: prefix }) } });
    try {
      // The entry as Redis holds it, looked for once a hit proved it kept;
      // a slow run may look after it expired already (then again, anew).
      let text;
      let key;
      let pttl;
      for (let attempt = 0; attempt < 5 && !(pttl > 0); attempt++) {
        text = fresh('short lived in redis');
        await untilHit(s, det(text));
        [key] = redis.keys(0, prefix).filter((k) => redis.cli(0, 'EXISTS', k)[0] === '1');
        if (key) pttl = Number(redis.cli(0, 'PTTL', key)[0]);
      }
      assert.ok(pttl > 0 && pttl <= 2000, `PTTL ${pttl}: the ttl is the entry's expiry in Redis`);
      // Redis drops it by itself: poll (the test's timeout bounds the wait).
      while (redis.cli(0, 'EXISTS', key)[0] !== '0') await delay(100);
      const calls = await upstreamCalls(s);
      const b = await post(s.u('/v1/chat/completions'), det(text), REQUEST);
      assert.equal(cacheHeader(b), 'miss');
      assert.equal(said(b), `You said: ${text}`);
      assert.equal(await upstreamCalls(s), calls + 1);
    } finally {
      await s.stop();
    }
  });

  it('a wrong redis_password: every request answers from upstream (miss), a warning, the password never logged', async () => {
    const redis = new Redis(REDIS_URL);
    const wrong = `wrong-${redis.password}-x`;
    const prefix = `aisbf-auth:${process.pid}:`;
    const s = await startStack({ aisbf: { response_cache: redis.section({ redis_password: wrong, redis_key_prefix: prefix }) } });
    try {
      const text = fresh('wrong password');
      const headers = [];
      for (let i = 0; i < 3; i++) {
        const r = await post(s.u('/v1/chat/completions'), det(text), REQUEST);
        assert.equal(r.status, 200, r.text);
        assert.equal(said(r), `You said: ${text}`);
        headers.push(cacheHeader(r));
      }
      assertNothingReadBack(headers, await upstreamCalls(s));
      assert.deepEqual(redis.keys(0, prefix), []);
      assertWarned(s.gw, wrong);
    } finally {
      await s.stop();
    }
  });
});

describe('response cache on Redis: Redis down', { skip, timeout: 120000 }, () => {
  it('nothing listening on redis_port: every request is a miss from upstream, with a warning; concurrent ones still share one call', async () => {
    const port = await closedPort();
    const s = await startStack({
      aisbf: { response_cache: { enabled: true, backend: 'redis', redis_host: '127.0.0.1', redis_port: port } },
      providers: (u) => ({ mock: mockProvider(u, { models: [...MOCK_MODELS, 'fault-slow-1500'] }) }),
    });
    try {
      const text = fresh('no redis at all');
      const headers = [];
      for (let i = 0; i < 12; i++) {
        const r = await post(s.u('/v1/chat/completions'), det(text), REQUEST);
        assert.equal(r.status, 200, r.text);
        assert.equal(said(r), `You said: ${text}`);
        headers.push(cacheHeader(r));
      }
      const misses = assertNothingReadBack(headers, await upstreamCalls(s));
      assertWarned(s.gw);
      // Not two warnings per request (a failed lookup, a failed put): one
      // per 10 s, the others counted into the next.
      const warnings = (s.gw.stdout + s.gw.stderr).split('\n').filter((l) => /\[warning\].*response cache: /.test(l));
      assert.ok(warnings.length >= 1 && warnings.length < 12, warnings.join('\n'));

      // Identical requests while the first one's call lasts: its followers
      // are served from the answer it could not store (one upstream call).
      const slow = fresh('no redis, coalesced');
      const answers = await Promise.all(Array.from({ length: 8 }, () =>
        post(s.u('/v1/chat/completions'), det(slow, { model: 'mock/fault-slow-1500' }), REQUEST)));
      for (const r of answers) {
        assert.equal(r.status, 200, r.text);
        assert.equal(said(r), `You said: ${slow}`);
      }
      assert.deepEqual(answers.map(cacheHeader).sort(), [...Array(7).fill('hit'), 'miss']);
      assert.equal(await upstreamCalls(s), misses + 1);
    } finally {
      await s.stop();
    }
  });

  describe('a scratch Redis taken away under a running gateway', () => {
    let redis;
    let s;
    before(async () => {
      redis = ScratchRedis.start();
      s = await startStack({ aisbf: { response_cache: redis.section() } });
    });
    after(async () => {
      await s?.stop();
      redis?.stop();
    });

    // `workers` clients, each sending `count` requests one after another;
    // `during(sent)` runs once `sent` answers have come. Every answer is a
    // 200. `distinct`: each worker asks its own question (the first the
    // given one), so that no two requests in flight are identical: none
    // follows another's call (coalescing), each is a miss or a hit of its own.
    async function traffic(body, { workers = 4, count = 10, at = 8, during, distinct = false }) {
      let sent = 0;
      let fired;
      const headers = [];
      const text = body.messages[0].content;
      await Promise.all(Array.from({ length: workers }, async (_, w) => {
        const mine = distinct && w > 0 ? det(`${text} (worker ${w})`) : body;
        for (let i = 0; i < count; i++) {
          const r = await post(s.u('/v1/chat/completions'), mine, REQUEST);
          assert.equal(r.status, 200, r.text);
          assert.equal(said(r), `You said: ${mine.messages[0].content}`);
          headers.push(cacheHeader(r));
          if (++sent === at) fired = during();
        }
      }));
      await fired;
      return headers;
    }

    it('killed mid-run: requests keep answering (misses, a warning); restarted on the same port, hits resume', async () => {
      const body = det(fresh('redis goes away'));
      await untilHit(s, body);
      const headers = await traffic(body, { during: () => redis.down() });
      assert.ok(headers.includes('miss'), headers.join(','));
      // Down for good now: every answer a miss (eight questions at once,
      // each its own: identical ones would share one call).
      const calls = await upstreamCalls(s);
      const text = body.messages[0].content;
      const down = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        post(s.u('/v1/chat/completions'), i === 0 ? body : det(`${text} (${i})`), REQUEST)));
      assert.deepEqual(down.map((r) => [r.status, cacheHeader(r)]), Array(8).fill([200, 'miss']));
      assert.equal(await upstreamCalls(s), calls + 8);
      assertWarned(s.gw, redis.password);

      redis.up();  // empty: no persistence
      await untilHit(s, body, 6);
    });

    it('hung (SIGSTOP): requests still end, as misses from upstream; continued, hits resume without a reconnect storm', async () => {
      const body = det(fresh('redis hangs'));
      await untilHit(s, body);
      const [before] = redis.cli(0, 'INFO', 'stats').filter((l) => l.startsWith('total_connections_received:'));
      redis.pause();
      let answered;
      try {
        const calls = await upstreamCalls(s);
        const headers = await traffic(body, { workers: 4, count: 5, at: 1, during: () => {}, distinct: true });
        answered = headers.length;
        // Nothing read from Redis: misses from upstream, but for a request
        // sent while its worker's previous one still waited to store its
        // answer, which it took (coalesced: a hit, no call).
        assert.ok(headers.every((h) => h === 'miss' || h === 'hit'), headers.join(','));
        assert.equal(await upstreamCalls(s), calls + headers.filter((h) => h === 'miss').length);
      } finally {
        redis.resume();
      }
      await untilHit(s, body);
      const [after] = redis.cli(0, 'INFO', 'stats').filter((l) => l.startsWith('total_connections_received:'));
      const opened = Number(after.split(':')[1]) - Number(before.split(':')[1]) - 1;  // -1: redis-cli's own
      // Not a connection per request: reconnects back off.
      assert.ok(opened < answered, `${opened} connections for ${answered} requests while hung`);
    });
  });
});
