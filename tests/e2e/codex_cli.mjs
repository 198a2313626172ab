// OpenAI's Codex CLI (the npm package's native binary) run offline against
// the gateway's Responses API, for the e2e tests that drive the real agent.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The native binary comes as an optional dependency per platform
// (@openai/codex-linux-x64…, vendor/<target triple>/bin/codex). The tests run
// it directly, not through the package's bin/codex.js (on Node < 22 that
// wrapper spawns it as a child), in its own process group, so that a timeout
// kills it with whatever shell it started.
function findNative() {
  const dir = path.join(HERE, 'node_modules', '@openai', `codex-${process.platform}-${process.arch}`, 'vendor');
  try {
    for (const triple of fs.readdirSync(dir)) {
      const bin = path.join(dir, triple, 'bin', 'codex');
      if (fs.statSync(bin).size > 1 << 20) return bin;
    }
  } catch { /* not installed */ }
  return null;
}

export const CODEX = findNative();
export const CODEX_SKIP = CODEX ? false : 'needs @openai/codex with its native binary: run "npm ci" in tests/e2e';

// The environment variable that carries the gateway token (`env_key`).
export const CODEX_KEY_ENV = 'AISBF_CODEX_KEY';

const toml = (s) => JSON.stringify(s);  // a TOML basic string is a JSON string for these values

// config.toml for a temp CODEX_HOME: one custom provider on the gateway's
// Responses API and everything that would call OpenAI's servers turned off
// (checked with strace: with these keys the only socket Codex opens is the
// gateway's). Keys from Codex's configuration reference; --strict-config
// (used by codexExec) rejects any this version does not know.
export function codexConfig({ baseUrl, model, catalog = null }) {
  return `model = ${toml(model)}
model_provider = "aisbf"${catalog ? `\nmodel_catalog_json = ${toml(catalog)}` : ''}
# No update check against GitHub at start.
check_for_update_on_startup = false

[model_providers.aisbf]
name = "aisbf"
base_url = ${toml(baseUrl)}
wire_api = "responses"
env_key = ${toml(CODEX_KEY_ENV)}
# A failing request is the test's answer, not something to retry for minutes.
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 15000

# No usage analytics, no feedback uploads, no OpenTelemetry export (its
# default exporter posts to OpenAI).
[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"
metrics_exporter = "none"
trace_exporter = "none"

[features]
# The curated plugin sync fetches from GitHub and chatgpt.com at start.
plugins = false
remote_plugin = false
apps = false
`;
}

// A loopback HTTP proxy that lets nothing through and records who tried:
// Codex (reqwest, and git for plugins) honours HTTPS_PROXY/HTTP_PROXY/
// ALL_PROXY, so a call to OpenAI, GitHub or anything off the machine shows up
// here (a CONNECT for https) instead of leaving, and fails at once.
export async function startProxyTrap() {
  const attempts = [];
  const server = http.createServer((req, res) => {
    attempts.push(`${req.method} ${req.url}`);
    res.writeHead(403).end();
  });
  server.on('connect', (req, socket) => {
    attempts.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    attempts,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// A loopback relay in front of the gateway that records each answer's status
// and headers (what Codex was told, e.g. x-aisbf-dropped-tools), the bodies
// streamed through untouched.
export async function startHeaderRecorder(targetUrl) {
  const target = new URL(targetUrl);
  const answers = [];
  const server = http.createServer((req, res) => {
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
    }, (up) => {
      answers.push({ method: req.method, path: req.url, status: up.statusCode, headers: up.headers });
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    answers,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// Only what Codex needs: a fresh HOME and CODEX_HOME, the gateway token,
// the proxy trap for everything but loopback, and none of the caller's
// OpenAI/Codex/proxy variables.
export function codexEnv(home, token, proxyUrl) {
  const env = {};
  for (const k of Object.keys(process.env)) {
    if (/^(OPENAI_|CODEX_|AZURE_|RUST_LOG|HTTPS?_PROXY|ALL_PROXY|NO_PROXY)/i.test(k)) env[k] = undefined;
  }
  const proxy = proxyUrl ? { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, ALL_PROXY: proxyUrl,
    https_proxy: proxyUrl, http_proxy: proxyUrl, all_proxy: proxyUrl,
    NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' } : {};
  return {
    ...env,
    ...proxy,
    HOME: home,
    CODEX_HOME: path.join(home, '.codex'),
    // What the npm wrapper adds: the package's own rg on PATH, and who installed it.
    PATH: `${path.join(path.dirname(path.dirname(CODEX ?? '.')), 'codex-path')}${path.delimiter}${process.env.PATH}`,
    CODEX_MANAGED_BY_NPM: '1',
    [CODEX_KEY_ENV]: token,
    NO_COLOR: '1',
  };
}

// A model catalog (model_catalog_json) that tells Codex what `slug` is: one
// whose apply_patch tool is freeform, so Codex offers it as a `custom` tool
// (a Lark grammar) as it does for its own GPT-5 Codex models. Without an
// entry Codex takes fallback metadata (only function tools, a namespace and
// web_search) and warns. Fields as in Codex's own catalog (codex-rs/core/models.json).
export function codexCatalog(file, slug) {
  const model = {
    slug,
    display_name: slug,
    description: 'a model served by aisbf',
    default_reasoning_level: 'medium',
    supported_reasoning_levels: [{ effort: 'medium', description: 'medium' }],
    shell_type: 'shell_command',
    visibility: 'list',
    minimal_client_version: '0.0.1',
    supported_in_api: true,
    upgrade: null,
    priority: 0,
    base_instructions: 'You are a coding agent. Run commands with exec_command.',
    supports_reasoning_summaries: false,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: 'freeform',
    input_modalities: ['text', 'image'],
    truncation_policy: { mode: 'tokens', limit: 10000 },
    supports_parallel_tool_calls: true,
    context_window: 128000,
    reasoning_summary_format: 'none',
    experimental_supported_tools: [],
  };
  fs.writeFileSync(file, JSON.stringify({ models: [model] }));
  return file;
}

// A temp home with .codex/config.toml and an empty work directory.
export function codexHome(dir, config) {
  fs.mkdirSync(path.join(dir, '.codex'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'work'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.codex', 'config.toml'), config);
  return { home: dir, work: path.join(dir, 'work') };
}

// The arguments of one non-interactive turn. `--sandbox danger-full-access`:
// Codex's Linux sandbox (bubblewrap in a user namespace, seccomp) cannot be
// counted on inside a container running as root (user namespaces and the
// seccomp filter are often refused there, and the command then fails
// before it runs); this mode runs the command directly, with exec's
// approval policy "never" unchanged. The command is the test's own `echo`
// in a temp work directory. `--ephemeral`: no session files kept.
// `images`: files attached with --image, which takes several values and so
// comes after the prompt.
export function codexExecArgs(work, prompt, { json = false, images = [] } = {}) {
  return ['exec', '--strict-config', '--skip-git-repo-check', '--ephemeral', '--color', 'never',
    '--sandbox', 'danger-full-access', '--cd', work, ...(json ? ['--json'] : []), prompt,
    ...(images.length > 0 ? ['--image', ...images] : [])];
}

// The JSONL events of `codex exec --json`, with the output to show when an
// assertion fails.
export function codexEvents(r) {
  const ctx = `exit ${r.code}/${r.signal}\n--- stdout ---\n${r.stdout.slice(-4000)}`
    + `\n--- stderr ---\n${r.stderr.slice(-4000)}`;
  const events = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try { events.push(JSON.parse(line)); } catch { /* reported by the caller's assertions */ }
  }
  return { ...r, ctx, events };
}
