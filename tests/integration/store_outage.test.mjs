// A database that goes away under a running aisbf (issue 9): requests that
// do not need it (global tokens, cached user tokens and sessions) keep being
// served; routes that need it answer 503 `store_unavailable` rather than
// hang: at once when the server is down, after the statement timeout (1 s
// here) + 2 s when it hangs (its processes stopped: TCP stays open and
// nothing answers); once the database is back the same routes work again
// without a restart. On a scratch server of this file's own
// (tests/db/server.sh, whose `down` and `up` stop and restart PostgreSQL on
// the same port): PostgreSQL down, up and hung; MariaDB hung. Each runs when
// tests/db/with_server.sh started that kind of server for the run (ctest's
// store.gateway_postgres, store.gateway_mysql); skipped otherwise.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startMock, startGateway, writeConfigDir, mockProvider, get, post, request, chatBody, assertError, tmpDir,
  initialAdminPassword, login, createUser, createToken, bearer, REPO_ROOT,
} from './harness.mjs';

const GLOBAL = 'store-outage-global-token';
const global = bearer(GLOBAL);
const OLGA_PASSWORD = 'olga-own-password';
const SERVER_SH = path.join(REPO_ROOT, 'tests', 'db', 'server.sh');
const wantPostgres = Boolean(process.env.AISBF_TEST_POSTGRES_URL);
const wantMariadb = Boolean(process.env.AISBF_TEST_MYSQL_URL);

