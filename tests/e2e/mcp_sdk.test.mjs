// The MCP server (issue 13, phase 1) with the official @modelcontextprotocol/sdk
// client over Streamable HTTP: initialize and negotiation, tools/list per
// access level (exact sets), the model tools, chat_completion through the
// chat pipeline with progress notifications and with cancellation (the mock
// records the aborted upstream request), errors, sessions and the Origin
// check; AISBF's /mcp/tools conveniences; a user token in its namespace.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { startSdkStack, request, post, mockProvider, tmpDir, MOCK_KEY } from './common.mjs';

const GATEWAY = 'e2e-mcp-gateway-token';
const AUTOSELECT = 'e2e-mcp-autoselect-token';
const FULLCONFIG = 'e2e-mcp-fullconfig-token';
const bearer = (token) => ({ authorization: `Bearer ${token}` });

const MODEL_TOOLS = ['list_models', 'list_rotations', 'list_autoselect', 'get_model_info', 'chat_completion'];
const CONFIG_TOOLS = ['provider', 'rotation', 'autoselect']
  .flatMap((k) => [`get_${k}_config`, `set_${k}_config`, `delete_${k}_config`]);
const FULL_TOOLS = [...MODEL_TOOLS, 'get_cache_stats', 'get_usage_stats', 'get_provider_health', 'get_tor_status',
  ...CONFIG_TOOLS, 'get_server_config', 'set_server_config',
  'reload_config'];
// Listed for user tokens and sessions only: the caller's own namespace.
const USER_TOOLS = ['list_user_models', 'get_user_config', 'set_user_provider', 'delete_user_provider',
  'set_user_rotation', 'delete_user_rotation', 'set_user_autoselect', 'delete_user_autoselect'];

// ~9 pieces of 24 bytes from the mock when streamed.
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen '
  + 'sixteen seventeen eighteen nineteen twenty';

async function connect(s, token, { headers = {} } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
    requestInit: { headers: { ...bearer(token), ...headers } },
  });
  const client = new Client({ name: 'aisbf-e2e', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, transport };
}

