// Users, sessions and API tokens through the binary: the first admin, login,
// CSRF, throttling, restarts, tokens shown once and never stored or logged,
// revocation and deactivation taking effect on the next request.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, startGateway, get, post, request, chatBody, assertError, MOCK_KEY,
  initialAdminPassword, login, loginReady, createUser, createToken, bearer,
} from './harness.mjs';

const GLOBAL = 'global-token-1';
const auth = { enabled: true, tokens: [GLOBAL] };
const admin = bearer(GLOBAL);

// Every byte aisbf keeps in its config dir's database files (WAL included).
function databaseBytes(configDir) {
  return Buffer.concat(fs.readdirSync(configDir).filter((f) => f.startsWith('aisbf.db'))
    .map((f) => fs.readFileSync(path.join(configDir, f))));
}

describe('accounts', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth }); });
  after(async () => { await s?.stop(); });

  it('first start: initial-admin-password (0600) holds a password that logs in, printed once', async () => {
    const file = path.join(s.configDir, 'initial-admin-password');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const password = initialAdminPassword(s.configDir);
    assert.match(password, /^[A-Za-z0-9]{20}$/);
    const out = s.gw.stdout + s.gw.stderr;
    assert.equal(out.split(password).length - 1, 1, 'the password is printed exactly once');
    assert.ok(out.includes(file), 'the file\'s path is printed with it');
    assert.match(s.gw.stdout, /^LISTENING /, 'stdout still starts with LISTENING');
    const session = await login(s.url, 'admin', password);
    assert.equal(session.res.status, 200, session.res.text);
  });

  it('login sets an HttpOnly SameSite=Strict cookie; me; logout needs CSRF and ends the session', async () => {
    const session = await login(s.url, 'admin', initialAdminPassword(s.configDir));
    assert.equal(session.res.status, 200, session.res.text);
    assert.match(session.cookie, /^[0-9a-f]{64}$/);
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']) {
      assert.ok(session.setCookie.includes(attr), `${attr} in ${session.setCookie}`);
    }
    assert.ok(!/Secure/i.test(session.setCookie), 'no Secure flag over plain http');
    const body = session.res.json();
    assert.deepEqual(body.user, { username: 'admin', role: 'admin', must_change_password: true });
    assert.match(body.csrf_token, /^[0-9a-f]{64}$/);

    const me = await get(s.u('/api/auth/me'), { headers: session.headers(false) });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json(),
      { kind: 'session', user: 'admin', role: 'admin', must_change_password: true, csrf_token: session.csrf });

    assertError(await post(s.u('/api/auth/logout'), {}, { headers: session.headers(false) }), 403, 'csrf_token_invalid');
    const wrong = { ...session.headers(false), 'x-csrf-token': 'f'.repeat(64) };
    assertError(await post(s.u('/api/auth/logout'), {}, { headers: wrong }), 403, 'csrf_token_invalid');
    const out = await post(s.u('/api/auth/logout'), {}, { headers: session.headers() });
    assert.equal(out.status, 204, out.text);
    assert.match(String(out.headers['set-cookie']), /aisbf_session=;.*Max-Age=0/);
    assertError(await get(s.u('/api/auth/me'), { headers: session.headers(false) }), 401);
  });

  it('cookie-authenticated writes need X-CSRF-Token', async () => {
    await createUser(s.url, admin, { username: 'carol', password: 'carol-password' });
    const session = await loginReady(s.url, 'carol', 'carol-password');
    assertError(await post(s.u('/api/user/tokens'), {}, { headers: session.headers(false) }), 403, 'csrf_token_invalid');
    assertError(await post(s.u('/api/v1/chat/completions'), chatBody('x'), { headers: session.headers(false) }),
      403, 'csrf_token_invalid');
    const r = await post(s.u('/api/user/tokens'), { description: 'cli' }, { headers: session.headers() });
    assert.equal(r.status, 201, r.text);
    const list = await get(s.u('/api/user/tokens'), { headers: session.headers(false) });  // a read needs none
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json().data.map((t) => t.description), ['cli']);
  });

  it('a token is shown once, and is neither in the database file nor in the log', async () => {
    await createUser(s.url, admin, { username: 'dave' });
    const created = await createToken(s.url, admin, 'dave', { description: 'laptop' });
    assert.match(created.token, /^aisbf_[0-9A-Za-z]{43}$/);
    const use = await get(s.u('/api/v1/models'), { headers: bearer(created.token) });
    assert.equal(use.status, 200, use.text);
    const list = await get(s.u('/api/admin/users/dave/tokens'), { headers: admin });
    assert.equal(list.status, 200, list.text);
    const [row] = list.json().data;
    assert.deepEqual(Object.keys(row).sort(), ['active', 'created', 'description', 'expires', 'id', 'last_used', 'quotas']);
    assert.equal(row.id, created.id);
    assert.ok(!list.text.includes(created.token));
    assert.equal(databaseBytes(s.configDir).indexOf(created.token), -1, 'the token is in the database file');
    assert.ok(!(s.gw.stdout + s.gw.stderr).includes(created.token), 'the token is in the log');
  });

  it('a revoked token fails on the very next request', async () => {
    await createUser(s.url, admin, { username: 'erin' });
    const t = await createToken(s.url, admin, 'erin');
    assert.equal((await get(s.u('/api/v1/models'), { headers: bearer(t.token) })).status, 200);
    const del = await request(s.u(`/api/admin/users/erin/tokens/${t.id}`), { method: 'DELETE', headers: admin });
    assert.equal(del.status, 204, del.text);
    assertError(await get(s.u('/api/v1/models'), { headers: bearer(t.token) }), 401);
    const again = await request(s.u(`/api/admin/users/erin/tokens/${t.id}`), { method: 'DELETE', headers: admin });
    assertError(again, 404);
  });

  it('an inactive user\'s token fails; active again, it works', async () => {
    await createUser(s.url, admin, { username: 'frank' });
    const t = await createToken(s.url, admin, 'frank');
    const patch = (active) => request(s.u('/api/admin/users/frank'), { method: 'PATCH', body: { active }, headers: admin });
    assert.equal((await patch(false)).status, 200);
    assertError(await get(s.u('/api/v1/models'), { headers: bearer(t.token) }), 401);
    assertError(await post(s.u('/api/auth/login'), { username: 'frank', password: 'password-123' }), 401);
    assert.equal((await patch(true)).status, 200);
    assert.equal((await get(s.u('/api/v1/models'), { headers: bearer(t.token) })).status, 200);
  });

  it('users: 409 on a duplicate, 400 naming the field, 404 unknown, the last admin stays', async () => {
    await createUser(s.url, admin, { username: 'gina' });
    assertError(await post(s.u('/api/admin/users'), { username: 'gina', password: 'password-123' }, { headers: admin }), 409);
    const bad = await post(s.u('/api/admin/users'), { username: 'Bad Name', password: 'password-123' }, { headers: admin });
    assert.equal(assertError(bad, 400).param, 'username');
    const short = await post(s.u('/api/admin/users'), { username: 'hank', password: 'short' }, { headers: admin });
    assert.equal(assertError(short, 400).param, 'password');
    const role = await request(s.u('/api/admin/users/gina'), { method: 'PATCH', body: { role: 'root' }, headers: admin });
    assert.equal(assertError(role, 400).param, 'role');
    assertError(await get(s.u('/api/admin/users/nobody'), { headers: admin }), 404);
    const got = await get(s.u('/api/admin/users/gina'), { headers: admin });
    assert.equal(got.status, 200, got.text);
    assert.ok(!/"password"|password_hash|argon2/.test(got.text), got.text);  // must_change_password is no secret
    assertError(await request(s.u('/api/admin/users/admin'), { method: 'DELETE', headers: admin }), 409);
    assertError(await request(s.u('/api/admin/users/admin'), { method: 'PATCH', body: { role: 'user' }, headers: admin }), 409);
    const del = await request(s.u('/api/admin/users/gina'), { method: 'DELETE', headers: admin });
    assert.equal(del.status, 204, del.text);
    assertError(await get(s.u('/api/admin/users/gina'), { headers: admin }), 404);
  });

  it('an admin cannot delete, deactivate or demote their own account; another admin can', async () => {
    await createUser(s.url, admin, { username: 'olga', role: 'admin' });
    const own = bearer((await createToken(s.url, admin, 'olga')).token);
    const patchSelf = (body) => request(s.u('/api/admin/users/olga'), { method: 'PATCH', body, headers: own });
    assert.equal(assertError(await patchSelf({ active: false }), 409, 'own_account').param, 'active');
    assert.equal(assertError(await patchSelf({ role: 'user' }), 409, 'own_account').param, 'role');
    assertError(await request(s.u('/api/admin/users/olga'), { method: 'DELETE', headers: own }), 409, 'own_account');
    const kept = await get(s.u('/api/admin/users/olga'), { headers: admin });
    assert.deepEqual([kept.json().role, kept.json().active], ['admin', true]);
    // Their own password, and the role they have, they may still set.
    assert.equal((await patchSelf({ role: 'admin', password: 'olgas-own-password' })).status, 200);
    // Another admin (here the operator's global token) may do all three.
    const demoted = await request(s.u('/api/admin/users/olga'), { method: 'PATCH', body: { role: 'user' }, headers: admin });
    assert.equal(demoted.status, 200, demoted.text);
    const gone = await request(s.u('/api/admin/users/olga'), { method: 'DELETE', headers: admin });
    assert.equal(gone.status, 204, gone.text);
  });

  it('a path name no user can have is 404 before any lookup or body check (no way around the own-account check)', async () => {
    // MySQL's utf8mb4_bin ignores trailing spaces: "petra " would find
    // petra's row and, compared as written, pass for another account.
    await createUser(s.url, admin, { username: 'petra', role: 'admin' });
    const own = bearer((await createToken(s.url, admin, 'petra')).token);
    for (const name of ['petra%20', 'petra%09', 'Petra', '%20petra', 'a'.repeat(64)]) {
      const at = s.u(`/api/admin/users/${name}`);
      assertError(await request(at, { method: 'PATCH', body: { active: false }, headers: own }), 404, 'user_not_found');
      // A body that would be refused (400) is not looked at: the name is refused first.
      assertError(await request(at, { method: 'PATCH', body: { role: 'root' }, headers: own }), 404, 'user_not_found');
      assertError(await request(at, { method: 'DELETE', headers: own }), 404, 'user_not_found');
      assertError(await get(at, { headers: own }), 404, 'user_not_found');
      assertError(await get(`${at}/tokens`, { headers: own }), 404, 'user_not_found');
      assertError(await post(`${at}/tokens`, { description: 'x' }, { headers: own }), 404, 'user_not_found');
      assertError(await request(`${at}/tokens/tok_0`, { method: 'DELETE', headers: own }), 404, 'user_not_found');
    }
    const kept = await get(s.u('/api/admin/users/petra'), { headers: admin });
    assert.deepEqual([kept.json().role, kept.json().active], ['admin', true]);
    assert.equal((await get(s.u('/api/admin/users/petra/tokens'), { headers: admin })).json().data.length, 1);
    // The name as stored is still refused for the own account.
    const self = await request(s.u('/api/admin/users/petra'), { method: 'PATCH', body: { active: false }, headers: own });
    assertError(self, 409, 'own_account');
    assert.equal((await request(s.u('/api/admin/users/petra'), { method: 'DELETE', headers: admin })).status, 204);
  });

  it('a user changes their own password with the current one', async () => {
    await createUser(s.url, admin, { username: 'iris', password: 'old-password' });
    const t = await createToken(s.url, admin, 'iris');
    const change = (body) => request(s.u('/api/user/password'), { method: 'PATCH', body, headers: bearer(t.token) });
    const wrong = await change({ current_password: 'not-it-at-all', new_password: 'new-password' });
    assert.equal(assertError(wrong, 400).param, 'current_password');
    assert.equal((await change({ current_password: 'old-password', new_password: 'new-password' })).status, 204);
    assertError(await post(s.u('/api/auth/login'), { username: 'iris', password: 'old-password' }), 401);
    assert.equal((await login(s.url, 'iris', 'new-password')).res.status, 200);
  });

  it('a user token reaches the upstream as the gateway\'s key, never itself', async () => {
    await createUser(s.url, admin, { username: 'jack' });
    const t = await createToken(s.url, admin, 'jack');
    await s.mock.reset();
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('as jack'), { headers: bearer(t.token) });
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.ok(!JSON.stringify(q).includes(t.token));
  });
});

