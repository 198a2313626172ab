// The user store through the binary, one body for every backend: SQLite
// always; PostgreSQL or MariaDB when tests/db/with_server.sh started one
// (AISBF_TEST_POSTGRES_URL, AISBF_TEST_MYSQL_URL: ctest's
// store.gateway_postgres and store.gateway_mysql run this file that way).
// First start, login, users, tokens, a chat, a user's provider, usage rows,
// a second instance on the same database seen through the periodic index
// reload, and a restart that keeps the session and the token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startMock, startGateway, writeConfigDir, mockProvider, get, post, request, chatBody, assertError, delay,
  initialAdminPassword, loginReady, createUser, createToken, bearer, MOCK_KEY,
  noteSecrets, secretsIn,
} from './harness.mjs';

const GLOBAL = 'store-backends-global-token';
const global = bearer(GLOBAL);
// Short, so that a test sees several reloads in a second or two.
const REFRESH_SECONDS = 1;

// Each backend's `database` section, in two spellings where it has two: the
// first start uses `first`, the restart `second`, so both are driven.
function backends() {
  const out = [];
  const pg = process.env.AISBF_TEST_POSTGRES_URL;
  const my = process.env.AISBF_TEST_MYSQL_URL;
  if (pg) {
    const u = new URL(pg);
    out.push({
      name: 'postgres',
      first: { type: 'postgres', postgres_url: pg },
      second: {
        type: 'postgresql', postgres_host: u.hostname, postgres_port: Number(u.port),
        postgres_user: decodeURIComponent(u.username), postgres_password: decodeURIComponent(u.password),
        postgres_database: u.pathname.slice(1),
      },
    });
  }
  if (my) {
    const u = new URL(my);
    const fields = {
      mysql_host: u.hostname, mysql_port: Number(u.port), mysql_user: decodeURIComponent(u.username),
      mysql_password: decodeURIComponent(u.password), mysql_database: u.pathname.slice(1),
    };
    out.push({ name: 'mariadb', first: { type: 'mysql', ...fields }, second: { type: 'mariadb', ...fields } });
  }
  // SQLite when no server was started for this run (the plain integration run).
  if (out.length === 0) out.push({ name: 'sqlite', first: { type: 'sqlite' }, second: {} });
  return out;
}

