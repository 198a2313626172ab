// Ready-to-paste snippets for a new API token: the `openai` SDK (Python and
// JavaScript), curl, Claude Code, Codex CLI and opencode, each pointed at
// this gateway. Pure, tested in snippets.test.ts.
//
// The secret is in one line only, `export AISBF_API_KEY=…` (keyExport),
// shown once beside the token; every snippet reads it from the environment,
// so none of them puts it into a source file, a config file or the shell's
// history twice, and a snippet copied later still works.
//
// Which route each uses: a user token on the OpenAI-compatible routes
// (/api/v1/…) resolves model ids in its user's namespace (the global models
// and their own user-provider/…, user-rotation/…, user-autoselect/… ids),
// so one base URL serves both. Anthropic's clients append /v1/messages to
// their base URL themselves, so theirs is the gateway's root.
//
// The tools' own names, from their documentation:
// - Claude Code: ANTHROPIC_BASE_URL; ANTHROPIC_AUTH_TOKEN is sent as
//   `Authorization: Bearer` (aisbf takes it; ANTHROPIC_API_KEY, sent as
//   x-api-key, would win over it when set); ANTHROPIC_MODEL and
//   ANTHROPIC_DEFAULT_HAIKU_MODEL choose the models.
// - Codex CLI: ~/.codex/config.toml, `model_provider` naming a
//   [model_providers.<id>] table with base_url, wire_api = "responses" and
//   env_key (the variable holding the key).
// - opencode: opencode.json `provider.<id>` with npm
//   "@ai-sdk/openai-compatible", options.baseURL and options.apiKey
//   ("{env:NAME}" reads a variable); `model` is "<provider id>/<model>".

export const KEY_ENV = 'AISBF_API_KEY';
export const PROVIDER_ID = 'aisbf';
export const MODEL_PLACEHOLDER = 'MODEL_ID';

// The gateway's root URL as the browser reaches it: the origin and the
// path prefix a reverse proxy serves aisbf under (routes.ts PREFIX, from
// the trusted X-Forwarded-Prefix; "" at the root).
export function gatewayBase(origin: string, prefix: string): string {
  return `${origin.replace(/\/+$/, '')}${prefix.replace(/\/+$/, '')}`;
}

// A word for POSIX sh: single-quoted unless it is plainly safe.
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// A string literal in Python, JavaScript or TOML (a JSON string is one in each).
const lit = (value: string) => JSON.stringify(value);

// The one line that holds the secret, for the shell the clients run in.
export function keyExport(token: string): string {
  return `export ${KEY_ENV}=${shellQuote(token)}`;
}

export interface SnippetBlock {
  caption: string; // what to do with it: "In a shell", "~/.codex/config.toml"
  code: string;
}

export interface Snippet {
  id: 'python' | 'javascript' | 'curl' | 'claude-code' | 'codex' | 'opencode';
  title: string;
  blocks: SnippetBlock[];
}

export interface SnippetInput {
  base: string; // gatewayBase()
  model: string; // a model id the token's user may use
}

// Each reads the key from $AISBF_API_KEY (keyExport): none holds the token.
export function tokenSnippets({ base, model }: SnippetInput): Snippet[] {
  const openaiBase = `${base}/api/v1`;
  const chatBody = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] });
  return [
    {
      id: 'python',
      title: 'OpenAI SDK (Python)',
      blocks: [{
        caption: `pip install openai; run with ${KEY_ENV} set:`,
        code: [
          'import os',
          '',
          'from openai import OpenAI',
          '',
          `client = OpenAI(base_url=${lit(openaiBase)}, api_key=os.environ[${lit(KEY_ENV)}])`,
          'reply = client.chat.completions.create(',
          `    model=${lit(model)},`,
          '    messages=[{"role": "user", "content": "Hello!"}],',
          ')',
          'print(reply.choices[0].message.content)',
        ].join('\n'),
      }],
    },
    {
      id: 'javascript',
      title: 'OpenAI SDK (JavaScript)',
      blocks: [{
        caption: `npm install openai; an ES module, run with ${KEY_ENV} set:`,
        code: [
          "import OpenAI from 'openai';",
          '',
          `const client = new OpenAI({ baseURL: ${lit(openaiBase)}, apiKey: process.env.${KEY_ENV} });`,
          'const reply = await client.chat.completions.create({',
          `  model: ${lit(model)},`,
          "  messages: [{ role: 'user', content: 'Hello!' }],",
          '});',
          'console.log(reply.choices[0].message.content);',
        ].join('\n'),
      }],
    },
    {
      id: 'curl',
      title: 'curl',
      blocks: [{
        caption: `In the shell where ${KEY_ENV} is set:`,
        code: [
          `curl ${shellQuote(`${openaiBase}/chat/completions`)} \\`,
          `  -H "Authorization: Bearer $${KEY_ENV}" \\`,
          "  -H 'Content-Type: application/json' \\",
          `  -d ${shellQuote(chatBody)}`,
        ].join('\n'),
      }],
    },
    {
      id: 'claude-code',
      title: 'Claude Code',
      blocks: [{
        caption: `In the shell where ${KEY_ENV} is set:`,
        code: [
          `export ANTHROPIC_BASE_URL=${shellQuote(base)}`,
          `export ANTHROPIC_AUTH_TOKEN="$${KEY_ENV}"`,
          'unset ANTHROPIC_API_KEY  # when set, Claude Code sends it instead',
          `export ANTHROPIC_MODEL=${shellQuote(model)}`,
          `export ANTHROPIC_DEFAULT_HAIKU_MODEL=${shellQuote(model)}  # its small background tasks`,
          'claude',
        ].join('\n'),
      }],
    },
    {
      id: 'codex',
      title: 'Codex CLI',
      blocks: [
        {
          caption: '~/.codex/config.toml:',
          code: [
            `model = ${lit(model)}`,
            `model_provider = ${lit(PROVIDER_ID)}`,
            '',
            `[model_providers.${PROVIDER_ID}]`,
            `name = ${lit(PROVIDER_ID)}`,
            `base_url = ${lit(openaiBase)}`,
            'wire_api = "responses"',
            `env_key = ${lit(KEY_ENV)}`,
          ].join('\n'),
        },
        { caption: `Then, in the shell where ${KEY_ENV} is set:`, code: 'codex' },
      ],
    },
    {
      id: 'opencode',
      title: 'opencode',
      blocks: [
        {
          caption: 'opencode.json (in the project, or ~/.config/opencode/opencode.json):',
          code: JSON.stringify({
            $schema: 'https://opencode.ai/config.json',
            provider: {
              [PROVIDER_ID]: {
                npm: '@ai-sdk/openai-compatible',
                name: PROVIDER_ID,
                options: { baseURL: openaiBase, apiKey: `{env:${KEY_ENV}}` },
                models: { [model]: { name: model } },
              },
            },
            model: `${PROVIDER_ID}/${model}`,
          }, null, 2),
        },
        { caption: `Then, in the shell where ${KEY_ENV} is set:`, code: 'opencode' },
      ],
    },
  ];
}