describe('accounts across restarts and instances', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth }); });
  after(async () => { await s?.stop(); });

  // (Failed logins count per client address too: kept apart from the stack
  // above, whose tests fail a few logins of their own.)
  it('a wrong password and an unknown user get the same 401', async () => {
    const a = await post(s.u('/api/auth/login'), { username: 'admin', password: 'not-the-password' });
    const b = await post(s.u('/api/auth/login'), { username: 'nobody-here', password: 'not-the-password' });
    assertError(a, 401, 'invalid_credentials');
    assertError(b, 401, 'invalid_credentials');
    assert.equal(a.json().error.message, b.json().error.message);
    assertError(await post(s.u('/api/auth/login'), { username: 'admin' }), 400, 'invalid_value');
  });

  it('a session survives a restart; the password is not printed again', async () => {
    const password = initialAdminPassword(s.configDir);
    const session = await loginReady(s.url, 'admin', password);
    await s.gw.stop();
    s.gw = await startGateway(s.configDir);
    s.url = s.gw.url;
    assert.ok(!(s.gw.stdout + s.gw.stderr).includes(password), 'printed again');
    const me = await get(s.u('/api/auth/me'), { headers: session.headers(false) });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json().user, 'admin');
    const write = await post(s.u('/api/user/tokens'), {}, { headers: session.headers() });
    assert.equal(write.status, 201, write.text);
  });

  it('a token made by another instance on the same database works here', async () => {
    const other = await startGateway(s.configDir);
    try {
      await createUser(other.url, admin, { username: 'kate' });
      const t = await createToken(other.url, admin, 'kate');
      const r = await get(s.u('/api/auth/me'), { headers: bearer(t.token) });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { kind: 'user_token', user: 'kate', role: 'user', must_change_password: false });
    } finally {
      await other.stop();
    }
  });
});

