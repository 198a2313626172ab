// OpenAI's Codex CLI (`codex exec`, non-interactive, offline) against the
// gateway's Responses API: a custom model provider with wire_api =
// "responses", for a provider of every type and a rotation. A text answer,
// an attached image (--image) reaching the provider, and a round trip through
// Codex's own shell tool: the mock scripts a call of
// `exec_command` running `echo <marker>` (tools/mock/README.md, "Scripted tool
// calls"), Codex runs it and sends the output back, and the mock's answer to
// that output is what Codex prints. Codex also sends tools the providers
// cannot run (web_search, a multi-agent namespace, and with a model catalog
// entry apply_patch as a `custom` freeform tool): the gateway drops them and
// Codex still works. Offline: every proxy variable points at a loopback
// trap that records any attempt to reach past the machine, and none may come.
// Every run is bounded by a timeout.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs';
import { startProvidersStack, upstreamChatRequests, runCli, tmpDir, TINY_PNG_B64 } from './common.mjs';
import {
  CODEX, CODEX_SKIP, codexCatalog, codexConfig, codexEnv, codexHome, codexExecArgs, codexEvents, startProxyTrap,
  startHeaderRecorder,
} from './codex_cli.mjs';

const TOKEN = 'e2e-codex-token';
const RUN_TIMEOUT_MS = 20000;

// One model per provider type, and a rotation whose heavy entry always fails
// (a turn that draws it is served by the failover, in whichever protocol it
// lands; the draw is weighted, so a turn may also go to the other entry). Each
// on one of the two ingress paths Codex may be given (/v1, /api/v1); some
// with a Codex model catalog entry, which makes Codex add apply_patch as a
// `custom` (freeform grammar) tool, the others with Codex's fallback metadata.
const TARGETS = [
  { name: 'openai', model: 'openai/mock-model', path: '/v1', catalog: false },
  { name: 'anthropic', model: 'anthropic/mock-model', path: '/api/v1', catalog: true },
  { name: 'google', model: 'google/mock-model', path: '/v1', catalog: true },
  { name: 'ollama', model: 'ollama/mock-model', path: '/api/v1', catalog: false },
  { name: 'rotation', model: 'rotation/codex', path: '/api/v1', catalog: true },
];
// What the gateway cannot run on a translated provider, named in x-aisbf-dropped-tools.
const droppedTools = (target) => (target.catalog ? ['custom', 'namespace', 'web_search'] : ['namespace', 'web_search']);

// The upstream protocol of a recorded request, from its path.
function protocolOf(q) {
  if (q.path.startsWith('/api/chat')) return 'ollama';
  if (q.path.startsWith('/v1beta/')) return 'google';
  if (/\/messages(\?|$)/.test(q.path)) return 'anthropic';
  return 'openai';
}

// The names of the function tools offered upstream, in each protocol's form.
function offeredTools(protocol, body) {
  const tools = body.tools ?? [];
  if (protocol === 'anthropic') return tools.map((t) => t.name);
  if (protocol === 'google') return tools.flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name));
  return tools.map((t) => t.function?.name);
}

// The tool result the last message carries upstream, as text.
function lastToolResult(protocol, body) {
  if (protocol === 'anthropic') {
    const block = body.messages.at(-1).content.find((b) => b.type === 'tool_result');
    return typeof block?.content === 'string' ? block.content : JSON.stringify(block?.content);
  }
  if (protocol === 'google') {
    const part = body.contents.at(-1).parts.find((p) => p.functionResponse);
    return JSON.stringify(part?.functionResponse?.response);
  }
  const last = body.messages.at(-1);
  assert.equal(last.role, 'tool', JSON.stringify(last));
  return typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
}

// The upstream chat requests the mock answered without a fault.
async function servedRequests(mock) {
  return (await upstreamChatRequests(mock)).filter((q) => q.fault === null);
}

