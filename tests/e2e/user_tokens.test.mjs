// The official OpenAI SDK with a user's API token (auth on): it reaches the
// mock through the gateway, and the upstream never sees the user token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSdkStack, createUser, createToken, bearer, MOCK_KEY } from './common.mjs';

const GLOBAL = 'e2e-gateway-token';

describe('openai sdk with a user token', { timeout: 60000 }, () => {
  let s;
  let userToken;
  before(async () => {
    s = await startSdkStack({ token: GLOBAL });
    await createUser(s.url, bearer(GLOBAL), { username: 'sdk-user' });
    userToken = (await createToken(s.url, bearer(GLOBAL), 'sdk-user', { description: 'sdk' })).token;
  });
  after(async () => { await s?.stop(); });

  it('chat.completions.create on /api/v1 reaches the mock; the user token stays at the gateway', async () => {
    await s.mock.reset();
    const client = s.client({ apiKey: userToken });
    const r = await client.chat.completions.create({
      model: 'mock/mock-model', messages: [{ role: 'user', content: 'hello as a user' }],
    });
    assert.equal(r.choices[0].message.content, 'You said: hello as a user');
    const [q] = await s.mock.chatRequests();
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.ok(!JSON.stringify(q).includes(userToken), 'the user token reached the upstream');
  });

  it('a revoked user token is refused by the SDK call (401)', async () => {
    const made = await createToken(s.url, bearer(GLOBAL), 'sdk-user');
    const client = s.client({ apiKey: made.token });
    await client.models.list();
    const del = await fetch(`${s.url}/api/admin/users/sdk-user/tokens/${made.id}`,
      { method: 'DELETE', headers: bearer(GLOBAL) });
    assert.equal(del.status, 204);
    await assert.rejects(client.models.list(), (e) => e.status === 401);
  });
});