function server(...args) {
  return execFileSync('bash', [SERVER_SH, ...args], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// Every route here that needs the store, asked with credentials that are cached.
function storeRoutes(url, session) {
  return [
    ['create a token', (o) => post(`${url}/api/admin/users/olga/tokens`, {}, { ...o, headers: global })],
    ['list users', (o) => get(`${url}/api/admin/users`, { ...o, headers: global })],
    ['log in', (o) => post(`${url}/api/auth/login`, { username: 'olga', password: OLGA_PASSWORD }, o)],
    ['a token the index has not seen', (o) => get(`${url}/api/auth/me`, { ...o, headers: bearer(`aisbf_${'Q'.repeat(43)}`) })],
    ['a session writes a token', (o) => post(`${url}/api/user/tokens`, {}, { ...o, headers: session.headers() })],
  ];
}

// The server's processes, by pid: PostgreSQL's postmaster and its backends,
// or mariadbd (one process).
function serverPids(kind, dbDir) {
  if (kind === 'mariadb') return [Number(fs.readFileSync(path.join(dbDir, 'mysqld.pid'), 'utf8'))];
  const postmaster = Number(fs.readFileSync(path.join(dbDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['--ppid', String(postmaster), '-o', 'pid='], { encoding: 'utf8' })
    .split(/\s+/).filter(Boolean).map(Number);
  return [postmaster, ...children];
}

function databaseSection(kind, url) {
  if (kind === 'postgres') return { type: 'postgres', postgres_url: url, statement_timeout_seconds: 1 };
  const u = new URL(url);
  return {
    type: 'mysql', mysql_host: u.hostname, mysql_port: Number(u.port), mysql_user: decodeURIComponent(u.username),
    mysql_password: decodeURIComponent(u.password), mysql_database: u.pathname.slice(1), statement_timeout_seconds: 1,
  };
}

// A scratch server of `kind`, the mock and aisbf on it, and olga with a
// token and a session that aisbf has seen (so they are in its index).
class Scratch {
  constructor(kind) { this.kind = kind; }
  async start() {
    this.dbDir = tmpDir(`aisbf-${this.kind}-`);
    this.onExit = () => this.stopServer();
    process.on('exit', this.onExit);  // also when the run is cut short
    const url = server('start', this.kind, this.dbDir);
    this.mock = await startMock();
    const configDir = writeConfigDir({
      mockUrl: this.mock.url, auth: { enabled: true, tokens: [GLOBAL] },
      providers: { mock: mockProvider(this.mock.url, { models: ['mock-model'] }) },
      aisbf: { database: databaseSection(this.kind, url) },
    });
    this.gw = await startGateway(configDir);
    assert.ok(initialAdminPassword(configDir));
    await createUser(this.gw.url, global, { username: 'olga' });
    this.token = (await createToken(this.gw.url, global, 'olga')).token;
    // Her own password (the one an admin set must be changed before her session may do anything).
    const change = await request(`${this.gw.url}/api/user/password`, {
      method: 'PATCH', headers: bearer(this.token), body: { current_password: 'password-123', new_password: OLGA_PASSWORD },
    });
    assert.equal(change.status, 204, change.text);
    this.session = await login(this.gw.url, 'olga', OLGA_PASSWORD);
    assert.equal(this.session.res.status, 200, this.session.res.text);
    assert.equal((await this.chat(bearer(this.token), 'seen')).status, 200);
  }
  chat(headers, what) { return post(`${this.gw.url}/api/v1/chat/completions`, chatBody(what), { headers }); }
  routes() { return storeRoutes(this.gw.url, this.session); }
  stopServer() {
    if (!this.dbDir) return;
    try { server('stop', this.dbDir); } catch { /* best effort */ }
    this.dbDir = undefined;
  }
  async stop() {
    await Promise.all([this.gw?.stop(), this.mock?.stop()]);
    this.stopServer();
    process.off('exit', this.onExit);
  }
}

// The server's processes stopped: TCP stays open and nothing answers.
async function hungServerCase(x) {
  const pids = serverPids(x.kind, x.dbDir);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  try {
    assert.equal((await x.chat(global, 'global while hung')).status, 200);
    assert.equal((await x.chat(bearer(x.token), 'user while hung')).status, 200);
    const routes = x.routes().filter(([what]) => what === 'create a token' || what === 'log in');
    for (const [what, call] of routes) {
      // Bounded by the statement timeout + 2 s, and a reconnect's 1-2 s:
      // 20 s tells an answer from a hang without timing the answer.
      const r = await call({ timeoutMs: 20000 });
      assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
      assertError(r, 503, 'store_unavailable');
    }
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  }
  const created = await post(`${x.gw.url}/api/admin/users/olga/tokens`, {}, { headers: global });
  assert.equal(created.status, 201, created.text);
  const again = await post(`${x.gw.url}/api/auth/login`, { username: 'olga', password: OLGA_PASSWORD });
  assert.equal(again.status, 200, again.text);
}

describe('PostgreSQL going away under aisbf', { timeout: 120000, skip: !wantPostgres && 'needs tests/db/with_server.sh postgres' }, () => {
  const x = new Scratch('postgres');
  before(() => x.start());
  after(() => x.stop());

  it('down: global and cached user credentials are served; store routes answer 503 store_unavailable', async () => {
    server('down', x.dbDir);
    const byGlobal = await x.chat(global, 'global while down');
    assert.equal(byGlobal.status, 200, byGlobal.text);
    const byUser = await x.chat(bearer(x.token), 'user while down');
    assert.equal(byUser.status, 200, byUser.text);
    const me = await get(`${x.gw.url}/api/auth/me`, { headers: x.session.headers(false) });
    assert.equal(me.status, 200, me.text);
    for (const [what, call] of x.routes()) {
      const r = await call();  // the harness's 5 s request timeout: an answer, not a hang
      assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
      assertError(r, 503, 'store_unavailable');
    }
    assert.equal((await x.chat(bearer(x.token), 'still')).status, 200);
  });

  it('up again: the same routes work without restarting aisbf', async () => {
    server('up', x.dbDir);
    const answers = [];
    for (const [what, call] of x.routes()) answers.push([what, (await call()).status]);
    assert.deepEqual(answers, [
      ['create a token', 201], ['list users', 200], ['log in', 200],
      ['a token the index has not seen', 401], ['a session writes a token', 201],
    ]);
  });

  it('hung: cached credentials are served; store routes answer 503 instead of hanging; resumed, they work',
    () => hungServerCase(x));
});

describe('MariaDB hanging under aisbf', { timeout: 120000, skip: !wantMariadb && 'needs tests/db/with_server.sh mariadb' }, () => {
  const x = new Scratch('mariadb');
  before(() => x.start());
  after(() => x.stop());

  it('hung: cached credentials are served; store routes answer 503 instead of hanging; resumed, they work',
    () => hungServerCase(x));
});
