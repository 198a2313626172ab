import { describe, expect, it } from 'vitest';
import { gatewayBase, KEY_ENV, keyExport, shellQuote, tokenSnippets, type Snippet } from './snippets';

// The snippets are run where they can be: sh reads the shell ones back,
// node checks the JavaScript. Node's modules, typed only as far as used
// here (the app's tsconfig has no Node types: the app runs in a browser).
const node = (name: string) => import(/* @vite-ignore */ name);
const { execFileSync } = (await node('node:child_process')) as {
  execFileSync: (file: string, args: string[], opts: object) => string;
};
const fs = (await node('node:fs')) as {
  mkdtempSync(prefix: string): string;
  mkdirSync(dir: string, opts: object): void;
  writeFileSync(file: string, text: string): void;
  rmSync(dir: string, opts: object): void;
};
const { tmpdir } = (await node('node:os')) as { tmpdir(): string };
const proc = (globalThis as unknown as { process: { execPath: string; env: Record<string, string | undefined> } }).process;

const TOKEN = 'aisbf_0123456789abcdefABCDEF';
const input = { base: 'https://gw.example:8443', model: 'user-rotation/fast' };
const byId = (list: Snippet[], id: Snippet['id']) => list.find((s) => s.id === id)!;
const sh = (script: string, env: Record<string, string> = {}) =>
  execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: proc.env.PATH ?? '', ...env } });
// The key line, then a snippet, in one shell: as a user pastes them.
const withKey = (code: string, token = TOKEN) => `${keyExport(token)}\n${code}`;
// curl replaced by a function that prints its arguments, one a line.
const curlArgs = (script: string) =>
  sh(`curl() { for a in "$@"; do printf '%s\\n' "$a"; done; }\n${script}`).trim().split('\n');
const hasPython = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

// A scratch directory with a stand-in `openai` package (for node and for
// python) that prints what the client was given and asked, as JSON.
function fakeOpenAI(): string {
  const dir = fs.mkdtempSync(`${tmpdir()}/aisbf-snippet-`);
  fs.mkdirSync(`${dir}/node_modules/openai`, { recursive: true });
  fs.writeFileSync(`${dir}/node_modules/openai/package.json`, '{"name":"openai","type":"module","main":"index.js"}');
  fs.writeFileSync(`${dir}/node_modules/openai/index.js`, [
    'export default class OpenAI {',
    '  constructor(opts) {',
    '    this.chat = { completions: { create: async (req) => {',
    '      console.log(JSON.stringify({ base: opts.baseURL, key: opts.apiKey, model: req.model }));',
    "      return { choices: [{ message: { content: 'hi' } }] };",
    '    } } };',
    '  }',
    '}',
  ].join('\n'));
  fs.mkdirSync(`${dir}/py/openai`, { recursive: true });
  fs.writeFileSync(`${dir}/py/openai/__init__.py`, [
    'import json',
    'class _R:',
    '    def __init__(self): self.choices = [type("C", (), {"message": type("M", (), {"content": "hi"})()})()]',
    'class _Completions:',
    '    def __init__(self, o): self.o = o',
    '    def create(self, model, messages):',
    '        print(json.dumps({"base": self.o["base_url"], "key": self.o["api_key"], "model": model}, separators=(",", ":")))',
    '        return _R()',
    'class OpenAI:',
    '    def __init__(self, base_url, api_key):',
    '        self.chat = type("Chat", (), {})()',
    '        self.chat.completions = _Completions({"base_url": base_url, "api_key": api_key})',
  ].join('\n'));
  return dir;
}


describe('the gateway base URL', () => {
  it('is the origin when aisbf is served at the root', () => {
    expect(gatewayBase('http://127.0.0.1:8080', '')).toBe('http://127.0.0.1:8080');
    expect(gatewayBase('http://127.0.0.1:8080/', '')).toBe('http://127.0.0.1:8080');
  });
  it('adds a reverse proxy\'s path prefix (routes.ts PREFIX)', () => {
    expect(gatewayBase('https://example.org', '/tools/aisbf')).toBe('https://example.org/tools/aisbf');
    expect(gatewayBase('https://example.org', '/gw/')).toBe('https://example.org/gw');
  });
});

describe('shell quoting', () => {
  it('leaves plain words alone and quotes the rest so that sh reads them back', () => {
    expect(shellQuote(TOKEN)).toBe(TOKEN);
    expect(shellQuote('https://gw/api/v1')).toBe('https://gw/api/v1');
    for (const v of ['a b', "it's", '$HOME `x` "q"', '{"model":"m"}', 'semi;colon', '']) {
      expect(sh(`printf %s ${shellQuote(v)}`)).toBe(v);
    }
  });
});

describe('the key line', () => {
  it('is the only place of the token, and sh reads the token back from it', () => {
    for (const token of [TOKEN, "odd 'token' $HOME"]) {
      expect(sh(`${keyExport(token)}\nprintf %s "$${KEY_ENV}"`)).toBe(token);
    }
    expect(keyExport(TOKEN)).toBe(`export ${KEY_ENV}=${TOKEN}`);
  });
});