describe('a password the user did not choose', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth }); });
  after(async () => { await s?.stop(); });

  it('the generated admin password: the session may only see itself, log out and change it', async () => {
    const password = initialAdminPassword(s.configDir);
    const session = await login(s.url, 'admin', password);
    assert.equal(session.res.json().user.must_change_password, true);
    const me = await get(s.u('/api/auth/me'), { headers: session.headers(false) });
    assert.equal(me.json().must_change_password, true);
    for (const path of ['/api/admin/users', '/api/admin/health', '/api/v1/models', '/api/user/tokens',
      '/dashboard/response-cache/stats']) {
      assertError(await get(s.u(path), { headers: session.headers(false) }), 403, 'password_change_required');
    }
    assertError(await post(s.u('/api/admin/users'), { username: 'zed', password: 'password-123' },
      { headers: session.headers() }), 403, 'password_change_required');
    // The same password again is not a change.
    const change = (body) => request(s.u('/api/user/password'), { method: 'PATCH', body, headers: session.headers() });
    const same = await change({ current_password: password, new_password: password });
    assert.equal(assertError(same, 400).param, 'new_password');
    assert.equal((await change({ current_password: password, new_password: 'my-own-admin-password' })).status, 204);
    // The same session is free at once, and the flag is gone for good.
    assert.equal((await get(s.u('/api/admin/users'), { headers: session.headers(false) })).status, 200);
    const again = await login(s.url, 'admin', 'my-own-admin-password');
    assert.equal(again.res.json().user.must_change_password, false);
    // API tokens are not affected, and global tokens never were.
    assert.equal((await get(s.u('/api/admin/users'), { headers: admin })).status, 200);
  });

  it('a password an admin sets (new user or reset) must be changed; tokens are not held back', async () => {
    const created = await createUser(s.url, admin, { username: 'nina', password: 'given-password' });
    assert.equal(created.must_change_password, true);
    const t = await createToken(s.url, admin, 'nina');
    assert.equal((await get(s.u('/api/user/tokens'), { headers: bearer(t.token) })).status, 200);
    const session = await login(s.url, 'nina', 'given-password');
    assertError(await get(s.u('/api/user/tokens'), { headers: session.headers(false) }), 403, 'password_change_required');
    const logout = await post(s.u('/api/auth/logout'), {}, { headers: session.headers() });
    assert.equal(logout.status, 204, logout.text);
    const ready = await loginReady(s.url, 'nina', 'given-password');
    assert.equal((await get(s.u('/api/user/tokens'), { headers: ready.headers(false) })).status, 200);
    // An admin's reset sets it again (and ends her sessions).
    const reset = await request(s.u('/api/admin/users/nina'),
      { method: 'PATCH', body: { password: 'reset-password' }, headers: admin });
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.json().must_change_password, true);
    const after = await login(s.url, 'nina', 'reset-password');
    assert.equal(after.res.json().user.must_change_password, true);
    assertError(await get(s.u('/api/user/usage'), { headers: after.headers(false) }), 403, 'password_change_required');
  });

  it('survives a restart: the flag is in the database', async () => {
    await createUser(s.url, admin, { username: 'olaf', password: 'given-password' });
    await s.gw.stop();
    s.gw = await startGateway(s.configDir);
    s.url = s.gw.url;
    const session = await login(s.url, 'olaf', 'given-password');
    assert.equal(session.res.json().user.must_change_password, true);
    assertError(await get(s.u('/api/user/tokens'), { headers: session.headers(false) }), 403, 'password_change_required');
  });
});

