// Start-up with the user store: a database aisbf cannot use stops the start
// with a message naming the backend (never a password), and one migrated by
// a newer aisbf names both schema versions.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startStack, runCli, AISBF_BIN, writeConfigDir, closedPort } from './harness.mjs';

const gatewayArgs = (dir) => ['--config-dir', dir, '--host', '127.0.0.1', '--port', '0', '--workers', '1'];

describe('store at start-up', { timeout: 120000 }, () => {
  const stacks = [];
  after(async () => { await Promise.all(stacks.map((s) => s.stop())); });

  it('a schema newer than the binary is refused, naming both versions; nothing is changed', async () => {
    const s = await startStack();
    stacks.push(s);
    await s.gw.stop();
    const db = path.join(s.configDir, 'aisbf.db');
    const known = execFileSync('sqlite3', [db, 'SELECT MAX(version) FROM schema_migrations']).toString().trim();
    assert.match(known, /^\d+$/);
    execFileSync('sqlite3', [db, 'INSERT INTO schema_migrations (version, applied_ms) VALUES (999, 0)']);
    const r = await runCli(AISBF_BIN, gatewayArgs(s.configDir), { env: { HOME: s.configDir }, timeoutMs: 30000 });
    assert.equal(r.code, 2, r.output);
    assert.ok(!r.stdout.includes('LISTENING'), r.output);
    assert.match(r.stderr, /refusing to start: sqlite database: .*999.*/, r.stderr);
    assert.ok(r.stderr.includes(`version ${known}`), r.stderr);
    const after = execFileSync('sqlite3', [db, 'SELECT MAX(version) FROM schema_migrations']).toString().trim();
    assert.equal(after, '999');
  });

  it('an unreachable database refuses the start, naming the backend and not the password', async () => {
    const secret = 'hunter2-db-secret';
    const dir = writeConfigDir({
      mockUrl: 'http://127.0.0.1:9',
      aisbf: { database: { type: 'mysql', mysql_host: '127.0.0.1', mysql_port: await closedPort(), mysql_user: 'u', mysql_password: secret } },
    });
    const r = await runCli(AISBF_BIN, gatewayArgs(dir), { env: { HOME: dir }, timeoutMs: 30000 });
    assert.equal(r.code, 2, r.output);
    assert.match(r.stderr, /refusing to start: .*mysql/, r.stderr);
    assert.ok(!r.output.includes(secret), r.output);
  });
});
