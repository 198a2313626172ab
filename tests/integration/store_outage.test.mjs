// A database that goes away under a running aisbf (issue 9): requests that
// do not need it (global tokens, cached user tokens and sessions) keep being
// served; routes that need it answer 503 `store_unavailable` at once rather
// than hang; once the database is back the same routes work again without a
// restart. PostgreSQL, on a scratch server of this file's own (started with
// tests/db/server.sh, which `down` and `up` stop and restart on the same
// port). Runs when tests/db/with_server.sh started PostgreSQL for the run
// (ctest's store.gateway_postgres); skipped otherwise.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
    ['create a token', () => post(`${url}/api/admin/users/olga/tokens`, {}, { headers: global })],
    ['list users', () => get(`${url}/api/admin/users`, { headers: global })],
    ['log in', () => post(`${url}/api/auth/login`, { username: 'olga', password: 'password-123' })],
    ['a token the index has not seen', () => get(`${url}/api/auth/me`, { headers: bearer(`aisbf_${'Q'.repeat(43)}`) })],
    ['a session writes a token', () => post(`${url}/api/user/tokens`, {}, { headers: session.headers() })],
  ];
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
      aisbf: { database: { type: 'postgres', postgres_url: url } },
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
});
