// The response cache's persistent backends through the binary (issue 12):
// `response_cache.backend` sqlite, file and mysql keep an answer across a
// restart of the gateway (the mock is not called again), and a backend that
// cannot be opened leaves the gateway serving from memory. The mysql test
// runs on the MariaDB server tests/db/with_server.sh starts (ctest's
// cache.gateway_mysql, which exports AISBF_TEST_MYSQL_URL; skipped
// without it). Redis through the binary: response_cache_redis.test.mjs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, startGateway, get, post, chatBody, upstreamChatRequests, tmpDir } from './harness.mjs';

const MYSQL_URL = process.env.AISBF_TEST_MYSQL_URL;

const det = (content) => chatBody(content, { temperature: 0 });
const said = (r) => r.json().choices[0].message.content;

// `check(gatewayUrl)` runs on the restarted gateway, after its hit.
async function restarts(cacheSettings, check) {
  const s = await startStack({ aisbf: { response_cache: { enabled: true, ttl: 600, ...cacheSettings } } });
  let gw = s.gw;
  try {
    const text = `kept across a restart ${process.pid} ${cacheSettings.backend}`;
    const a = await post(s.u('/v1/chat/completions'), det(text));
    assert.equal(a.status, 200, a.text);
    assert.equal(a.headers['x-aisbf-cache'], 'miss');
    const calls = (await upstreamChatRequests(s.mock)).length;
    await gw.stop();
    gw = await startGateway(s.configDir);
    const b = await post(`${gw.url}/v1/chat/completions`, det(text));
    assert.equal(b.status, 200, b.text);
    assert.equal(b.headers['x-aisbf-cache'], 'hit');
    assert.equal(said(b), `You said: ${text}`);
    assert.equal((await upstreamChatRequests(s.mock)).length, calls, 'the restarted gateway did not call upstream');
    await check?.(gw.url);
  } finally {
    await Promise.all([gw.stop(), s.mock.stop()]);
  }
}

describe('response cache backends', { timeout: 120000 }, () => {
  it('sqlite keeps an answer across a restart, in its own file', async () => {
    const file = path.join(tmpDir('aisbf-cache-sqlite-'), 'cache.db');
    await restarts({ backend: 'sqlite', sqlite_path: file }, () => {
      assert.ok(fs.existsSync(file));
      assert.equal(fs.statSync(file).mode & 0o077, 0, 'the cache file is private');
    });
  });

  it('file keeps an answer across a restart, one file per entry', async () => {
    const dir = path.join(tmpDir('aisbf-cache-files-'), 'entries');
    await restarts({ backend: 'file', file_dir: dir }, () => {
      const entries = fs.readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name));
      assert.equal(entries.length, 1, fs.readdirSync(dir).join(' '));
    });
  });

  it('a file_dir holding other files is refused: no entry is kept there, the gateway still answers and the files stay', async () => {
    const dir = tmpDir('aisbf-cache-foreign-');
    fs.writeFileSync(path.join(dir, 'cafe'), 'not a cache entry');
    const s = await startStack({ aisbf: { response_cache: { enabled: true, backend: 'file', file_dir: dir } } });
    try {
      const text = `foreign dir ${process.pid}`;
      const a = await post(s.u('/v1/chat/completions'), det(text));
      assert.equal(a.status, 200, a.text);
      const b = await post(s.u('/v1/chat/completions'), det(text));
      assert.equal(b.status, 200, b.text);
      assert.equal(said(b), `You said: ${text}`);
      assert.equal(fs.readFileSync(path.join(dir, 'cafe'), 'utf8'), 'not a cache entry');
    } finally {
      await s.stop();
    }
  });

  it('mysql (MariaDB) keeps an answer across a restart, in its table; clear empties it', { skip: !MYSQL_URL && 'needs AISBF_TEST_MYSQL_URL (ctest cache.gateway_mysql)' }, async () => {
    const u = new URL(MYSQL_URL);
    const settings = {
      // AISBF's other name for it, in another case: still the mysql backend.
      backend: 'MariaDB', mysql_host: u.hostname, mysql_port: Number(u.port), mysql_user: decodeURIComponent(u.username),
      mysql_password: decodeURIComponent(u.password), mysql_database: u.pathname.slice(1),
    };
    // The rows as MariaDB itself counts them.
    const rows = () => Number(execFileSync('mariadb', ['--no-defaults', '--protocol=tcp', '-h', u.hostname, '-P', u.port,
      `-u${settings.mysql_user}`, '--batch', '--skip-column-names', settings.mysql_database,
      '-e', 'SELECT COUNT(*) FROM aisbf_response_cache'],
    { encoding: 'utf8', timeout: 10000, env: { ...process.env, MYSQL_PWD: settings.mysql_password } }).trim());
    await restarts(settings, async (url) => {
      assert.equal(rows(), 1);
      const st = await get(`${url}/api/admin/cache/stats`);
      assert.equal(st.status, 200, st.text);
      assert.deepEqual([st.json().backend, st.json().entries, st.json().hits], ['mysql', 1, 1], st.text);
      const cleared = await post(`${url}/api/admin/cache/clear`, undefined);
      assert.equal(cleared.status, 200, cleared.text);
      assert.equal(cleared.json().cleared, 1);
      assert.equal(rows(), 0);
      const text = `kept across a restart ${process.pid} MariaDB`;
      const again = await post(`${url}/v1/chat/completions`, det(text));
      assert.equal(again.headers['x-aisbf-cache'], 'miss');
      assert.equal(rows(), 1);
    });
  });
});
