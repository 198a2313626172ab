// A database that goes away under a running aisbf (issue 9): requests that
// do not need it (global tokens, cached user tokens and sessions) keep being
// served; routes that need it answer 503 `store_unavailable` rather than
// hang: at once when the server is down, after the statement timeout (1 s
// here) + 2 s when it hangs (its processes stopped: TCP stays open and
// nothing answers); once the database is back the same routes work again
// without a restart. PostgreSQL, on a scratch server of this file's own (started with
// tests/db/server.sh, which `down` and `up` stop and restart on the same
// port). Runs when tests/db/with_server.sh started PostgreSQL for the run
// (ctest's store.gateway_postgres); skipped otherwise.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startMock, startGateway, writeConfigDir, mockProvider, get, post, chatBody, assertError, tmpDir,
  initialAdminPassword, login, createUser, createToken, bearer, REPO_ROOT,
} from './harness.mjs';

const GLOBAL = 'store-outage-global-token';
const global = bearer(GLOBAL);
const SERVER_SH = path.join(REPO_ROOT, 'tests', 'db', 'server.sh');
const wanted = Boolean(process.env.AISBF_TEST_POSTGRES_URL);

function server(...args) {
  return execFileSync('bash', [SERVER_SH, ...args], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// Every route here that needs the store, asked with credentials that are cached.
function storeRoutes(url, session) {
  return [
    ['create a token', (o) => post(`${url}/api/admin/users/olga/tokens`, {}, { ...o, headers: global })],
    ['list users', (o) => get(`${url}/api/admin/users`, { ...o, headers: global })],
    ['log in', (o) => post(`${url}/api/auth/login`, { username: 'olga', password: 'password-123' }, o)],
    ['a token the index has not seen', (o) => get(`${url}/api/auth/me`, { ...o, headers: bearer(`aisbf_${'Q'.repeat(43)}`) })],
    ['a session writes a token', (o) => post(`${url}/api/user/tokens`, {}, { ...o, headers: session.headers() })],
  ];
}

// The server's processes (postmaster and backends), by pid.
function serverPids(dbDir) {
  const postmaster = Number(fs.readFileSync(path.join(dbDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['--ppid', String(postmaster), '-o', 'pid='], { encoding: 'utf8' })
    .split(/\s+/).filter(Boolean).map(Number);
  return [postmaster, ...children];
}

describe('PostgreSQL going away under aisbf', { timeout: 120000, skip: !wanted && 'needs tests/db/with_server.sh postgres' }, () => {
  let dbDir;
  let mock;
  let gw;
  let session;  // olga's
  let token;    // olga's
  const stopServer = () => { if (dbDir) try { server('stop', dbDir); } catch { /* best effort */ } };

  before(async () => {
    dbDir = tmpDir('aisbf-pg-');
    process.on('exit', stopServer);  // also when the run is cut short
    const url = server('start', 'postgres', dbDir);
    mock = await startMock();
    const configDir = writeConfigDir({
      mockUrl: mock.url, auth: { enabled: true, tokens: [GLOBAL] },
      providers: { mock: mockProvider(mock.url, { models: ['mock-model'] }) },
      aisbf: { database: { type: 'postgres', postgres_url: url, statement_timeout_seconds: 1 } },
    });
    gw = await startGateway(configDir);
    assert.ok(initialAdminPassword(configDir));
    await createUser(gw.url, global, { username: 'olga' });
    token = (await createToken(gw.url, global, 'olga')).token;
    session = await login(gw.url, 'olga', 'password-123');
    assert.equal(session.res.status, 200, session.res.text);
  });
  after(async () => {
    await Promise.all([gw?.stop(), mock?.stop()]);
    stopServer();
    dbDir = undefined;
  });

  it('down: global and cached user credentials are served; store routes answer 503 store_unavailable', async () => {
    const chat = (headers, what) => post(`${gw.url}/api/v1/chat/completions`, chatBody(what), { headers });
    assert.equal((await chat(bearer(token), 'before')).status, 200);  // the token is in the index
    server('down', dbDir);

    const byGlobal = await chat(global, 'global while down');
    assert.equal(byGlobal.status, 200, byGlobal.text);
    const byUser = await chat(bearer(token), 'user while down');
    assert.equal(byUser.status, 200, byUser.text);
    const me = await get(`${gw.url}/api/auth/me`, { headers: session.headers(false) });
    assert.equal(me.status, 200, me.text);
    for (const [what, call] of storeRoutes(gw.url, session)) {
      const r = await call();  // the harness's 5 s request timeout: an answer, not a hang
      assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
      assertError(r, 503, 'store_unavailable');
    }
    assert.equal((await chat(bearer(token), 'still')).status, 200);
  });

  it('up again: the same routes work without restarting aisbf', async () => {
    server('up', dbDir);
    const answers = [];
    for (const [what, call] of storeRoutes(gw.url, session)) answers.push([what, (await call()).status]);
    assert.deepEqual(answers, [
      ['create a token', 201], ['list users', 200], ['log in', 200],
      ['a token the index has not seen', 401], ['a session writes a token', 201],
    ]);
  });

  it('hung: cached credentials are served; store routes answer 503 instead of hanging; resumed, they work', async () => {
    const chat = (headers, what) => post(`${gw.url}/api/v1/chat/completions`, chatBody(what), { headers });
    const pids = serverPids(dbDir);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      assert.equal((await chat(global, 'global while hung')).status, 200);
      assert.equal((await chat(bearer(token), 'user while hung')).status, 200);
      const routes = storeRoutes(gw.url, session).filter(([what]) => what === 'create a token' || what === 'log in');
      for (const [what, call] of routes) {
        // Bounded by the statement timeout + 2 s, and a reconnect's 2 s:
        // 20 s tells an answer from a hang without timing the answer.
        const r = await call({ timeoutMs: 20000 });
        assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
        assertError(r, 503, 'store_unavailable');
      }
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    const created = await post(`${gw.url}/api/admin/users/olga/tokens`, {}, { headers: global });
    assert.equal(created.status, 201, created.text);
    const again = await post(`${gw.url}/api/auth/login`, { username: 'olga', password: 'password-123' });
    assert.equal(again.status, 200, again.text);
  });
});