// The legacy HTTP+SSE transport (GET /mcp/sse, POST /mcp/messages).
async function connectLegacy(s, token) {
  const transport = new SSEClientTransport(new URL(`${s.url}/mcp/sse`), { requestInit: { headers: bearer(token) } });
  const client = new Client({ name: 'aisbf-e2e-legacy', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, transport };
}

// A raw JSON-RPC POST on /mcp (what the SDK does not let a test get wrong).
function rpc(s, token, body, headers = {}) {
  return request(s.u('/mcp'), {
    method: 'POST',
    headers: { ...bearer(token), accept: 'application/json, text/event-stream', ...headers },
    body,
  });
}

async function rawSession(s, token, protocolVersion = '2025-06-18') {
  const r = await rpc(s, token, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  assert.equal(r.status, 200, r.text);
  const id = r.headers['mcp-session-id'];
  assert.match(id, /^[0-9a-f]{32}$/);
  return { id, result: r.json().result };
}

describe('MCP server with the official SDK', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startSdkStack({
      token: GATEWAY,
      server: { cors_origins: ['https://allowed.example'] },
      aisbf: {
        mcp: { enabled: true, autoselect_tokens: [AUTOSELECT], fullconfig_tokens: [FULLCONFIG] },
        database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-e2e-mcp-'), 'aisbf.db') },
      },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model', 'fault-hold-2', 'fault-400'] }) }),
      rotations: () => ({ pair: { model_name: 'pair', providers: [{ provider_id: 'mock', models: [{ name: 'mock-model' }] }] } }),
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('negotiates the newest revision both speak, and the older ones a client asks for', async () => {
    const { client, transport } = await connect(s, FULLCONFIG);
    assert.equal(transport.protocolVersion, LATEST_PROTOCOL_VERSION);
    assert.equal(client.getServerVersion().name, 'aisbf');
    assert.ok(client.getServerCapabilities().tools);
    await client.ping();
    await client.close();
    for (const v of ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25']) {
      assert.equal((await rawSession(s, FULLCONFIG, v)).result.protocolVersion, v);
    }
    // A revision from the future: the newest aisbf speaks; the client decides.
    assert.equal((await rawSession(s, FULLCONFIG, '2099-01-01')).result.protocolVersion, '2025-11-25');
  });

  it('tools/list shows each access level exactly the tools it may call', async () => {
    for (const [token, want] of [[AUTOSELECT, MODEL_TOOLS], [FULLCONFIG, FULL_TOOLS], [GATEWAY, FULL_TOOLS]]) {
      const { client } = await connect(s, token);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), want, token);
      for (const t of tools) {
        assert.equal(t.inputSchema.type, 'object', t.name);
        assert.equal(typeof t.annotations.readOnlyHint, 'boolean', t.name);
        assert.equal(typeof t.annotations.destructiveHint, 'boolean', t.name);
      }
      assert.ok(tools.find((t) => t.name === 'list_models').outputSchema);
      await client.close();
    }
    // AISBF's convenience lists the same.
    const r = await request(s.u('/mcp/tools'), { headers: bearer(AUTOSELECT) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json().tools.map((t) => t.name), MODEL_TOOLS);
  });

  it('calling a tool beyond the level is a JSON-RPC error, not a silent success', async () => {
    const { client } = await connect(s, AUTOSELECT);
    await assert.rejects(client.callTool({ name: 'get_cache_stats', arguments: {} }),
      (e) => e.code === -32602 && /access level/.test(e.message));
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }),
      (e) => e.code === -32602 && /unknown tool/.test(e.message));
    await client.close();
    const r = await post(s.u('/mcp/tools/call'), { name: 'get_cache_stats', arguments: {} }, { headers: bearer(AUTOSELECT) });
    assert.equal(r.status, 403, r.text);
  });

  it('list_models, list_rotations, get_model_info and get_cache_stats answer as the HTTP routes', async () => {
    const { client } = await connect(s, FULLCONFIG);
    const models = await client.callTool({ name: 'list_models', arguments: {} });
    assert.equal(models.isError, false);
    const http = await request(s.u('/api/v1/models'), { headers: bearer(GATEWAY) });
    assert.deepEqual(models.structuredContent.data.map((m) => m.id), http.json().data.map((m) => m.id));
    assert.deepEqual(JSON.parse(models.content[0].text), models.structuredContent);
    assert.ok(models.structuredContent.data.some((m) => m.id === 'rotation/pair'));

    const rotations = await client.callTool({ name: 'list_rotations', arguments: {} });
    assert.deepEqual(rotations.structuredContent.data.map((r) => r.id), ['pair']);
    const autoselects = await client.callTool({ name: 'list_autoselect', arguments: {} });
    assert.deepEqual(autoselects.structuredContent.data, []);

    const info = await client.callTool({ name: 'get_model_info', arguments: { model: 'mock/mock-model' } });
    assert.equal(info.structuredContent.id, 'mock/mock-model');
    const missing = await client.callTool({ name: 'get_model_info', arguments: { model: 'mock/nope' } });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /does not exist: list_models gives the ids/);

    const stats = await client.callTool({ name: 'get_cache_stats', arguments: {} });
    assert.equal(stats.isError, false);
    assert.equal(typeof stats.structuredContent.hits, 'number');
    await client.close();
  });

  it('config tools: a provider set over MCP is served at once, read masked, refused with diagnostics, deleted', async () => {
    const { client } = await connect(s, FULLCONFIG);
    const set = await client.callTool({
      name: 'set_provider_config',
      arguments: { id: 'extra', config: mockProvider(s.mock.url, { id: 'extra', models: ['mock-model'] }) },
    });
    assert.equal(set.isError, false, JSON.stringify(set));
    const listed = await request(s.u('/api/v1/models'), { headers: bearer(GATEWAY) });
    assert.ok(listed.json().data.some((m) => m.id === 'extra/mock-model'), listed.text);
    const chat = await client.callTool({
      name: 'chat_completion', arguments: { model: 'extra/mock-model', messages: [{ role: 'user', content: 'new one' }] },
    });
    assert.equal(chat.structuredContent.content, 'You said: new one');

    const read = await client.callTool({ name: 'get_provider_config', arguments: { id: 'extra' } });
    assert.equal(read.structuredContent.id, 'extra');
    assert.ok(read.structuredContent.provider.api_key, JSON.stringify(read));
    assert.notEqual(read.structuredContent.provider.api_key, MOCK_KEY, 'the key is masked on read');

    const bad = await client.callTool({
      name: 'set_provider_config', arguments: { id: 'broken', config: { type: 'openai', endpoint: 'not a url', models: 5 } },
    });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /error/);
    assert.equal((await client.callTool({ name: 'get_provider_config', arguments: { id: 'broken' } })).isError, true);
    // An "env:NAME" key the entry does not already hold is refused: it would
    // send a variable of the server's environment where the caller says.
    const env = await client.callTool({
      name: 'set_provider_config',
      arguments: { id: 'thief', config: mockProvider(s.mock.url, { id: 'thief', models: ['mock-model'], api_key: 'env:OPENAI_API_KEY' }) },
    });
    assert.equal(env.isError, true, JSON.stringify(env));
    assert.match(env.content[0].text, /env:/);
    assert.equal((await client.callTool({ name: 'get_provider_config', arguments: { id: 'thief' } })).isError, true);

    const del = await client.callTool({ name: 'delete_provider_config', arguments: { id: 'extra' } });
    assert.deepEqual(del.structuredContent, { deleted: 'extra' });
    const after = await request(s.u('/api/v1/models'), { headers: bearer(GATEWAY) });
    assert.ok(!after.json().data.some((m) => m.id === 'extra/mock-model'));

    const server = await client.callTool({ name: 'get_server_config', arguments: {} });
    assert.ok(server.structuredContent.settings.mcp, 'aisbf.json sections are listed');
    assert.ok(!JSON.stringify(server).includes(FULLCONFIG), 'the MCP tokens are masked');
    // An MCP token may not write who may call the gateway: it would mint
    // itself a gateway token.
    for (const section of ['auth', 'mcp', 'dashboard']) {
      const escalate = await client.callTool({
        name: 'set_server_config', arguments: { settings: { [section]: { enabled: true, tokens: ['minted-by-mcp-0123456789'] } } },
      });
      assert.equal(escalate.isError, true, JSON.stringify(escalate));
      assert.match(escalate.content[0].text, new RegExp(`cannot change the "${section}" section`));
    }
    const minted = await request(s.u('/api/v1/models'), { headers: bearer('minted-by-mcp-0123456789') });
    assert.equal(minted.status, 401);
    const reload = await client.callTool({ name: 'reload_config', arguments: {} });
    assert.equal(reload.isError, false, JSON.stringify(reload));
    assert.equal(reload.structuredContent.reloaded, true);
    await client.close();
  });

  it('get_usage_stats reports the chats made over MCP; get_provider_health the targets', async () => {
    const { client } = await connect(s, FULLCONFIG);
    const chat = await client.callTool({
      name: 'chat_completion', arguments: { model: 'mock/mock-model', messages: [{ role: 'user', content: 'count me' }] },
    });
    assert.equal(chat.isError, false);
    const flushed = await post(s.u('/api/admin/usage/flush'), undefined, { headers: bearer(GATEWAY) });
    assert.equal(flushed.status, 200, flushed.text);
    const usage = await client.callTool({ name: 'get_usage_stats', arguments: { group_by: 'model' } });
    assert.equal(usage.isError, false, JSON.stringify(usage));
    assert.ok(usage.structuredContent.totals.requests >= 1, JSON.stringify(usage.structuredContent));
    const bad = await client.callTool({ name: 'get_usage_stats', arguments: { from: 'last tuesday' } });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /from/);
    const enumBad = await client.callTool({ name: 'get_usage_stats', arguments: { group_by: 'colour' } });
    assert.equal(enumBad.isError, true);
    assert.match(enumBad.content[0].text, /group_by/);

    const tor = await client.callTool({ name: 'get_tor_status', arguments: {} });
    assert.equal(tor.structuredContent.enabled, false);
    assert.match(tor.structuredContent.message, /disabled/);
    const health = await client.callTool({ name: 'get_provider_health', arguments: {} });
    assert.equal(health.isError, false);
    const direct = await request(s.u('/api/admin/health'), { headers: bearer(GATEWAY) });
    assert.deepEqual(Object.keys(health.structuredContent).sort(), Object.keys(direct.json()).sort());
    await client.close();
  });

  it('resources aisbf://models and aisbf://rotations, and the summarise_usage prompt for full config', async () => {
    const { client } = await connect(s, AUTOSELECT);
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => r.uri), ['aisbf://models', 'aisbf://rotations']);
    const models = await client.readResource({ uri: 'aisbf://models' });
    const ids = JSON.parse(models.contents[0].text).data.map((m) => m.id);
    assert.ok(ids.includes('mock/mock-model') && ids.includes('rotation/pair'), ids.join(','));
    const rotations = await client.readResource({ uri: 'aisbf://rotations' });
    assert.deepEqual(JSON.parse(rotations.contents[0].text).data.map((r) => r.id), ['pair']);
    await assert.rejects(client.readResource({ uri: 'aisbf://nope' }), (e) => e.code === -32002);
    assert.deepEqual((await client.listPrompts()).prompts, []);
    await client.close();

    const { client: full } = await connect(s, FULLCONFIG);
    assert.deepEqual((await full.listPrompts()).prompts.map((p) => p.name), ['summarise_usage']);
    const prompt = await full.getPrompt({ name: 'summarise_usage', arguments: { period: 'week' } });
    assert.match(prompt.messages[0].content.text, /last week.*get_usage_stats/s);
    await assert.rejects(full.getPrompt({ name: 'nope' }), (e) => e.code === -32602);
    await full.close();
  });

  it('bad arguments are isError results that say what to fix', async () => {
    const { client } = await connect(s, AUTOSELECT);
    for (const [args, why] of [
      [{}, /missing required argument 'model'/],
      [{ model: 'mock/mock-model', messages: 'hi' }, /argument 'messages' must be array/],
      [{ model: 'mock/mock-model', messages: [] }, /argument 'messages' needs at least 1/],
      [{ model: 'mock/mock-model', messages: [{ role: 'user', content: 'x' }], colour: 1 }, /unknown argument 'colour'/],
    ]) {
      const r = await client.callTool({ name: 'chat_completion', arguments: args });
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(r.content[0].text, why);
    }
    // An upstream refusal is a tool failure too, naming the model.
    const refused = await client.callTool({
      name: 'chat_completion', arguments: { model: 'mock/fault-400', messages: [{ role: 'user', content: 'x' }] },
    });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /model 'mock\/fault-400' did not answer \(400\)/);
    // Malformed params are -32602.
    await assert.rejects(client.request({ method: 'tools/call', params: { name: 5 } },
      (await import('@modelcontextprotocol/sdk/types.js')).CallToolResultSchema), (e) => e.code === -32602);
    await client.close();
  });

  it('chat_completion goes through the chat pipeline: direct models and rotations', async () => {
    const { client } = await connect(s, AUTOSELECT);
    for (const model of ['mock/mock-model', 'rotation/pair']) {
      const r = await client.callTool({
        name: 'chat_completion', arguments: { model, messages: [{ role: 'user', content: `hi ${model}` }], temperature: 0 },
      });
      assert.equal(r.isError, false, JSON.stringify(r));
      assert.equal(r.structuredContent.content, `You said: hi ${model}`);
      assert.equal(r.content[0].text, `You said: hi ${model}`);
      assert.equal(r.structuredContent.finish_reason, 'stop');
      assert.ok(r.structuredContent.usage.total_tokens > 0);
    }
    const upstream = await s.mock.chatRequests();
    assert.equal(upstream.length, 2);
    for (const q of upstream) assert.equal(JSON.parse(q.body).temperature, 0);
    await client.close();
  });

  it('chat_completion with a progress token streams the text so far as notifications/progress', async () => {
    const { client } = await connect(s, AUTOSELECT);
    const seen = [];
    const r = await client.callTool(
      { name: 'chat_completion', arguments: { model: 'mock/mock-model', messages: [{ role: 'user', content: LONG }] } },
      undefined, { onprogress: (p) => seen.push(p) });
    const answer = `You said: ${LONG}`;
    assert.equal(r.structuredContent.content, answer);
    assert.ok(seen.length >= 3, `only ${seen.length} progress notifications`);
    for (let i = 0; i < seen.length; i++) {
      assert.equal(seen[i].progress, i + 1);
      assert.ok(answer.startsWith(seen[i].message), seen[i].message);
      if (i > 0) assert.ok(seen[i].message.length > seen[i - 1].message.length);
    }
    assert.equal(seen.at(-1).message, answer);
    const upstream = await s.mock.chatRequests();
    assert.equal(JSON.parse(upstream[0].body).stream, true);
    await client.close();
  });

  it('notifications/cancelled stops the upstream call', async () => {
    const { client } = await connect(s, AUTOSELECT);
    const controller = new AbortController();
    let progressed = 0;
    const call = client.callTool(
      { name: 'chat_completion', arguments: { model: 'mock/fault-hold-2', messages: [{ role: 'user', content: LONG }] } },
      undefined, {
        signal: controller.signal,
        onprogress: () => { progressed += 1; controller.abort('enough'); },
      });
    await assert.rejects(call);
    assert.equal(progressed, 1);
    // The upstream stream is held by the mock until released: only the
    // cancellation can have ended it.
    const st = await s.mock.waitStats((x) => x.aborted >= 1, 5000);
    assert.equal(st.aborted, 1);
    await client.close();
  });

  it('a JSON-RPC id already in flight in the session is refused, and the first call goes on', async () => {
    const { id } = await rawSession(s, AUTOSELECT);
    const inSession = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };
    const call = (meta) => ({
      jsonrpc: '2.0', id: 7, method: 'tools/call',
      params: { name: 'chat_completion', arguments: { model: 'mock/fault-hold-2', messages: [{ role: 'user', content: 'hi' }] }, ...meta },
    });
    // With a progress token the upstream call streams, and the mock holds it.
    const first = rpc(s, AUTOSELECT, call({ _meta: { progressToken: 'p' } }), inSession);
    let held = 0;
    for (let i = 0; i < 2000 && held === 0; i++) {
      held = (await request(s.mock.u('/__mock/held'))).json().held;
      if (held === 0) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(held, 1);
    const second = await rpc(s, AUTOSELECT, call({}), inSession);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json().error.code, -32600);
    assert.match(second.json().error.message, /request id 7 is already in use/);
    assert.equal((await request(s.mock.u('/__mock/release'), { method: 'POST' })).json().released, 1);
    const done = await first;
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /"id":7,"result":\{/);
    assert.equal((await s.mock.chatRequests()).length, 1);
  });

  it('sessions: DELETE ends one, reusing it is 404; another caller cannot use it', async () => {
    const { id } = await rawSession(s, AUTOSELECT);
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
    const ok = await rpc(s, AUTOSELECT, ping, { 'mcp-session-id': id });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json(), { jsonrpc: '2.0', id: 2, result: {} });
    assert.equal((await rpc(s, FULLCONFIG, ping, { 'mcp-session-id': id })).status, 404);
    assert.equal((await rpc(s, AUTOSELECT, ping)).status, 400);
    const bad = await rpc(s, AUTOSELECT, ping, { 'mcp-session-id': id, 'mcp-protocol-version': '1999-01-01' });
    assert.equal(bad.status, 400);
    assert.match(bad.json().error.message, /unsupported MCP-Protocol-Version/);

    const other = await rpc(s, AUTOSELECT, ping, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-03-26' });
    assert.equal(other.status, 400, other.text);
    assert.match(other.json().error.message, /not the revision this session negotiated \('2025-06-18'\)/);

    const del = await request(s.u('/mcp'), { method: 'DELETE', headers: { ...bearer(AUTOSELECT), 'mcp-session-id': id } });
    assert.equal(del.status, 200, del.text);
    const after = await rpc(s, AUTOSELECT, ping, { 'mcp-session-id': id });
    assert.equal(after.status, 404, after.text);

    // The SDK's own terminateSession.
    const { client, transport } = await connect(s, AUTOSELECT);
    const sid = transport.sessionId;
    await transport.terminateSession();
    assert.equal((await rpc(s, AUTOSELECT, ping, { 'mcp-session-id': sid })).status, 404);
    await client.close();
  });

  it('GET opens the session\'s server-to-client stream, which ends with the session', async () => {
    const { id } = await rawSession(s, AUTOSELECT);
    const res = await new Promise((resolve, reject) => {
      const req = http.get(s.u('/mcp'), {
        agent: false,
        headers: { ...bearer(AUTOSELECT), accept: 'text/event-stream', 'mcp-session-id': id },
      }, resolve);
      req.on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'], /^text\/event-stream/);
    const ended = new Promise((resolve) => { res.on('end', resolve); res.on('close', resolve); res.resume(); });
    const del = await request(s.u('/mcp'), { method: 'DELETE', headers: { ...bearer(AUTOSELECT), 'mcp-session-id': id } });
    assert.equal(del.status, 200);
    await ended;  // bounded by the suite's timeout; the gateway checks the session every second
    const noSse = await request(s.u('/mcp'), { headers: { ...bearer(AUTOSELECT), accept: 'application/json' } });
    assert.equal(noSse.status, 406);
  });

  it('JSON-RPC errors: parse error, invalid request, method not found, batches by revision', async () => {
    const notJson = await request(s.u('/mcp'), {
      method: 'POST', headers: { ...bearer(AUTOSELECT), 'content-type': 'application/json' }, body: '{"jsonrpc":',
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json().error.code, -32700);

    const old = await rawSession(s, AUTOSELECT, '2025-03-26');
    const batch = await rpc(s, AUTOSELECT, [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'completion/complete' },
      { jsonrpc: '1.0', id: 3, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ], { 'mcp-session-id': old.id });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(batch.json().map((m) => [m.id, m.error?.code ?? 'ok']), [[1, 'ok'], [2, -32601], [3, -32600]]);

    const now = await rawSession(s, AUTOSELECT, '2025-11-25');
    const refused = await rpc(s, AUTOSELECT, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], { 'mcp-session-id': now.id });
    assert.equal(refused.status, 400);
    const notification = await rpc(s, AUTOSELECT, { jsonrpc: '2.0', method: 'notifications/initialized' },
      { 'mcp-session-id': now.id });
    assert.equal(notification.status, 202);
    assert.equal(notification.text, '');
    assert.equal(notification.headers['content-type'], undefined);
  });

  it('the legacy HTTP+SSE transport: tools per level, list_models, chat with progress', async (t) => {
    const { client: auto } = await connectLegacy(s, AUTOSELECT);
    t.after(() => auto.close());
    assert.deepEqual((await auto.listTools()).tools.map((t) => t.name), MODEL_TOOLS);
    await assert.rejects(auto.callTool({ name: 'get_cache_stats', arguments: {} }), (e) => e.code === -32602);

    const { client, transport } = await connectLegacy(s, FULLCONFIG);
    t.after(() => client.close());  // an open stream would keep the test process alive
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name), FULL_TOOLS);
    const models = await client.callTool({ name: 'list_models', arguments: {} });
    assert.ok(models.structuredContent.data.some((m) => m.id === 'mock/mock-model'));
    // The progress notifications as they arrive on the stream, before the
    // answer: the SDK hands notifications to its handlers a microtask late,
    // so those that reach it in the same read as the answer are dropped by
    // onprogress (the SSE client's quirk, not the order on the wire).
    const wire = [];
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (message.method === 'notifications/progress') wire.push(message.params);
      else if (message.id !== undefined) wire.push({ answer: message.id });
      deliver(message, extra);
    };
    const r = await client.callTool(
      { name: 'chat_completion', arguments: { model: 'mock/mock-model', messages: [{ role: 'user', content: LONG }] } },
      undefined, { onprogress: () => {} });
    assert.equal(r.structuredContent.content, `You said: ${LONG}`);
    const progress = wire.slice(0, -1);
    assert.ok(wire.at(-1).answer !== undefined, JSON.stringify(wire.at(-1)));
    assert.ok(progress.length >= 3, `only ${progress.length} progress notifications`);
    progress.forEach((p, i) => assert.equal(p.progress, i + 1));
    assert.equal(progress.at(-1).message, `You said: ${LONG}`);
  });

  it('the legacy transport: notifications/cancelled stops the upstream call; a closed stream ends the session', async (t) => {
    const { client, transport } = await connectLegacy(s, AUTOSELECT);
    t.after(() => client.close());
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'chat_completion', arguments: { model: 'mock/fault-hold-2', messages: [{ role: 'user', content: LONG }] } },
      undefined, { signal: controller.signal, onprogress: () => controller.abort('enough') });
    await assert.rejects(call);
    const st = await s.mock.waitStats((x) => x.aborted >= 1, 5000);
    assert.equal(st.aborted, 1);
    const endpoint = transport._endpoint;  // the SDK keeps the endpoint event's URL here
    await client.close();
    // The session lived as long as its stream (the gateway notices within a second).
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' });
    let status = 202;
    for (let i = 0; i < 50 && status !== 404; i++) {
      status = (await request(endpoint.href, {
        method: 'POST', headers: { ...bearer(AUTOSELECT), 'content-type': 'application/json' }, body: ping,
      })).status;
      if (status !== 404) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 404);
  });

  it('a wrong Origin is refused with 403; the own and listed ones pass', async () => {
    const init = {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'o', version: '1' } },
    };
    const evil = await rpc(s, AUTOSELECT, init, { origin: 'https://evil.example' });
    assert.equal(evil.status, 403, evil.text);
    const listed = await rpc(s, AUTOSELECT, init, { origin: 'https://allowed.example' });
    assert.equal(listed.status, 200);
    // A listed page may read the answer and its session id (CORS).
    assert.equal(listed.headers['access-control-allow-origin'], 'https://allowed.example');
    assert.match(listed.headers['access-control-expose-headers'], /Mcp-Session-Id/);
    const own = await rpc(s, AUTOSELECT, init, { origin: s.url });
    assert.equal(own.status, 200);
    assert.equal(own.headers['access-control-allow-origin'], undefined);
    // The browser's preflight carries no credentials: answered for a listed Origin only.
    const preflight = (origin, p = '/mcp') => request(s.u(p), {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    for (const p of ['/mcp', '/mcp/tools', '/mcp/tools/call', '/mcp/sse', '/mcp/messages']) {
      const ok = await preflight('https://allowed.example', p);
      assert.equal(ok.status, 204, `${p} ${ok.text}`);
      assert.equal(ok.headers['access-control-allow-origin'], 'https://allowed.example');
      assert.match(ok.headers['access-control-allow-methods'], /POST/);
      assert.match(ok.headers['access-control-allow-headers'], /Authorization/);
      assert.match(ok.headers['access-control-allow-headers'], /Mcp-Session-Id/);
      assert.equal(ok.headers['content-type'], undefined);
    }
    const refused = await preflight('https://evil.example');
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    const tools = await request(s.u('/mcp/tools'), { headers: { ...bearer(AUTOSELECT), origin: 'http://evil.example' } });
    assert.equal(tools.status, 403);
    // With the SDK: the connection fails.
    await assert.rejects(connect(s, AUTOSELECT, { headers: { origin: 'https://evil.example' } }));
  });

  it('a token that is neither MCP nor gateway is 401; MCP tokens do not open other routes', async () => {
    assert.equal((await request(s.u('/mcp/tools'), { headers: bearer('nope') })).status, 401);
    assert.equal((await request(s.u('/api/v1/models'), { headers: bearer(AUTOSELECT) })).status, 401);
    assert.equal((await request(s.u('/api/v1/models'), { headers: bearer(FULLCONFIG) })).status, 401);
  });

  it('a user token sees its own namespace at the autoselect level', async () => {
    const made = await post(s.u('/api/admin/users'), { username: 'mira', password: 'pw-mira-123456', role: 'user' },
      { headers: bearer(GATEWAY) });
    assert.equal(made.status, 201, made.text);
    const t = await post(s.u('/api/admin/users/mira/tokens'), { description: 'mcp' }, { headers: bearer(GATEWAY) });
    assert.equal(t.status, 201, t.text);
    const token = t.json().token;
    const allow = await request(s.u('/api/admin/users/mira'),
      { method: 'PATCH', body: { allow_private_endpoints: true }, headers: bearer(GATEWAY) });
    assert.equal(allow.status, 200, allow.text);
    const own = await request(s.u('/api/user/providers/own'), {
      method: 'PUT', headers: bearer(token),
      body: { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }] },
    });
    assert.equal(own.status, 201, own.text);

    const { client } = await connect(s, token);
    assert.deepEqual((await client.listTools()).tools.map((x) => x.name), [...MODEL_TOOLS, ...USER_TOOLS]);
    const models = await client.callTool({ name: 'list_models', arguments: {} });
    const ids = models.structuredContent.data.map((m) => m.id);
    assert.ok(ids.includes('user-provider/own/mock-model'), ids.join(','));
    const r = await client.callTool({
      name: 'chat_completion',
      arguments: { model: 'user-provider/own/mock-model', messages: [{ role: 'user', content: 'mine' }] },
    });
    assert.equal(r.structuredContent.content, 'You said: mine', JSON.stringify(r));
    await client.close();

    // Another caller does not see mira's ids.
    const { client: other } = await connect(s, AUTOSELECT);
    const theirs = await other.callTool({ name: 'list_models', arguments: {} });
    assert.ok(!theirs.structuredContent.data.some((m) => m.id.startsWith('user-')));
    await other.close();
  });
});

