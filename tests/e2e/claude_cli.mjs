// Claude Code (the npm package's native binary) run offline against the
// gateway, for the e2e tests that drive the real agent.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// The native binary: the platform package's, else the wrapper's copy made by
// its postinstall (a small placeholder script when that did not run).
export function findClaude() {
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

export const CLAUDE = findClaude();
export const CLAUDE_SKIP = CLAUDE ? false : 'needs @anthropic-ai/claude-code with its native binary: run "npm ci" in tests/e2e';

// Only what Claude Code needs, and everything that stops it calling home.
export function claudeEnv(gatewayUrl, home, token) {
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
    ANTHROPIC_API_KEY: token,
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

// The JSON result line of `--output-format json` (null when there is none),
// with the output to show when an assertion fails.
export function claudeResult(r) {
  const ctx = `exit ${r.code}/${r.signal}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  let result = null;
  try { result = JSON.parse(line); } catch { /* reported by the caller */ }
  return { ...r, ctx, result };
}
