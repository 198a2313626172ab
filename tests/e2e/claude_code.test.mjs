// Claude Code (the npm package's native binary, run offline) against aisbf's
// Anthropic route: `claude -p … --output-format json` with ANTHROPIC_BASE_URL
// = the gateway, once with an OpenAI-type provider model (translated) and once
// with an Anthropic-type one. Checks the answer and that its large system
// prompt and tool list reached the upstream.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, typedProvider, runCli, tmpDir, upstreamChatRequests, MOCK_KEY } from './common.mjs';
import { CLAUDE, CLAUDE_SKIP as skip, claudeEnv as cliEnv, claudeResult } from './claude_cli.mjs';

const TOKEN = 'e2e-claude-code-token';
const PROMPT = 'hello gateway';
const claudeEnv = (gatewayUrl, home) => cliEnv(gatewayUrl, home, TOKEN);

async function runClaude(s, model) {
  const home = tmpDir('aisbf-claude-home-');
  const work = tmpDir('aisbf-claude-work-');
  const r = await runCli(CLAUDE, [
    '-p', PROMPT, '--output-format', 'json', '--model', model, '--no-session-persistence',
  ], { env: claudeEnv(s.url, home), cwd: work, timeoutMs: 60000 });
  return claudeResult(r);
}

describe('claude code through the gateway', { timeout: 240000, skip }, () => {
  let s;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [TOKEN] },
      // `mock` is OpenAI-type (translated), `anthropic` is Anthropic-type.
      providers: (mockUrl) => ({
        mock: typedProvider('openai', mockUrl, { id: 'mock' }),
        anthropic: typedProvider('anthropic', mockUrl),
      }),
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('--version runs offline', async () => {
    const r = await runCli(CLAUDE, ['--version'], { env: claudeEnv(s.url, tmpDir('aisbf-claude-home-')), timeoutMs: 30000 });
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /Claude Code/);
  });

  it('an OpenAI-type provider (mock/mock-model): exit 0, "You said: …", system prompt and tools translated', async () => {
    const r = await runClaude(s, 'mock/mock-model');
    assert.equal(r.code, 0, r.ctx);
    assert.ok(r.result, `no JSON result: ${r.ctx}`);
    assert.equal(r.result.is_error, false, r.ctx);
    assert.match(r.result.result, /You said:/, r.ctx);
    assert.ok(r.result.result.includes(PROMPT), r.ctx);

    const reqs = await upstreamChatRequests(s.mock);
    assert.ok(reqs.length >= 1, 'nothing reached the mock');
    const main = reqs.map((q) => JSON.parse(q.body)).find((b) => (b.tools?.length ?? 0) > 0);
    assert.ok(main, `no upstream request with tools: ${reqs.map((q) => q.body.slice(0, 300)).join('\n')}`);
    assert.ok(reqs.every((q) => q.path.endsWith('/chat/completions')), reqs.map((q) => q.path).join(','));
    const system = main.messages.filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
    assert.ok(system.length > 2000, `system prompt of ${system.length} chars upstream`);
    assert.ok(main.tools.length >= 5, `${main.tools.length} tools upstream`);
    for (const t of main.tools) {
      assert.equal(t.type, 'function', JSON.stringify(t).slice(0, 300));
      assert.equal(typeof t.function?.name, 'string', JSON.stringify(t).slice(0, 300));
      assert.equal(typeof t.function.parameters, 'object', JSON.stringify(t).slice(0, 300));
    }
    assert.ok(main.tools.some((t) => t.function.name === 'Bash'), main.tools.map((t) => t.function.name).join(','));
    assert.equal(main.stream, true, 'Claude Code streams');
    assert.equal(main.model, 'mock-model');
    for (const q of reqs) assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
  });

  it('an Anthropic-type provider (anthropic/mock-model): exit 0, "You said: …", system and many tools upstream', async () => {
    const r = await runClaude(s, 'anthropic/mock-model');
    assert.equal(r.code, 0, r.ctx);
    assert.ok(r.result, `no JSON result: ${r.ctx}`);
    assert.equal(r.result.is_error, false, r.ctx);
    assert.match(r.result.result, /You said:/, r.ctx);

    const reqs = await upstreamChatRequests(s.mock);
    assert.ok(reqs.length >= 1, 'nothing reached the mock');
    assert.ok(reqs.every((q) => /^\/v1\/messages(\?|$)/.test(q.path)), reqs.map((q) => q.path).join(','));
    const main = reqs.map((q) => JSON.parse(q.body)).find((b) => (b.tools?.length ?? 0) > 0);
    assert.ok(main, `no upstream request with tools: ${reqs.map((q) => q.body.slice(0, 300)).join('\n')}`);
    assert.ok(main.system, 'no system upstream');
    const system = typeof main.system === 'string' ? main.system : main.system.map((b) => b.text ?? '').join('\n');
    assert.ok(system.length > 2000, `system prompt of ${system.length} chars upstream`);
    assert.ok(main.tools.length >= 5, `${main.tools.length} tools upstream`);
    assert.ok(main.tools.some((t) => t.name === 'Bash'), main.tools.map((t) => t.name).join(','));
    assert.equal(main.model, 'mock-model');
    assert.equal(typeof main.max_tokens, 'number');
    for (const q of reqs) {
      assert.equal(q.headers['x-api-key'], MOCK_KEY);
      assert.ok(!JSON.stringify(q.headers).includes(TOKEN), 'the gateway token went upstream');
    }
  });
});