// A user's token for a new user of the stack (auth: the gateway token).
async function userToken(s, username, { allowPrivate = false } = {}) {
  const made = await post(s.u('/api/admin/users'), { username, password: `pw-${username}-123456`, role: 'user' },
    { headers: bearer(GATEWAY) });
  assert.equal(made.status, 201, made.text);
  if (allowPrivate) await allowPrivateEndpoints(s, username);
  const t = await post(s.u(`/api/admin/users/${username}/tokens`), { description: 'mcp' }, { headers: bearer(GATEWAY) });
  assert.equal(t.status, 201, t.text);
  return t.json().token;
}

async function allowPrivateEndpoints(s, username) {
  const r = await request(s.u(`/api/admin/users/${username}`),
    { method: 'PATCH', body: { allow_private_endpoints: true }, headers: bearer(GATEWAY) });
  assert.equal(r.status, 200, r.text);
}

describe('MCP user tools over the caller\'s own namespace', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startSdkStack({
      token: GATEWAY,
      aisbf: {
        mcp: { enabled: true, fullconfig_tokens: [FULLCONFIG] },
        database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-e2e-mcp-user-'), 'aisbf.db') },
      },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model'] }) }),
    });
  });
  after(async () => { await s?.stop(); });

  it('a user sets a provider in its namespace and sees it in list_user_models and on /api/u/{user}/models', async () => {
    const token = await userToken(s, 'nora');
    const { client } = await connect(s, token);
    assert.deepEqual((await client.listTools()).tools.map((x) => x.name), [...MODEL_TOOLS, ...USER_TOOLS]);
    const empty = await client.callTool({ name: 'get_user_config', arguments: {} });
    assert.deepEqual(empty.structuredContent, { providers: {}, rotations: {}, autoselects: {} });

    const own = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }] };
    // The user routes' rules: a loopback endpoint is refused until an admin allows private ones.
    const refused = await client.callTool({ name: 'set_user_provider', arguments: { id: 'mine', config: own } });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /private|loopback/i);
    const invalid = await client.callTool({ name: 'set_user_provider', arguments: { id: 'mine', config: { ...own, type: 7 } } });
    assert.equal(invalid.isError, true);
    assert.match(invalid.content[0].text, /type/);
    assert.deepEqual((await client.callTool({ name: 'list_user_models', arguments: {} })).structuredContent.data, []);

    await allowPrivateEndpoints(s, 'nora');
    const set = await client.callTool({ name: 'set_user_provider', arguments: { id: 'mine', config: own } });
    assert.equal(set.isError, false, JSON.stringify(set));
    assert.equal(set.structuredContent.id, 'mine');
    assert.equal(set.structuredContent.created, true);
    assert.notEqual(set.structuredContent.config.api_key, MOCK_KEY);  // masked

    const mine = await client.callTool({ name: 'list_user_models', arguments: {} });
    assert.deepEqual(mine.structuredContent.data.map((m) => m.id), ['user-provider/mine/mock-model']);
    const listed = await request(s.u('/api/u/nora/models'), { headers: bearer(token) });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.json().data.some((m) => m.id === 'user-provider/mine/mock-model'), listed.text);

    // Read back masked; sent back as read, the stored key stays and the model answers.
    const config = (await client.callTool({ name: 'get_user_config', arguments: {} })).structuredContent;
    const masked = config.providers.mine;
    assert.notEqual(masked.api_key, MOCK_KEY);
    const again = await client.callTool({ name: 'set_user_provider', arguments: { id: 'mine', config: masked } });
    assert.equal(again.structuredContent.created, false, JSON.stringify(again));
    const chat = await client.callTool({
      name: 'chat_completion',
      arguments: { model: 'user-provider/mine/mock-model', messages: [{ role: 'user', content: 'still mine' }] },
    });
    assert.equal(chat.structuredContent.content, 'You said: still mine', JSON.stringify(chat));

    // A rotation of theirs holds the provider: deleting it is refused until the rotation goes.
    const rot = await client.callTool({
      name: 'set_user_rotation',
      arguments: { id: 'mix', config: { model_name: 'mix', providers: [{ provider_id: 'mine' }, { provider_id: 'mock' }] } },
    });
    assert.equal(rot.isError, false, JSON.stringify(rot));
    const held = await client.callTool({ name: 'delete_user_provider', arguments: { id: 'mine' } });
    assert.equal(held.isError, true);
    assert.match(held.content[0].text, /mix/);
    assert.deepEqual((await client.callTool({ name: 'delete_user_rotation', arguments: { id: 'mix' } })).structuredContent,
      { deleted: 'mix' });
    assert.equal((await client.callTool({ name: 'delete_user_provider', arguments: { id: 'mine' } })).isError, false);
    const gone = await client.callTool({ name: 'delete_user_provider', arguments: { id: 'mine' } });
    assert.equal(gone.isError, true);
    assert.deepEqual((await client.callTool({ name: 'list_user_models', arguments: {} })).structuredContent.data, []);
    await client.close();
  });

  it('a user cannot touch another user\'s namespace nor the global configuration', async () => {
    const token = await userToken(s, 'olga', { allowPrivate: true });
    const other = await userToken(s, 'pavel');
    const { client } = await connect(s, token);
    const own = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }] };
    assert.equal((await client.callTool({ name: 'set_user_provider', arguments: { id: 'olgas', config: own } })).isError,
      false);
    // The tools take no user name: the write went to olga's namespace, nobody else's.
    const theirs = await request(s.u('/api/u/pavel/providers'), { headers: bearer(GATEWAY) });
    assert.deepEqual(theirs.json(), { providers: {} });
    const { client: pavel } = await connect(s, other);
    assert.deepEqual((await pavel.callTool({ name: 'list_user_models', arguments: {} })).structuredContent.data, []);
    assert.deepEqual((await pavel.callTool({ name: 'list_models', arguments: {} })).structuredContent.data
      .filter((m) => m.id.startsWith('user-')), []);
    await pavel.close();
    const global = await request(s.u('/api/v1/models'), { headers: bearer(GATEWAY) });
    assert.ok(!global.json().data.some((m) => m.id.includes('olgas')), global.text);
    // The global configuration tools are not a user's.
    await assert.rejects(client.callTool({ name: 'set_provider_config', arguments: { id: 'x', config: own } }),
      (e) => e.code === -32602 && /access level/.test(e.message));
    await client.close();

    // The user tools are not listed nor callable for callers without a namespace.
    const { client: full } = await connect(s, FULLCONFIG);
    assert.ok(!(await full.listTools()).tools.some((t) => USER_TOOLS.includes(t.name)));
    await assert.rejects(full.callTool({ name: 'set_user_provider', arguments: { id: 'x', config: own } }),
      (e) => e.code === -32602 && /user's token/.test(e.message));
    await full.close();
  });
});

