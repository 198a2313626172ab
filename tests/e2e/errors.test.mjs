// Errors surface as the SDK's APIError subclasses with the right status.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSdkStack, OpenAI } from './common.mjs';

const msg = [{ role: 'user', content: 'x' }];

describe('openai sdk: errors', { timeout: 60000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startSdkStack();
    client = s.client({ maxRetries: 0 });
  });
  after(async () => { await s?.stop(); });

  async function expectError(promise, cls, status) {
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof OpenAI.APIError, `not an APIError: ${err}`);
      assert.ok(err instanceof cls, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.status, status, err.message);
      return true;
    });
  }

  it('unknown model → NotFoundError (404, code model_not_found)', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'mock/nope', messages: msg }), (err) => {
      assert.ok(err instanceof OpenAI.NotFoundError, String(err));
      assert.equal(err.status, 404);
      assert.equal(err.code, 'model_not_found');
      assert.equal(err.type, 'invalid_request_error');
      return true;
    });
  });

  it('unknown model on models.retrieve → NotFoundError', async () => {
    await expectError(client.models.retrieve('mock/nope'), OpenAI.NotFoundError, 404);
  });

  it('upstream 429 → RateLimitError (429) without retries', async () => {
    await s.mock.reset();
    await assert.rejects(client.chat.completions.create({ model: 'mock/fault-429', messages: msg }), (err) => {
      assert.ok(err instanceof OpenAI.RateLimitError, String(err));
      assert.equal(err.status, 429);
      assert.ok(err.headers.get('retry-after'), 'Retry-After lost');
      return true;
    });
    assert.equal((await s.mock.chatRequests()).length, 1, 'the SDK or the gateway retried');
  });

  it('upstream 400 → BadRequestError (400)', async () => {
    await expectError(client.chat.completions.create({ model: 'mock/fault-400', messages: msg }), OpenAI.BadRequestError, 400);
  });

  it('upstream 500 → InternalServerError (500)', async () => {
    await expectError(client.chat.completions.create({ model: 'mock/fault-500', messages: msg }), OpenAI.InternalServerError, 500);
  });

  it('upstream 401 → APIError 502 (not an AuthenticationError for the caller)', async () => {
    await expectError(client.chat.completions.create({ model: 'mock/fault-401', messages: msg }), OpenAI.InternalServerError, 502);
  });

  it('an upstream error on a stream request rejects before iterating', async () => {
    await expectError(
      client.chat.completions.create({ model: 'mock/fault-429', messages: msg, stream: true }),
      OpenAI.RateLimitError, 429);
  });

  it('a stream cut by the upstream throws while iterating', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock/fault-cut', stream: true,
      messages: [{ role: 'user', content: 'a message long enough to be cut in the middle of the reply stream' }],
    });
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    }, (err) => {
      assert.ok(err instanceof OpenAI.APIError, `not an APIError: ${err}`);
      return true;
    });
  });
});
