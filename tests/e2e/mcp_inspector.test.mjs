// The MCP inspector's CLI (@modelcontextprotocol/inspector, `--cli`) against
// the gateway over Streamable HTTP with a full-config MCP token: it lists the
// tools and calls list_models. Offline once installed: its keychain, catalog
// and home are a temporary directory's, secrets kept in memory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startSdkStack, request, mockProvider, tmpDir } from './common.mjs';

const GATEWAY = 'e2e-inspector-gateway-token';
const FULLCONFIG = 'e2e-inspector-fullconfig-token';
const INSPECTOR = fileURLToPath(new URL(
  './node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url));

// One CLI run: its stdout as JSON (it prints the method's result).
function inspector(url, args) {
  const home = tmpDir('aisbf-e2e-inspector-');
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    MCP_CATALOG_PATH: path.join(home, 'mcp.json'),
    MCP_INSPECTOR_SECRET_STORE: 'memory',
    MCP_AUTO_OPEN_ENABLED: 'false',
    NO_COLOR: '1',
  };
  const argv = [INSPECTOR, '--cli', url, '--transport', 'http', '--header', `Authorization: Bearer ${FULLCONFIG}`, ...args];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { env, timeout: 60000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`inspector ${args.join(' ')} failed: ${err.message}\n${stderr}\n${stdout}`));
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`inspector printed no JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe('MCP inspector CLI', { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startSdkStack({
      token: GATEWAY,
      aisbf: { mcp: { enabled: true, fullconfig_tokens: [FULLCONFIG] } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model', 'other-model'] }) }),
    });
  });
  after(async () => { await s?.stop(); });

  it('lists the tools a full-config token may call', async () => {
    const out = await inspector(`${s.url}/mcp`, ['--method', 'tools/list']);
    const own = await request(s.u('/mcp/tools'), { headers: { authorization: `Bearer ${FULLCONFIG}` } });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(out.tools.map((t) => t.name), own.json().tools.map((t) => t.name));
    for (const name of ['list_models', 'chat_completion', 'set_server_config']) {
      assert.ok(out.tools.some((t) => t.name === name), name);
    }
  });

  it('calls list_models and gets the ids /api/v1/models lists', async () => {
    const out = await inspector(`${s.url}/mcp`, ['--method', 'tools/call', '--tool-name', 'list_models']);
    assert.notEqual(out.isError, true, JSON.stringify(out));
    const http = await request(s.u('/api/v1/models'), { headers: { authorization: `Bearer ${GATEWAY}` } });
    assert.deepEqual(out.structuredContent.data.map((m) => m.id), http.json().data.map((m) => m.id));
    assert.ok(out.structuredContent.data.some((m) => m.id === 'mock/mock-model'));
  });
});