describe('token snippets', () => {
  const list = tokenSnippets(input);

  it('one per client, each with the model and none with the token: they read $AISBF_API_KEY', () => {
    expect(list.map((s) => s.id)).toEqual(['python', 'javascript', 'curl', 'claude-code', 'codex', 'opencode']);
    for (const s of list) {
      const all = s.blocks.map((b) => b.code).join('\n');
      expect(all, s.id).not.toContain('aisbf_');
      expect(all, s.id).toContain(KEY_ENV);
      expect(all, s.id).toContain('user-rotation/fast');
      for (const b of s.blocks) expect(b.caption, s.id).not.toBe('');
    }
  });

  it('the OpenAI clients use the OpenAI-compatible routes', () => {
    for (const id of ['python', 'javascript'] as const) {
      expect(byId(list, id).blocks[0].code).toContain('"https://gw.example:8443/api/v1"');
    }
    expect(byId(list, 'curl').blocks[0].code).toContain('https://gw.example:8443/api/v1/chat/completions');
  });

  it('curl: sh reads back the URL, the bearer header from the key line and a JSON body naming the model', () => {
    const args = curlArgs(withKey(byId(list, 'curl').blocks[0].code));
    expect(args[0]).toBe('https://gw.example:8443/api/v1/chat/completions');
    expect(args).toContain(`Authorization: Bearer ${TOKEN}`);
    const body = JSON.parse(args[args.indexOf('-d') + 1]);
    expect(body).toEqual({ model: 'user-rotation/fast', messages: [{ role: 'user', content: 'Hello!' }] });
  });

  it('JavaScript: node runs it (a stand-in openai package) with the key from the environment', () => {
    const dir = fakeOpenAI();
    try {
      fs.writeFileSync(`${dir}/snippet.mjs`, byId(list, 'javascript').blocks[0].code);
      const out = execFileSync(proc.execPath, [`${dir}/snippet.mjs`], {
        encoding: 'utf8', stdio: 'pipe', env: { PATH: proc.env.PATH ?? '', [KEY_ENV]: TOKEN },
      });
      expect(out.trim().split('\n')).toEqual([
        JSON.stringify({ base: 'https://gw.example:8443/api/v1', key: TOKEN, model: 'user-rotation/fast' }), 'hi',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it.skipIf(!hasPython)('Python: python3 runs it (a stand-in openai module) with the key from the environment', () => {
    const dir = fakeOpenAI();
    try {
      fs.writeFileSync(`${dir}/snippet.py`, byId(list, 'python').blocks[0].code);
      const out = execFileSync('python3', [`${dir}/snippet.py`], {
        encoding: 'utf8', stdio: 'pipe', env: { PATH: proc.env.PATH ?? '', PYTHONPATH: `${dir}/py`, [KEY_ENV]: TOKEN },
      });
      expect(out.trim().split('\n')).toEqual([
        JSON.stringify({ base: 'https://gw.example:8443/api/v1', key: TOKEN, model: 'user-rotation/fast' }), 'hi',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('Claude Code: its variables, set as sh reads them (the token from the key line), with the API key unset', () => {
    const code = byId(list, 'claude-code').blocks[0].code;
    const env = sh(`claude() { env | grep '^ANTHROPIC_' | sort; }\n${withKey(code)}`, { ANTHROPIC_API_KEY: 'other' });
    expect(env.trim().split('\n')).toEqual([
      `ANTHROPIC_AUTH_TOKEN=${TOKEN}`,
      'ANTHROPIC_BASE_URL=https://gw.example:8443',
      'ANTHROPIC_DEFAULT_HAIKU_MODEL=user-rotation/fast',
      'ANTHROPIC_MODEL=user-rotation/fast',
    ]);
  });

  it('Codex CLI: a custom provider on the Responses API, its key from the environment', () => {
    const [config, shell] = byId(list, 'codex').blocks;
    expect(config.caption).toContain('~/.codex/config.toml');
    expect(config.code.split('\n')).toEqual([
      'model = "user-rotation/fast"',
      'model_provider = "aisbf"',
      '',
      '[model_providers.aisbf]',
      'name = "aisbf"',
      'base_url = "https://gw.example:8443/api/v1"',
      'wire_api = "responses"',
      `env_key = "${KEY_ENV}"`,
    ]);
    expect(shell.code).toBe('codex');
    expect(shell.caption).toContain(KEY_ENV);
  });

  it('opencode: an OpenAI-compatible provider whose key is read from the environment', () => {
    const [config, shell] = byId(list, 'opencode').blocks;
    const json = JSON.parse(config.code);
    expect(json.provider.aisbf).toEqual({
      npm: '@ai-sdk/openai-compatible',
      name: 'aisbf',
      options: { baseURL: 'https://gw.example:8443/api/v1', apiKey: `{env:${KEY_ENV}}` },
      models: { 'user-rotation/fast': { name: 'user-rotation/fast' } },
    });
    expect(json.model).toBe('aisbf/user-rotation/fast');
    expect(shell.code).toBe('opencode');
  });

  it('a model id with quotes stays one string in every language', () => {
    const odd = tokenSnippets({ ...input, model: `it's "odd"` });
    const args = curlArgs(withKey(byId(odd, 'curl').blocks[0].code));
    expect(JSON.parse(args[args.indexOf('-d') + 1]).model).toBe(`it's "odd"`);
    expect(byId(odd, 'python').blocks[0].code).toContain('model="it\'s \\"odd\\"",');
    expect(JSON.parse(byId(odd, 'opencode').blocks[0].code).model).toBe(`aisbf/it's "odd"`);
  });
});