describe('codex cli × provider types', { skip: CODEX_SKIP, timeout: 90000 }, () => {
  let s;
  let trap;
  let relay;
  before(async () => {
    trap = await startProxyTrap();
    s = await startProvidersStack({
      token: TOKEN,
      aisbf: { routing: { seed: 7 } },
      rotations: {
        codex: {
          providers: [
            { provider_id: 'google', models: [{ name: 'fault-503', weight: 50 }] },
            { provider_id: 'anthropic', models: [{ name: 'mock-model', weight: 1 }] },
            { provider_id: 'ollama', models: [{ name: 'mock-model', weight: 1 }] },
          ],
        },
      },
    });
    relay = await startHeaderRecorder(s.url);
  });
  after(async () => { await Promise.all([relay?.close(), s?.stop(), trap?.close()]); });

  async function codexRun(target, prompt, opts) {
    const dir = tmpDir('aisbf-codex-');
    const catalog = target.catalog ? codexCatalog(path.join(dir, 'catalog.json'), target.model) : null;
    const config = codexConfig({ baseUrl: `${relay.url}${target.path}`, model: target.model, catalog });
    const { home, work } = codexHome(dir, config);
    if (opts?.image) {
      fs.writeFileSync(path.join(work, 'tiny.png'), Buffer.from(TINY_PNG_B64, 'base64'));
      opts = { ...opts, images: [path.join(work, 'tiny.png')] };
    }
    const r = await runCli(CODEX, codexExecArgs(work, prompt, opts),
      { env: codexEnv(home, TOKEN, trap.url), cwd: work, timeoutMs: RUN_TIMEOUT_MS, group: true });
    assert.deepEqual(trap.attempts, [], 'Codex tried to reach past the machine');
    return codexEvents(r);
  }

  for (const target of TARGETS) {
    describe(`${target.name} (${target.model} on ${target.path}${target.catalog ? ', catalog' : ''})`, () => {
      beforeEach(async () => {
        await s.mock.reset();
        relay.answers.length = 0;
      });

      it('codex exec: a text answer', async () => {
        const prompt = `Hello from codex to ${target.name}`;
        const r = await codexRun(target, prompt);
        assert.equal(r.code, 0, r.ctx);
        // Non-JSON mode prints the final message alone on stdout.
        const answer = r.stdout.trim();
        assert.match(answer, /^You said: /, r.ctx);
        assert.ok(answer.endsWith(prompt), r.ctx);

        const served = await servedRequests(s.mock);
        assert.equal(served.length, 1, JSON.stringify(served.map((q) => q.path)));
        const protocol = protocolOf(served[0]);
        if (target.name !== 'rotation') assert.equal(protocol, target.name);
        const body = JSON.parse(served[0].body);
        assert.ok(served[0].body.includes(prompt));
        // Codex's shell tool reaches the provider; the built-in tools it cannot run do not.
        const tools = offeredTools(protocol, body);
        assert.ok(tools.includes('exec_command'), JSON.stringify(tools));
        for (const absent of ['web_search', 'multi_agent_v1', 'apply_patch'])
          assert.ok(!tools.includes(absent), `${absent} offered upstream: ${JSON.stringify(tools)}`);
        // …and Codex was told which ones were dropped.
        assert.equal(relay.answers.length, 1, JSON.stringify(relay.answers));
        assert.equal(relay.answers[0].status, 200);
        assert.equal(relay.answers[0].path, `${target.path}/responses`);
        assert.match(relay.answers[0].headers['content-type'], /^text\/event-stream/);
        assert.deepEqual(relay.answers[0].headers['x-aisbf-dropped-tools']?.split(',').sort(), droppedTools(target));
      });

      it('codex exec --image: the image reaches the provider', async () => {
        const prompt = `Describe this image, ${target.name}`;
        const r = await codexRun(target, prompt, { image: true });
        assert.equal(r.code, 0, r.ctx);
        assert.match(r.stdout.trim(), /^You said: /, r.ctx);
        assert.ok(r.stdout.trim().endsWith(prompt), r.ctx);
        const served = await servedRequests(s.mock);
        assert.equal(served.length, 1, JSON.stringify(served.map((q) => q.path)));
        // Translated into the provider's own image form, not passed on as a Responses part.
        assert.ok(served[0].body.includes(TINY_PNG_B64), served[0].body.slice(-1500));
        assert.ok(!served[0].body.includes('input_image'), served[0].body.slice(-1500));
      });

      it('codex exec: a shell tool round trip', async () => {
        const marker = `codex-marker-${target.name}-${crypto.randomBytes(4).toString('hex')}`;
        const prompt = `mock-call: exec_command ${JSON.stringify({ cmd: `echo ${marker}` })}`;
        const r = await codexRun(target, prompt, { json: true });
        assert.equal(r.code, 0, r.ctx);
        const done = r.events.filter((e) => e.type === 'item.completed').map((e) => e.item);
        const command = done.find((item) => item.type === 'command_execution');
        assert.ok(command, r.ctx);
        assert.match(command.command, new RegExp(`echo ${marker}`));
        assert.equal(command.exit_code, 0, r.ctx);
        assert.ok(command.aggregated_output.includes(marker), r.ctx);
        // The mock answers a tool result with "Tool result: <output>": Codex's
        // last message is that answer, so the output went upstream and back.
        const messages = done.filter((item) => item.type === 'agent_message');
        assert.equal(messages.length, 1, r.ctx);
        assert.match(messages[0].text, /^Tool result: /, r.ctx);
        assert.ok(messages[0].text.includes(marker), r.ctx);
        assert.equal(r.events.at(-1).type, 'turn.completed', r.ctx);

        // Two upstream calls, in order: the one that asked for the command,
        // then the one carrying its output as the tool result.
        const served = await servedRequests(s.mock);
        assert.equal(served.length, 2, JSON.stringify(served.map((q) => q.path)));
        const [first, second] = served.map((q) => ({ protocol: protocolOf(q), body: JSON.parse(q.body) }));
        if (target.name !== 'rotation') {
          assert.equal(first.protocol, target.name);
          assert.equal(second.protocol, target.name);
        }
        assert.ok(offeredTools(first.protocol, first.body).includes('exec_command'));
        assert.ok(lastToolResult(second.protocol, second.body).includes(marker),
          JSON.stringify(second.body).slice(-2000));
      });
    });
  }

  // Last, once every run has ended: nothing tried to leave late (at exit).
  it('no run tried to reach past the machine', () => {
    assert.deepEqual(trap.attempts, []);
  });
});
