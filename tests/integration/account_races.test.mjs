// Account changes that must hold under concurrency and end what they should:
// the last active admin survives two concurrent removals, and a password,
// role or active change ends the user's other sessions at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, request, assertError, login, createUser, createToken, bearer,
} from './harness.mjs';

const GLOBAL = 'global-token-races';
const admin = bearer(GLOBAL);

const me = (s, headers) => get(s.u('/api/auth/me'), { headers });
const patchUser = (s, name, body) => request(s.u(`/api/admin/users/${name}`), { method: 'PATCH', body, headers: admin });
const deleteUser = (s, name) => request(s.u(`/api/admin/users/${name}`), { method: 'DELETE', headers: admin });

async function activeAdmins(s) {
  const r = await get(s.u('/api/admin/users'), { headers: admin });
  assert.equal(r.status, 200, r.text);
  return r.json().data.filter((u) => u.role === 'admin' && u.active).map((u) => u.username);
}

describe('account races', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] } }); });
  after(async () => { await s?.stop(); });

  it('two concurrent removals of the last two admins: one succeeds, the other is a 409', async () => {
    const rounds = 6;
    for (let round = 0; round < rounds; round += 1) {
      const a = `ra${round}`;
      const b = `rb${round}`;
      await createUser(s.url, admin, { username: a, role: 'admin' });
      await createUser(s.url, admin, { username: b, role: 'admin' });
      for (const other of await activeAdmins(s)) {  // leave exactly a and b
        if (other !== a && other !== b) assert.equal((await patchUser(s, other, { role: 'user' })).status, 200);
      }
      assert.deepEqual((await activeAdmins(s)).sort(), [a, b]);
      // Alternate the kinds of removal: delete, deactivate, demote.
      const first = round % 2 === 0 ? deleteUser(s, a) : patchUser(s, a, { active: false });
      const second = round % 3 === 0 ? patchUser(s, b, { role: 'user' }) : deleteUser(s, b);
      const results = await Promise.all([first, second]);
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses[1], 409, `round ${round}: ${results.map((r) => `${r.status} ${r.text}`)}`);
      assert.ok(statuses[0] === 200 || statuses[0] === 204, `round ${round}: ${statuses}`);
      assertError(results.find((r) => r.status === 409), 409, 'conflict');
      assert.equal((await activeAdmins(s)).length, 1, `round ${round}`);
    }
  });

  it('a password change from one session ends the others, keeps the caller\'s', async () => {
    await createUser(s.url, admin, { username: 'paula', password: 'first-password' });
    const one = await login(s.url, 'paula', 'first-password');
    const two = await login(s.url, 'paula', 'first-password');
    assert.equal(one.res.status, 200, one.res.text);
    assert.equal(two.res.status, 200, two.res.text);
    assert.equal((await me(s, two.headers(false))).status, 200);
    const change = await request(s.u('/api/user/password'), {
      method: 'PATCH', headers: one.headers(), body: { current_password: 'first-password', new_password: 'second-password' },
    });
    assert.equal(change.status, 204, change.text);
    assertError(await me(s, two.headers(false)), 401);
    const still = await me(s, one.headers(false));
    assert.equal(still.status, 200, still.text);
    assert.equal(still.json().user, 'paula');
    assert.equal((await login(s.url, 'paula', 'second-password')).res.status, 200);
  });

  it('a password change with a token ends every session of the user', async () => {
    await createUser(s.url, admin, { username: 'tomas', password: 'first-password' });
    const t = await createToken(s.url, admin, 'tomas');
    const session = await login(s.url, 'tomas', 'first-password');
    assert.equal((await me(s, session.headers(false))).status, 200);
    const change = await request(s.u('/api/user/password'), {
      method: 'PATCH', headers: bearer(t.token), body: { current_password: 'first-password', new_password: 'second-password' },
    });
    assert.equal(change.status, 204, change.text);
    assertError(await me(s, session.headers(false)), 401);
    assert.equal((await me(s, bearer(t.token))).status, 200, 'the token is not a session: it stays');
  });

  for (const [what, body] of [['a new password', { password: 'reset-password' }], ['a role change', { role: 'admin' }],
    ['deactivation', { active: false }]]) {
    it(`an admin's PATCH with ${what} ends the user's sessions, for good`, async () => {
      const name = `u${what.replace(/[^a-z]/g, '').slice(0, 12)}`;
      await createUser(s.url, admin, { username: name, password: 'first-password' });
      const one = await login(s.url, name, 'first-password');
      const two = await login(s.url, name, 'first-password');
      assert.equal((await me(s, one.headers(false))).status, 200);
      assert.equal((await patchUser(s, name, body)).status, 200);
      if (body.active === false) assert.equal((await patchUser(s, name, { active: true })).status, 200);
      assertError(await me(s, one.headers(false)), 401);
      assertError(await me(s, two.headers(false)), 401);
      const again = await login(s.url, name, body.password ?? 'first-password');
      assert.equal(again.res.status, 200, again.res.text);
      assert.equal((await me(s, again.headers(false))).status, 200);
    });
  }

  it('a PATCH that changes none of those keeps the sessions', async () => {
    await createUser(s.url, admin, { username: 'quinn', password: 'first-password' });
    const session = await login(s.url, 'quinn', 'first-password');
    assert.equal((await patchUser(s, 'quinn', { allow_private_endpoints: true })).status, 200);
    assert.equal((await me(s, session.headers(false))).status, 200);
  });
});
