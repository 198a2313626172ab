// docs/deploy.md is what the tests run: its systemd unit passes
// `systemd-analyze verify`, and its nginx block, started with Debian's
// nginx in front of aisbf, serves the API under the subpath with streaming
// (the first SSE event reaches the client before the stream ends), the
// dashboard under the prefix, and the client's https to the session cookie.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  AISBF_BIN, REPO_ROOT, MOCK_MODELS, runCli, startStack, mockProvider, get, post, chatBody, tmpDir,
  initialAdminPassword,
} from './common.mjs';
import { NGINX, startNginx } from './nginx.mjs';

const DOC = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');

// The fenced block right after `<!-- test: NAME -->`.
function block(name) {
  const m = new RegExp(`<!-- test: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  assert.ok(m, `docs/deploy.md has no block marked ${name}`);
  return m[1];
}

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

describe('docs/deploy.md: the systemd unit', { skip: !fs.existsSync(SYSTEMD_ANALYZE) && 'needs systemd-analyze', timeout: 60000 }, () => {
  it('is hardened and passes systemd-analyze verify with no remark', async () => {
    const unit = block('systemd-unit');
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/aisbf',
      'ExecReload=/bin/kill -HUP $MAINPID', 'ProtectHome=yes', 'PrivateTmp=yes']) {
      assert.ok(unit.split('\n').includes(line), `the unit lacks ${line}`);
    }
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/aisbf /m);
    // verify checks that ExecStart is executable: point it at the binary built here.
    const dir = tmpDir('aisbf-unit-');
    const file = path.join(dir, 'aisbf.service');
    fs.writeFileSync(file, unit.replace('/usr/local/bin/aisbf', AISBF_BIN));
    const r = await runCli(SYSTEMD_ANALYZE, ['verify', '--man=no', file], { timeoutMs: 30000 });
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), '', `systemd-analyze verify remarked:\n${r.output}`);
  });
});

// One streamed request with the raw chunks as they arrived.
function streamChunks(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers },
    }, (res) => {
      const chunks = [];
      res.setEncoding('utf8');
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, chunks }));
      res.on('error', reject);
    });
    req.setTimeout(30000, () => req.destroy(new Error('stream timed out')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('docs/deploy.md: nginx in front, on a subpath', { skip: !fs.existsSync(NGINX) && `needs Debian's nginx at ${NGINX}`, timeout: 90000 }, () => {
  let s;
  let nginx;
  const site = (p) => `${nginx.url}/aisbf${p}`;

  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: ['deploy-global-token'] },
      server: { trusted_proxies: ['127.0.0.1', '::1'] },
      providers: (mockUrl) => ({ mock: mockProvider(mockUrl, { models: [...MOCK_MODELS, 'fault-slow-300'] }) }),
    });
    const location = block('nginx-location');
    for (const line of ['proxy_pass http://127.0.0.1:17765/;', 'proxy_http_version 1.1;', 'proxy_buffering off;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Prefix /aisbf;']) {
      assert.ok(location.includes(line), `the nginx block lacks ${line}`);
    }
    nginx = await startNginx(location.replace('http://127.0.0.1:17765/', `${s.url}/`));
  });
  after(async () => {
    await nginx?.stop();
    await s?.stop();
  });

  it('streams: the first SSE event arrives before the stream ends', async () => {
    // aisbf-mock's fault-slow-300 waits 300 ms before each event after the first.
    const r = await streamChunks(site('/api/v1/chat/completions'),
      { ...chatBody('stream through nginx', { model: 'mock/fault-slow-300' }), stream: true },
      { authorization: 'Bearer deploy-global-token' });
    const all = r.chunks.join('');
    assert.equal(r.status, 200, all);
    const firstData = r.chunks.findIndex((c) => c.includes('data: {'));
    const done = r.chunks.findIndex((c) => c.includes('data: [DONE]'));
    assert.ok(firstData >= 0 && done >= 0, all);
    // aisbf sends X-Accel-Buffering: no on every stream, which turns nginx's
    // buffering off for it whatever the block says: this checks the stream
    // gets through nginx unbuffered, not the block's proxy_buffering line
    // (the line check in before() guards that).
    assert.ok(firstData < done, `the first event came with the end of the stream: ${JSON.stringify(r.chunks)}`);
  });

  it('serves the API and the dashboard under the prefix', async () => {
    const models = await get(site('/api/v1/models'), { headers: { authorization: 'Bearer deploy-global-token' } });
    assert.equal(models.status, 200, models.text);
    assert.ok(models.json().data.some((m) => m.id === 'mock/mock-model'));
    const bare = await get(site('/dashboard'));
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/aisbf/dashboard/');
    const index = await get(site('/dashboard/'));
    assert.equal(index.status, 200);
    // A binary built without web/dist serves a placeholder page (the
    // redirect above already carries the prefix); the built app names it.
    if (!index.text.includes('dashboard not built')) {
      assert.match(index.text, /<meta name="aisbf-prefix" content="\/aisbf">/);
    }
  });

  it('passes the client address: one throttled client behind nginx does not lock out another', async () => {
    // Every test client is 127.0.0.1, which nginx appends to the
    // X-Forwarded-For a client sends ($proxy_add_x_forwarded_for); aisbf,
    // trusting 127.0.0.1, reads from the right past it to the address the
    // "client" sent. Without the block's X-Forwarded-For line (or its
    // arrival) both clients would share nginx's address and its throttle.
    const from = (client) => ({ headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 5; i++) {
      const r = await post(site('/api/auth/login'), { username: `nobody${i}`, password: 'wrong-password' }, from('203.0.113.5'));
      assert.equal(r.status, 401, r.text);
    }
    const throttled = await post(site('/api/auth/login'), { username: 'nobody9', password: 'wrong-password' }, from('203.0.113.5'));
    assert.equal(throttled.status, 429, throttled.text);
    const other = await post(site('/api/auth/login'),
      { username: 'admin', password: initialAdminPassword(s.configDir) }, from('203.0.113.6'));
    assert.equal(other.status, 200, other.text);
  });

  it('passes the scheme: login through nginx over http gets no Secure cookie', async () => {
    const r = await post(site('/api/auth/login'), { username: 'admin', password: initialAdminPassword(s.configDir) },
      { headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(r.status, 200, r.text);
    const cookie = [r.headers['set-cookie'] ?? []].flat().join('\n');
    assert.match(cookie, /aisbf_session=/);
    assert.ok(!/;\s*Secure/i.test(cookie), cookie);
  });
});
