// The openai SDK through `autoselect/<id>` (issue 11), with aisbf-mock as the
// selection model (it picks the candidate whose description shares the most
// words with the quoted conversation) and as every target: plain and
// streamed answers, the choice read from `x-aisbf-autoselected` through
// `.withResponse()`, a tool call that survives the selection, a candidate
// that declares no tool capability kept out of a request with tools, the
// decision cache across the turns of one conversation, and the model list.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSdkStack, mockProvider, model, WEATHER_TOOL } from './common.mjs';

const SELECTION_LIST = '<aisbf_autoselect_list>';
// Both candidates that declare tools, and one that declares only text.
const CANDIDATES = [
  { model_id: 'mock/code-model', description: 'Programming: code, debugging, functions, compilers, python and rust.' },
  { model_id: 'mock/weather-model', description: 'Weather forecasts in any city.' },
  { model_id: 'mock/chat-model', description: 'Everyday conversation: cooking, travel and general questions.' },
];
const CODE_ASK = 'Please help me with debugging this python function';
// Shares most words with chat-model's description (everyday, cooking,
// travel, questions), fewer with weather-model's (weather, city), and names
// the tool, so that the mock calls it.
const TOOL_ASK = 'get_weather in my city: everyday cooking and travel questions';

describe('sdk: autoselect/<id>', { timeout: 60000 }, () => {
  let s;
  let client;
  // Each conversation has a system prompt of its own, so that none meets
  // another's cached decision.
  let conversations = 0;
  const conversation = (content) => [
    { role: 'system', content: `session ${++conversations}` }, { role: 'user', content },
  ];
  const upstream = async () => (await s.mock.chatRequests()).map((q) => JSON.parse(q.body));
  const selections = (bodies) => bodies.filter((b) => JSON.stringify(b.messages).includes(SELECTION_LIST));

  before(async () => {
    s = await startSdkStack({
      providers: (u) => ({
        mock: mockProvider(u, {
          models: [
            model('select'),
            model('code-model', { capabilities: ['t2t', 'function_calling'] }),
            model('weather-model', { capabilities: ['t2t', 'function_calling'] }),
            model('chat-model', { capabilities: ['t2t'] }),
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
    client = s.client();
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('plain: the selection model chooses, the header says so, the choice serves', async () => {
    const { data, response } = await client.chat.completions.create({
      model: 'autoselect/pick', messages: conversation(CODE_ASK),
    }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=llm');
    assert.equal(data.choices[0].message.content, `You said: ${CODE_ASK}`);
    const bodies = await upstream();
    assert.deepEqual(bodies.map((b) => b.model), ['select', 'code-model']);
    assert.equal(selections(bodies).length, 1);
  });

  it('streamed: the header arrives with the stream; the next turn is served from the cache', async () => {
    const first = conversation(CODE_ASK);
    const { data: st, response } = await client.chat.completions.create({
      model: 'autoselect/pick', stream: true, stream_options: { include_usage: true }, messages: first,
    }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=llm');
    let text = '';
    let usage = null;
    for await (const chunk of st) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, `You said: ${CODE_ASK}`);
    assert.ok(usage && usage.total_tokens > 0, JSON.stringify(usage));

    // The second turn asks about something else; the conversation keeps its choice.
    const later = 'and what about the cooking questions for travel?';
    const { data, response: r2 } = await client.chat.completions.create({
      model: 'autoselect/pick',
      messages: [...first, { role: 'assistant', content: text }, { role: 'user', content: later }],
    }).withResponse();
    assert.equal(r2.headers.get('x-aisbf-autoselected'), 'mock/code-model; by=cache');
    assert.equal(data.choices[0].message.content, `You said: ${later}`);
    const bodies = await upstream();
    assert.deepEqual(bodies.map((b) => b.model), ['select', 'code-model', 'code-model']);
    assert.equal(selections(bodies).length, 1);
  });

  it('tools: the tool call survives, and the candidate without tool capability is not offered', async () => {
    // Without tools the text-only candidate is the best match...
    const { response: plain } = await client.chat.completions.create({
      model: 'autoselect/pick', messages: conversation(TOOL_ASK),
    }).withResponse();
    assert.equal(plain.headers.get('x-aisbf-autoselected'), 'mock/chat-model; by=llm');

    // ...with tools it is left out of the list the selection model sees.
    await s.mock.reset();
    const { data, response } = await client.chat.completions.create({
      model: 'autoselect/pick', tools: [WEATHER_TOOL], messages: conversation(TOOL_ASK),
    }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/weather-model; by=llm');
    const call = data.choices[0].message.tool_calls?.[0];
    assert.equal(call?.function?.name, 'get_weather', JSON.stringify(data.choices[0]));
    assert.deepEqual(JSON.parse(call.function.arguments), { city: TOOL_ASK });
    assert.equal(data.choices[0].finish_reason, 'tool_calls');

    const bodies = await upstream();
    assert.deepEqual(bodies.map((b) => b.model), ['select', 'weather-model']);
    const [selection] = selections(bodies);
    const prompt = JSON.stringify(selection.messages);
    assert.ok(!prompt.includes('<model_id>mock/chat-model</model_id>'), prompt);
    assert.ok(prompt.includes('<model_id>mock/weather-model</model_id>'), prompt);
    assert.equal(selection.tools, undefined, 'the selection call carries no tools');
    assert.deepEqual(bodies[1].tools.map((t) => t.function.name), ['get_weather']);
  });

  it('tools, streamed: the tool call arrives in pieces and assembles', async () => {
    const { data: st, response } = await client.chat.completions.create({
      model: 'autoselect/pick', stream: true, tools: [WEATHER_TOOL], messages: conversation(TOOL_ASK),
    }).withResponse();
    assert.equal(response.headers.get('x-aisbf-autoselected'), 'mock/weather-model; by=llm');
    let name = '';
    let args = '';
    let finish = null;
    for await (const chunk of st) {
      const delta = chunk.choices[0]?.delta;
      for (const c of delta?.tool_calls ?? []) {
        name += c.function?.name ?? '';
        args += c.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: TOOL_ASK });
    assert.equal(finish, 'tool_calls');
    assert.deepEqual((await upstream()).map((b) => b.model), ['select', 'weather-model']);
  });

  it('models.list() includes autoselect/pick', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('autoselect/pick'), ids.join(','));
    assert.ok(ids.includes('mock/code-model'), ids.join(','));
  });
});
