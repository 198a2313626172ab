// Claude Code (the real agent, offline) with `--model autoselect/<id>`
// (issue 11): a first turn whose answer needs a tool (the mock calls Bash
// because the prompt names it; Claude Code runs it and sends the result
// back) and a follow-up turn (`--continue`). The selection model is asked
// once for the whole conversation, before anything is served; every later
// upstream request of the conversation goes to the cached choice.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, mockProvider, model, runCli, tmpDir, upstreamChatRequests } from './common.mjs';
import { CLAUDE, CLAUDE_SKIP as skip, claudeEnv, claudeResult } from './claude_cli.mjs';

const TOKEN = 'e2e-autoselect-claude-token';
const SELECTION_LIST = '<aisbf_autoselect_list>';
// The mock calls the first tool whose name the text contains (Bash), with
// the whole text as its command: the shell's arithmetic shows it really ran.
const TOOL_TURN = 'echo shell-ran-$((6*7)) # Bash for debugging python code';
const FOLLOW_UP = 'thanks, that will do';
// With attribution settings of its own, Claude Code sends the prompt alone;
// else it prepends a reminder about commit attribution to the first user
// message, which the mock would make part of the Bash command.
const SETTINGS = JSON.stringify({ includeCoAuthoredBy: false, attribution: { commit: '', pr: '' } });

describe('claude code through autoselect/<id>', { timeout: 240000, skip }, () => {
  let s;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [TOKEN] },
      providers: (u) => ({
        mock: mockProvider(u, {
          models: ['select', 'side-model', model('code-model', { capabilities: ['t2t', 'function_calling'] }),
            model('chat-model', { capabilities: ['t2t', 'tools'] })],
        }),
      }),
      autoselect: {
        agent: {
          model_name: 'agent', description: 'e2e', selection_model: 'mock/select', fallback: 'mock/chat-model',
          available_models: [
            { model_id: 'mock/chat-model', description: 'Everyday conversation: cooking, travel and general questions.' },
            { model_id: 'mock/code-model', description: 'Programming: code, debugging, python, shell and compilers.' },
          ],
        },
      },
    });
  });
  after(async () => { await s?.stop(); });

  it('a tool turn and a follow-up: one selection call, then the cached choice serves every request', async () => {
    const home = tmpDir('aisbf-claude-home-');
    const work = tmpDir('aisbf-claude-work-');
    const env = {
      ...claudeEnv(s.url, home, TOKEN),
      // Claude Code's own side calls (titles, command prefixes) go to a
      // plain model, so that what reaches autoselect is the conversation.
      ANTHROPIC_SMALL_FAST_MODEL: 'mock/side-model',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'mock/side-model',
    };
    const claude = async (args) => claudeResult(await runCli(CLAUDE, [
      ...args, '--output-format', 'json', '--model', 'autoselect/agent', '--allowedTools', 'Bash', '--settings', SETTINGS,
    ], { env, cwd: work, timeoutMs: 90000 }));

    const first = await claude(['-p', TOOL_TURN]);
    assert.equal(first.code, 0, first.ctx);
    assert.equal(first.result?.is_error, false, first.ctx);
    // The tool ran (the shell computed 42) and its result came back as the answer.
    assert.match(first.result.result, /Tool result: .*shell-ran-42/s, first.ctx);

    const second = await claude(['-p', FOLLOW_UP, '--continue']);
    assert.equal(second.code, 0, second.ctx);
    assert.equal(second.result?.is_error, false, second.ctx);
    assert.equal(second.result.result, `You said: ${FOLLOW_UP}`, second.ctx);

    const bodies = (await upstreamChatRequests(s.mock)).map((q) => JSON.parse(q.body));
    const conversation = bodies.filter((b) => b.model !== 'side-model');
    const seen = conversation.map((b) => b.model).join(',');
    // One selection call, first; then the tool call, the answer to its
    // result, and the follow-up, all on the choice.
    assert.equal(bodies.filter((b) => JSON.stringify(b.messages).includes(SELECTION_LIST)).length, 1, seen);
    assert.deepEqual(conversation.map((b) => b.model), ['select', 'code-model', 'code-model', 'code-model'], seen);
    const [, toolCall, toolResult, followUp] = conversation;
    assert.ok(toolCall.tools.some((t) => t.function.name === 'Bash'), 'the agent\'s tools reached the target');
    assert.equal(toolResult.messages.at(-1).role, 'tool', JSON.stringify(toolResult.messages.at(-1)));
    assert.match(JSON.stringify(followUp.messages), /shell-ran-42/);
    assert.match(JSON.stringify(followUp.messages.at(-1)), new RegExp(FOLLOW_UP));
  });
});