describe('MCP sessions expire when idle', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startSdkStack({
      token: GATEWAY,
      // Long enough that the watching GET always comes within it, even
      // under sanitizers on a loaded machine; nothing waits it out idly.
      aisbf: { mcp: { enabled: true, fullconfig_tokens: [FULLCONFIG], session_idle_timeout: 8 } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model'] }) }),
    });
  });
  after(async () => { await s?.stop(); });

  it('an idle session ends its stream, then its id is 404 while a new session works', async () => {
    const { id } = await rawSession(s, FULLCONFIG);
    const inSession = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };
    // The session's GET stream does not keep it alive; the gateway ends the
    // stream once the session has expired (waited for, not timed).
    const stream = await request(s.u('/mcp'), {
      headers: { ...bearer(FULLCONFIG), accept: 'text/event-stream', ...inSession }, timeoutMs: 30000,
    });
    assert.equal(stream.status, 200, stream.text);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    // After the stream ended: the old id is unknown to every method.
    const ping = await rpc(s, FULLCONFIG, { jsonrpc: '2.0', id: 2, method: 'ping' }, inSession);
    assert.equal(ping.status, 404, ping.text);
    const del = await request(s.u('/mcp'), { method: 'DELETE', headers: { ...bearer(FULLCONFIG), ...inSession } });
    assert.equal(del.status, 404, del.text);
    // A new session is opened as usual.
    const fresh = await rawSession(s, FULLCONFIG);
    assert.notEqual(fresh.id, id);
  });

  it('the official SDK client is told its expired session is gone', async () => {
    const { client, transport } = await connect(s, FULLCONFIG);
    const id = transport.sessionId;
    assert.match(id, /^[0-9a-f]{32}$/);
    const watch = await request(s.u('/mcp'), {
      headers: { ...bearer(FULLCONFIG), accept: 'text/event-stream', 'mcp-session-id': id }, timeoutMs: 30000,
    });
    assert.equal(watch.status, 200);
    await assert.rejects(client.callTool({ name: 'list_models', arguments: {} }), (e) => /404|not found|expired/i.test(e.message));
    await client.close();
  });
});