describe('login throttling', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth }); });
  after(async () => { await s?.stop(); });

  it('after 5 failures a login waits: 429 with Retry-After, even with the right password', async () => {
    await createUser(s.url, admin, { username: 'lucy', password: 'lucy-password' });
    for (let i = 0; i < 5; i++) {
      assertError(await post(s.u('/api/auth/login'), { username: 'lucy', password: `wrong-${i}-password` }), 401);
    }
    const r = await post(s.u('/api/auth/login'), { username: 'lucy', password: 'lucy-password' });
    assertError(r, 429, 'login_throttled');
    assert.ok(Number(r.headers['retry-after']) >= 1, JSON.stringify(r.headers));
  });
});

// Behind a reverse proxy every client has the proxy's address: from a proxy
// in server.trusted_proxies the throttle keys on the client its
// X-Forwarded-For reports, so one guessing client does not lock out the
// others; from a peer not listed the header is ignored.
for (const trusted of [true, false]) {
  describe(`login throttling behind a proxy (${trusted ? 'trusted' : 'not listed'})`, { timeout: 120000 }, () => {
    let s;
    before(async () => { s = await startStack({ auth, server: { trusted_proxies: trusted ? ['127.0.0.1', '::1'] : ['10.0.0.0/8'] } }); });
    after(async () => { await s?.stop(); });

    it(trusted ? 'keys on the client the proxy reports' : 'keys on the peer, whatever the header says', async () => {
      for (const name of ['gus', 'hal']) await createUser(s.url, admin, { username: name, password: `${name}-password-1` });
      const from = (client) => ({ headers: { 'x-forwarded-for': `198.51.100.77, ${client}` } });  // the left entry is the client's own claim
      // One client guesses at five accounts' worth of names: its address is throttled.
      for (let i = 0; i < 5; i++) {
        assertError(await post(s.u('/api/auth/login'), { username: `nobody${i}`, password: 'wrong-password' }, from('203.0.113.5')), 401);
      }
      assertError(await post(s.u('/api/auth/login'), { username: 'gus', password: 'gus-password-1' }, from('203.0.113.5')), 429, 'login_throttled');
      // Another client behind the same proxy.
      const other = await post(s.u('/api/auth/login'), { username: 'hal', password: 'hal-password-1' }, from('203.0.113.6'));
      if (trusted) assert.equal(other.status, 200, other.text);
      else assertError(other, 429, 'login_throttled');
    });

    // A proxy that appends its own X-Forwarded-For line (HAProxy's option
    // forwardfor) after the client's: every line counts, so a throttled
    // client cannot start afresh by changing the line it sends itself.
    it('reads every X-Forwarded-For line, the proxy\'s last', { skip: !trusted }, async () => {
      await createUser(s.url, admin, { username: 'ivy', password: 'ivy-password-1' });
      const lines = (own) => ({ headers: { 'x-forwarded-for': [own, '203.0.113.7'] } });
      for (let i = 0; i < 5; i++) {
        assertError(await post(s.u('/api/auth/login'), { username: `nemo${i}`, password: 'wrong-password' }, lines(`198.51.100.${i + 1}`)), 401);
      }
      assertError(await post(s.u('/api/auth/login'), { username: 'ivy', password: 'ivy-password-1' }, lines('198.51.100.99')), 429, 'login_throttled');
    });
  });
}
