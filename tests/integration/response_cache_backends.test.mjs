// The response cache's persistent backends through the binary (issue 12):
// `response_cache.backend` sqlite and file keep an answer across a restart
// of the gateway (the mock is not called again), and a backend that cannot
// be opened leaves the gateway serving from memory. Redis and MariaDB run
// their stores' suites against real servers (ctest redis.client,
// cache.conformance_mysql).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, startGateway, post, chatBody, upstreamChatRequests, tmpDir } from './harness.mjs';

const det = (content) => chatBody(content, { temperature: 0 });
const said = (r) => r.json().choices[0].message.content;

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
    await check?.();
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
});