describe('MCP switched off', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startSdkStack({ token: GATEWAY, aisbf: { mcp: { enabled: false, autoselect_tokens: [AUTOSELECT] } } }); });
  after(async () => { await s?.stop(); });

  it('every /mcp route is 404, even for a gateway token or a preflight', async () => {
    const preflight = await request(s.u('/mcp'), { method: 'OPTIONS', headers: { origin: 'https://a.example' } });
    assert.equal(preflight.status, 404);
    for (const p of ['/mcp', '/mcp/tools']) {
      assert.equal((await request(s.u(p), { headers: bearer(GATEWAY) })).status, 404, p);
      assert.equal((await request(s.u(p), { headers: bearer(AUTOSELECT) })).status, 404, p);
    }
    assert.equal((await rpc(s, GATEWAY, { jsonrpc: '2.0', id: 1, method: 'ping' })).status, 404);
  });
});

describe('MCP chat_completion and the response cache', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startSdkStack({
      token: GATEWAY,
      aisbf: { mcp: { enabled: true, fullconfig_tokens: [FULLCONFIG] }, response_cache: { enabled: true } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model'] }) }),
    });
  });
  after(async () => { await s?.stop(); });

  it('the same question twice reaches the upstream once; the stats count the hit', async () => {
    const { client } = await connect(s, FULLCONFIG);
    const ask = { model: 'mock/mock-model', temperature: 0, messages: [{ role: 'user', content: 'cache me please' }] };
    const first = await client.callTool({ name: 'chat_completion', arguments: ask });
    const second = await client.callTool({ name: 'chat_completion', arguments: ask });
    assert.equal(first.structuredContent.content, 'You said: cache me please');
    assert.equal(second.structuredContent.content, first.structuredContent.content);
    assert.equal((await s.mock.chatRequests()).length, 1);
    const stats = await client.callTool({ name: 'get_cache_stats', arguments: {} });
    assert.equal(stats.structuredContent.hits, 1);
    assert.equal(stats.structuredContent.misses, 1);
    await client.close();
  });
});
