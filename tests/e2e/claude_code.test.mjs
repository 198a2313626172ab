// Claude Code (the npm package's native binary, run offline) against aisbf's
// Anthropic route: `claude -p … --output-format json` with ANTHROPIC_BASE_URL
// = the gateway, once with an OpenAI-type provider model (translated) and once
// with an Anthropic-type one. Checks the answer and that its large system
// prompt and tool list reached the upstream.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, typedProvider, runCli, tmpDir, upstreamChatRequests, MOCK_KEY } from './common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = 'e2e-claude-code-token';
const PROMPT = 'hello gateway';

// The native binary: the platform package's, else the wrapper's copy made by
// its postinstall (a small placeholder script when that did not run).
function findClaude() {
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const candidates = [
    path.join(HERE, 'node_modules', '@anthropic-ai', `claude-code-${process.platform}-${arch}`, 'claude'),
    path.join(HERE, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
  ];
  for (const c of candidates) {
    try {
      const st = fs.statSync(c);
      if (st.isFile() && st.size > 1 << 20) return c;
    } catch { /* not there */ }
  }
  return null;
}

const CLAUDE = findClaude();
const skip = CLAUDE ? false : 'needs @anthropic-ai/claude-code with its native binary: run "npm ci" in tests/e2e';

// Only what Claude Code needs, and everything that stops it calling home.
function claudeEnv(gatewayUrl, home) {
  const env = {};
  for (const k of Object.keys(process.env)) {
    if (/^(ANTHROPIC_|CLAUDE|AWS_|GOOGLE_|VERTEX_|HTTPS?_PROXY|NO_PROXY)/i.test(k)) env[k] = undefined;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    ANTHROPIC_BASE_URL: gatewayUrl,
    ANTHROPIC_API_KEY: TOKEN,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    // It retries a failed call ~10 times with backoff (minutes): fail fast instead.
    CLAUDE_CODE_MAX_RETRIES: '0',
    CI: '1',
  };
}

async function runClaude(s, model) {
  const home = tmpDir('aisbf-claude-home-');
  const work = tmpDir('aisbf-claude-work-');
  const r = await runCli(CLAUDE, [
    '-p', PROMPT, '--output-format', 'json', '--model', model, '--no-session-persistence',
  ], { env: claudeEnv(s.url, home), cwd: work, timeoutMs: 60000 });
  const ctx = `exit ${r.code}/${r.signal}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  let result = null;
  try { result = JSON.parse(line); } catch { /* reported below */ }
  return { ...r, ctx, result };
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
