// The authorization matrix, through the binary with auth on: every account
// route × every kind of caller, asserting the exact status. The table is
// data: a later route is one more row.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, request, chatBody, initialAdminPassword, login, loginReady, createUser, createToken, bearer,
} from './harness.mjs';

const GLOBAL = 'global-token-1';
const PASSWORD = { a: 'password-of-a', b: 'password-of-b' };

// The callers, in column order.
const CALLERS = ['anonymous', 'tokenA', 'tokenB', 'sessionA', 'sessionA+csrf', 'adminSession', 'global'];

// One row per route: method, path and body (functions of the world `w` and
// the caller, so writes get fresh targets; `label` names such a path), then
// the status for each caller.
let seq = 0;
const fresh = (prefix) => `${prefix}${Date.now() % 100000}x${seq++}`;
const ROUTES = [
  { method: 'GET', path: '/api/auth/me', expect: [401, 200, 200, 200, 200, 200, 200] },
  {
    method: 'POST', path: '/api/auth/login', body: () => ({ username: 'a', password: PASSWORD.a }),
    expect: [200, 200, 200, 200, 200, 200, 200],
  },
  { method: 'POST', path: '/api/auth/logout', body: () => ({}), expect: [401, 403, 403, 403, 204, 204, 403] },
  { method: 'GET', path: '/api/admin/users', expect: [401, 403, 403, 403, 403, 200, 200] },
  {
    method: 'POST', path: '/api/admin/users', body: () => ({ username: fresh('u'), password: 'password-123' }),
    expect: [401, 403, 403, 403, 403, 201, 201],
  },
  { method: 'GET', path: '/api/admin/users/a', expect: [401, 403, 403, 403, 403, 200, 200] },
  { method: 'GET', path: '/api/admin/users/nobody', expect: [401, 403, 403, 403, 403, 404, 404] },
  {
    method: 'PATCH', path: '/api/admin/users/a', body: () => ({ allow_private_endpoints: false }),
    expect: [401, 403, 403, 403, 403, 200, 200],
  },
  {
    method: 'DELETE', label: '/api/admin/users/{a fresh user}', path: async (w) => `/api/admin/users/${await w.newUser()}`,
    expect: [401, 403, 403, 403, 403, 204, 204],
  },
  { method: 'GET', path: '/api/admin/users/a/tokens', expect: [401, 403, 403, 403, 403, 200, 200] },
  {
    method: 'POST', path: '/api/admin/users/a/tokens', body: () => ({ description: 'matrix' }),
    expect: [401, 403, 403, 403, 403, 201, 201],
  },
  {
    method: 'DELETE', label: '/api/admin/users/a/tokens/{a fresh token}',
    path: async (w) => `/api/admin/users/a/tokens/${await w.newTokenOf('a')}`,
    expect: [401, 403, 403, 403, 403, 204, 204],
  },
  { method: 'GET', path: '/api/user/tokens', expect: [401, 200, 200, 200, 200, 200, 403] },
  { method: 'POST', path: '/api/user/tokens', body: () => ({}), expect: [401, 201, 201, 403, 201, 201, 403] },
  {
    // A's token: its owner deletes it, anyone else's namespace has no such id.
    method: 'DELETE', label: '/api/user/tokens/{a fresh token of a}',
    path: async (w) => `/api/user/tokens/${await w.newTokenOf('a')}`,
    expect: [401, 204, 404, 403, 204, 404, 403],
  },
  {
    method: 'PATCH', path: '/api/user/password',
    // A new password each time (the same one is a 400); kept for later logins where it is expected to change.
    body: (w, caller) => {
      const current = w.passwordOf(caller);
      const next = current.endsWith('-2') ? current.slice(0, -2) : `${current}-2`;
      if (['tokenA', 'tokenB', 'sessionA+csrf', 'adminSession'].includes(caller)) w.setPasswordOf(caller, next);
      return { current_password: current, new_password: next };
    },
    expect: [401, 204, 204, 403, 204, 204, 403],
  },
  // Routes from before the user store, as these callers see them.
  { method: 'GET', path: '/api/v1/models', expect: [401, 200, 200, 200, 200, 200, 200] },
  {
    method: 'POST', path: '/api/v1/chat/completions', body: () => chatBody('matrix'),
    expect: [401, 200, 200, 403, 200, 200, 200],
  },
  { method: 'GET', path: '/api/admin/health', expect: [401, 403, 403, 403, 403, 200, 200] },
];

describe('authorization matrix (auth on)', { timeout: 300000 }, () => {
  let s;
  const w = {};
  const global = bearer(GLOBAL);

  before(async () => {
    s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] } });
    w.adminPassword = initialAdminPassword(s.configDir);
    await createUser(s.url, global, { username: 'a', password: PASSWORD.a });
    await createUser(s.url, global, { username: 'b', password: PASSWORD.b });
    w.tokenA = (await createToken(s.url, global, 'a')).token;
    w.tokenB = (await createToken(s.url, global, 'b')).token;
    // Both were given their passwords (generated, set by an admin): changed first.
    PASSWORD.a = (await loginReady(s.url, 'a', PASSWORD.a)).password;
    w.adminPassword = (await loginReady(s.url, 'admin', w.adminPassword)).password;
    w.newUser = async () => (await createUser(s.url, global, { username: fresh('v') })).username;
    w.newTokenOf = async (user) => (await createToken(s.url, global, user)).id;
    w.passwordOf = (caller) => ({ tokenA: PASSWORD.a, 'sessionA+csrf': PASSWORD.a, sessionA: PASSWORD.a, tokenB: PASSWORD.b,
      adminSession: w.adminPassword })[caller] ?? 'whatever-password';
    w.setPasswordOf = (caller, password) => {
      if (caller === 'tokenB') PASSWORD.b = password;
      else if (caller === 'adminSession') w.adminPassword = password;
      else PASSWORD.a = password;
    };
    await refreshSessions();
  });
  after(async () => { await s?.stop(); });

  // A logout row ends a session: log in again whenever one no longer works.
  async function refreshSessions() {
    for (const [key, user, password] of [['sessionA', 'a', PASSWORD.a], ['adminSession', 'admin', w.adminPassword]]) {
      if (w[key] && (await get(s.u('/api/auth/me'), { headers: w[key].headers(false) })).status === 200) continue;
      w[key] = await login(s.url, user, password);
      assert.equal(w[key].res.status, 200, w[key].res.text);
    }
  }

  function headersOf(caller) {
    switch (caller) {
      case 'anonymous': return {};
      case 'tokenA': return bearer(w.tokenA);
      case 'tokenB': return bearer(w.tokenB);
      case 'sessionA': return w.sessionA.headers(false);
      case 'sessionA+csrf': return w.sessionA.headers(true);
      case 'adminSession': return w.adminSession.headers(true);
      case 'global': return bearer(GLOBAL);
      default: throw new Error(caller);
    }
  }

  for (const route of ROUTES) {
    it(`${route.method} ${route.label ?? route.path}`, async () => {
      const got = [];
      for (const caller of CALLERS) {
        await refreshSessions();
        const target = typeof route.path === 'function' ? await route.path(w) : route.path;
        const opts = { method: route.method, headers: headersOf(caller) };
        if (route.body) opts.body = route.body(w, caller);
        const r = await request(s.u(target), opts);
        got.push(r.status);
      }
      assert.deepEqual(Object.fromEntries(CALLERS.map((c, i) => [c, got[i]])),
        Object.fromEntries(CALLERS.map((c, i) => [c, route.expect[i]])));
    });
  }
});