function writeDatabase(configDir, database) {
  const file = path.join(configDir, 'aisbf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.database = { ...database, accounts_refresh_seconds: REFRESH_SECONDS };
  noteSecrets(secretsIn(database));
  fs.writeFileSync(file, JSON.stringify(json, null, 2), { mode: 0o600 });
}

// Polls `probe` until it returns a truthy value (bounded); returns it and
// how many probes it took.
async function until(probe, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (let n = 1; ; n++) {
    const got = await probe();
    if (got) return { got, probes: n };
    if (Date.now() > deadline) throw new Error(`never happened within ${ms} ms: ${what}`);
    await delay(100);
  }
}

const said = (r) => r.json().choices[0].message.content;

for (const backend of backends()) {
  describe(`aisbf on ${backend.name}`, { timeout: 120000 }, () => {
    let mock;
    let gw;
    let configDir;
    let session;  // the admin's
    let userToken;
    let password;

    before(async () => {
      mock = await startMock();
      configDir = writeConfigDir({
        mockUrl: mock.url, auth: { enabled: true, tokens: [GLOBAL] },
        providers: { mock: mockProvider(mock.url, { models: ['mock-model'] }) },
      });
      writeDatabase(configDir, backend.first);
      gw = await startGateway(configDir);
    });
    after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); });

    it('first start: the admin logs in and makes a user and a token that chats through the mock', async () => {
      password = initialAdminPassword(configDir);
      session = await loginReady(gw.url, 'admin', password);
      await createUser(gw.url, session.headers(), { username: 'uma' });
      // Her own provider is the mock, on loopback: an admin allows it.
      const allow = await request(`${gw.url}/api/admin/users/uma`,
        { method: 'PATCH', body: { allow_private_endpoints: true }, headers: session.headers() });
      assert.equal(allow.status, 200, allow.text);
      const created = await createToken(gw.url, session.headers(), 'uma', { description: 'laptop' });
      userToken = created;
      const chat = await post(`${gw.url}/api/v1/chat/completions`, chatBody('as uma'), { headers: bearer(created.token) });
      assert.equal(chat.status, 200, chat.text);
      assert.equal(said(chat), 'You said: as uma');
    });

    it('the admin\'s own name with a trailing space is 404: no way around the own-account check', async () => {
      // MariaDB's utf8mb4_bin ignores trailing spaces: "admin " finds admin's row.
      for (const [method, body] of [['PATCH', { active: false }], ['PATCH', { role: 'user' }], ['DELETE', undefined]]) {
        const r = await request(`${gw.url}/api/admin/users/admin%20`, { method, body, headers: session.headers() });
        assertError(r, 404, 'user_not_found');
      }
      const me = await get(`${gw.url}/api/admin/users/admin`, { headers: session.headers(false) });
      assert.deepEqual([me.json().role, me.json().active], ['admin', true]);
    });

    it('a user provider is saved in the database and used', async () => {
      const saved = await request(`${gw.url}/api/user/providers/mine`, {
        method: 'PUT', headers: bearer(userToken.token),
        body: { type: 'openai', endpoint: `${mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }] },
      });
      assert.equal(saved.status, 201, saved.text);
      await mock.reset();
      const chat = await post(`${gw.url}/api/v1/chat/completions`,
        chatBody('own provider', { model: 'user-provider/mine/mock-model' }), { headers: bearer(userToken.token) });
      assert.equal(chat.status, 200, chat.text);
      assert.equal(said(chat), 'You said: own provider');
      assert.equal((await mock.chatRequests()).length, 1);
    });

    it('usage rows are written and read back through GET /api/admin/usage', async () => {
      const { got: uma } = await until(async () => {
        const flush = await post(`${gw.url}/api/admin/usage/flush`, undefined, { headers: global });
        assert.equal(flush.status, 200, flush.text);
        const r = await get(`${gw.url}/api/admin/usage?from=0&group_by=user`, { headers: session.headers(false) });
        assert.equal(r.status, 200, r.text);
        const group = r.json().groups.find((g) => g.key === 'uma');
        return group?.requests >= 2 && group;
      }, 'two usage rows for uma');
      assert.equal(uma.requests, 2);
      assert.ok(uma.prompt_tokens > 0 && uma.completion_tokens > 0, JSON.stringify(uma));
      const csv = await get(`${gw.url}/api/admin/usage?from=0&format=csv&user=uma`, { headers: global });
      assert.equal(csv.status, 200, csv.text);
      assert.equal(csv.text.trim().split('\r\n').length, 3, csv.text);  // a header and two rows
    });

    it('another instance on the same database: its token works here, its revocation is seen at the reload; the session lives on', async () => {
      const other = await startGateway(configDir);
      try {
        const made = await createToken(other.url, global, 'uma', { description: 'made elsewhere' });
        const me = await get(`${gw.url}/api/auth/me`, { headers: bearer(made.token) });
        assert.equal(me.status, 200, me.text);
        assert.deepEqual(me.json(), { kind: 'user_token', user: 'uma', role: 'user', must_change_password: false });

        // userToken is in this instance's index (used above); only the
        // periodic reload can tell it about a revocation made over there.
        const del = await request(`${other.url}/api/admin/users/uma/tokens/${userToken.id}`, { method: 'DELETE', headers: global });
        assert.equal(del.status, 204, del.text);
        let sessionChecks = 0;
        const { probes } = await until(async () => {
          const mine = await get(`${gw.url}/api/auth/me`, { headers: session.headers(false) });
          assert.equal(mine.status, 200, `the session failed during the reloads: ${mine.text}`);
          sessionChecks++;
          return (await get(`${gw.url}/api/auth/me`, { headers: bearer(userToken.token) })).status === 401;
        }, 'the token revoked elsewhere refused here');
        assert.equal(sessionChecks, probes);
        assertError(await post(`${gw.url}/api/v1/chat/completions`, chatBody('x'), { headers: bearer(userToken.token) }), 401);

        // Past at least one more reload, the session still writes (its CSRF
        // token came back from the store with it).
        await delay(REFRESH_SECONDS * 1000 * 2 + 200);
        const write = await post(`${gw.url}/api/user/tokens`, { description: 'after reloads' }, { headers: session.headers() });
        assert.equal(write.status, 201, write.text);
        userToken = made;
      } finally {
        await other.stop();
      }
    });

    it('a restart keeps the session and the token; the admin password is not made again', async () => {
      await gw.stop();
      writeDatabase(configDir, { ...backend.first, ...backend.second });
      gw = await startGateway(configDir);
      assert.ok(!(gw.stdout + gw.stderr).includes(password), 'the admin password was printed again');
      const me = await get(`${gw.url}/api/auth/me`, { headers: session.headers(false) });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json().user, 'admin');
      const chat = await post(`${gw.url}/api/v1/chat/completions`, chatBody('after restart'), { headers: bearer(userToken.token) });
      assert.equal(chat.status, 200, chat.text);
      const users = await get(`${gw.url}/api/admin/users`, { headers: session.headers(false) });
      assert.equal(users.status, 200, users.text);
      assert.deepEqual(users.json().data.map((u) => u.username).sort(), ['admin', 'uma']);
    });
  });
}
