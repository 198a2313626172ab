// Autoselect's decision cache in every client format (issue 11). A cached
// decision reads the conversation's key from the raw body
// (pipeline/conversation_scan.hpp) instead of decoding it: the later turns
// of a conversation sent with the Anthropic SDK, a legacy completion sent
// again, and a conversation begun in one format and continued in the other
// are served by=cache, without a selection call; a later turn that adds an
// image still goes only to a candidate that can see it.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSdkStack, mockProvider, model, loadAnthropic, TINY_PNG_B64 } from './common.mjs';

const Anthropic = await loadAnthropic();
const skip = Anthropic ? false : 'needs @anthropic-ai/sdk: run "npm ci" in tests/e2e';

const SELECTION_LIST = '<aisbf_autoselect_list>';
const CANDIDATES = [
  { model_id: 'mock/code-model', description: 'Programming: code, debugging, functions, compilers, python and rust.' },
  { model_id: 'mock/chat-model', description: 'Everyday conversation: cooking, travel and general questions.' },
  { model_id: 'mock/eye-model', description: 'Looks at pictures.' },
];
const CODE_ASK = 'Please help me with debugging this python function';

describe('sdk: autoselect decisions cached across client formats', { timeout: 60000, skip }, () => {
  let s;
  let openai;
  let anthropic;
  // Each conversation has a system prompt of its own: none meets another's decision.
  let conversations = 0;
  const system = () => `format session ${++conversations}`;
  const upstream = async () => (await s.mock.chatRequests()).map((q) => JSON.parse(q.body));
  const selections = (bodies) => bodies.filter((b) => JSON.stringify(b.messages).includes(SELECTION_LIST));

  before(async () => {
    s = await startSdkStack({
      providers: (u) => ({
        mock: mockProvider(u, {
          models: [
            model('select'),
            model('code-model', { capabilities: ['t2t'] }),
            model('chat-model', { capabilities: ['t2t'] }),
            model('eye-model', { capabilities: ['t2t', 'vision'] }),
          ],
        }),
      }),
      autoselect: {
        pick: {
          model_name: 'pick', description: 'e2e', selection_model: 'mock/select', fallback: 'mock/chat-model',
          available_models: CANDIDATES,
        },
      },
    });
    openai = s.client();
    anthropic = new Anthropic({ baseURL: s.url, apiKey: 'any-key', timeout: 10000, maxRetries: 0 });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('anthropic messages: the next turn is served from the cache', async () => {
    const first = { system: system(), messages: [{ role: 'user', content: CODE_ASK }] };
    const { data, response } = await anthropic.messages.create({
      model: 'autoselect/pick', max_tokens: 64, ...first,
    }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=llm');
    const answer = data.content[0].text;
    assert.equal(answer, `You said: ${CODE_ASK}`);

    // Claude Code's shape: the system prompt as blocks, the cache mark on the latest message.
    const later = 'and what about the cooking questions for travel?';
    const { data: d2, response: r2 } = await anthropic.messages.create({
      model: 'autoselect/pick',
      max_tokens: 64,
      system: [{ type: 'text', text: first.system }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: CODE_ASK }] },
        { role: 'assistant', content: answer },
        { role: 'user', content: [{ type: 'text', text: later, cache_control: { type: 'ephemeral' } }] },
      ],
    }).withResponse();
    assert.equal(r2.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=cache');
    assert.equal(d2.content[0].text, `You said: ${later}`);
    const bodies = await upstream();
    assert.deepEqual(bodies.map((b) => b.model), ['select', 'code-model', 'code-model']);
    assert.equal(selections(bodies).length, 1);
  });

  it('legacy completions: the same prompt again is served from the cache', async () => {
    const prompt = `${system()}: ${CODE_ASK}`;
    const { response } = await openai.completions.create({ model: 'autoselect/pick', prompt }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=llm');
    const { data, response: r2 } = await openai.completions.create({ model: 'autoselect/pick', prompt }).withResponse();
    assert.equal(r2.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=cache');
    assert.equal(data.choices[0].text, `You said: ${prompt}`);
    assert.equal(selections(await upstream()).length, 1);
  });

  it('a conversation begun with the openai SDK and continued with the anthropic SDK keeps its choice', async () => {
    const sys = system();
    const { response } = await openai.chat.completions.create({
      model: 'autoselect/pick', messages: [{ role: 'system', content: sys }, { role: 'user', content: CODE_ASK }],
    }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=llm');
    const { response: r2 } = await anthropic.messages.create({
      model: 'autoselect/pick', max_tokens: 64, system: sys,
      messages: [{ role: 'user', content: CODE_ASK }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }],
    }).withResponse();
    assert.equal(r2.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=cache');
    assert.equal(selections(await upstream()).length, 1);
  });

  it('a later turn with an image goes to the candidate that sees, not to the cached choice', async () => {
    const first = [{ role: 'system', content: system() }, { role: 'user', content: CODE_ASK }];
    const { response } = await openai.chat.completions.create({ model: 'autoselect/pick', messages: first })
      .withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=llm');
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${TINY_PNG_B64}` } };
    const { response: r2 } = await openai.chat.completions.create({
      model: 'autoselect/pick',
      messages: [...first, { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'what is in it?' }, image] }],
    }).withResponse();
    assert.equal(r2.headers.get('x-aisbf-autoselected'), 'mock/eye-model; by=only');
    // Without the image the conversation's choice serves again, from the cache.
    const { response: r3 } = await openai.chat.completions.create({
      model: 'autoselect/pick', messages: [...first, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and?' }],
    }).withResponse();
    assert.equal(r3.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=cache');
    assert.deepEqual((await upstream()).map((b) => b.model), ['select', 'code-model', 'eye-model', 'code-model']);
  });
});
