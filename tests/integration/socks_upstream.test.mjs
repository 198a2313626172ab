// Providers behind a SOCKS5 proxy (providers.json `proxy`: "tor" takes
// aisbf.json tor.socks_host/socks_port, or "socks5://host:port"): a tiny
// SOCKS5 server here records what the gateway asks for and relays to
// aisbf-mock. The gateway sends the provider's name (ATYP 3, remote DNS),
// never an address it resolved; the proxy's refusals become clear errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  MOCK_KEY, assertError, chatBody, model, post, request, startStack, tmpDir,
} from './harness.mjs';

// A SOCKS5 server: no auth, CONNECT only. Every target is relayed to
// 127.0.0.1:<its port>, but a host under "refused." gets reply 4 (host unreachable).
async function startSocks() {
  const seen = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    let buf = Buffer.alloc(0);
    let stage = 'greeting';
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        assert.equal(buf[0], 5);
        buf = buf.subarray(2 + buf[1]);
        client.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (stage !== 'request' || buf.length < 5) return;
      const atyp = buf[3];
      const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4];
      if (buf.length < 4 + addrLen + 2) return;
      const host = atyp === 3 ? buf.subarray(5, 5 + buf[4]).toString() : [...buf.subarray(4, 4 + addrLen)].join('.');
      const port = buf.readUInt16BE(4 + addrLen);
      const rest = buf.subarray(4 + addrLen + 2);
      seen.push({ atyp, host, port });
      client.off('data', onData);
      if (host.startsWith('refused.')) {
        client.end(Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0]));
        return;
      }
      const upstream = net.connect(port, '127.0.0.1', () => {
        client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
        if (rest.length) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
    client.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port, seen,
    stop: () => new Promise((resolve) => { server.close(resolve); for (const s of sockets) s.destroy(); }),
  };
}
describe('socks5 upstreams: remote DNS through the provider\'s proxy', { timeout: 60000 }, () => {
  let socks;
  let s;
  before(async () => {
    socks = await startSocks();
    s = await startStack({
      aisbf: { tor: { enabled: false, socks_host: '127.0.0.1', socks_port: socks.port }, media: { proxy_urls: true } },
      providers: (mockUrl) => {
        const port = new URL(mockUrl).port;
        const provider = (id, proxy) => ({
          id, name: id, type: 'openai', api_key_required: true, api_key: MOCK_KEY,
          // A name no resolver knows: only the proxy may resolve it.
          endpoint: `http://${id}.upstream.invalid:${port}/v1`, proxy, models: [model('mock-model')],
        });
        const url = `socks5://127.0.0.1:${socks.port}`;
        return { viator: provider('viator', 'tor'), viasocks: provider('viasocks', url), refused: provider('refused', url) };
      },
    });
  });
  after(async () => {
    await s?.stop();
    await socks?.stop();
  });

  // The model lists (fetched at start) and the chats go through the proxy:
  // every connection asks it for a name, none for an address.
  for (const id of ['viator', 'viasocks']) {
    it(`${id}: the mock answers, and the proxy was asked for the provider's name`, async () => {
      const r = await post(s.u('/v1/chat/completions'), chatBody('hello', { model: `${id}/mock-model` }));
      assert.equal(r.status, 200, r.text);
      assert.equal(typeof r.json().choices[0].message.content, 'string');
      const asked = socks.seen.filter((q) => q.host === `${id}.upstream.invalid`);
      assert.ok(asked.length >= 1, JSON.stringify(socks.seen));
      for (const q of asked) {
        assert.equal(q.atyp, 3);
        assert.equal(q.port, Number(new URL(s.mock.url).port));
      }
      assert.ok(socks.seen.every((q) => q.atyp === 3 && q.host.endsWith('.upstream.invalid')), JSON.stringify(socks.seen));
      const chats = await s.mock.chatRequests();
      assert.ok(chats.length >= 1);
    });
  }

  // The content proxy (docs/images.md): an image URL on the provider's own
  // origin goes the provider's way, through its proxy (no resolver here
  // knows the name: a direct fetch could not even resolve it).
  // The fetch may reuse a tunnel the chats above opened (the pool is the
  // provider's), so it need not make a SOCKS request of its own: what shows
  // it went through the proxy is that the name resolves nowhere else.
  it('an image URL on the provider\'s origin is fetched through the provider\'s proxy', async () => {
    await assert.rejects(dns.lookup('viasocks.upstream.invalid'));
    const r = await post(s.u('/v1/images/generations'), { model: 'viasocks/mock-model', prompt: 'a fox', response_format: 'url' });
    assert.equal(r.status, 200, r.text);
    const url = r.json().data[0].url;
    assert.match(url, /^\/api\/proxy\/[A-Za-z0-9_-]{22}$/);
    const f = await request(s.u(url));
    assert.equal(f.status, 200, f.text);
    assert.equal(f.headers['content-type'], 'image/png');
  });

  // Off the provider's origin: public addresses only, and through the
  // provider's proxy when that is tor (tor resolves the name; directly, no
  // resolver here knows it). A socks5:// provider's foreign URL goes direct.
  it('an image URL off the origin of a "tor" provider goes through tor; of a socks5:// provider, directly', async () => {
    const port = new URL(s.mock.url).port;
    const foreign = `http://elsewhere.upstream.invalid:${port}/__mock/image/7.png`;
    socks.seen.length = 0;
    const r = await post(s.u('/v1/images/generations'), { model: 'viator/mock-model', prompt: 'a fox', response_format: 'url', mock_image_url: foreign });
    assert.equal(r.status, 200, r.text);
    const f = await request(s.u(r.json().data[0].url));
    assert.equal(f.status, 200, f.text);
    assert.equal(f.headers['content-type'], 'image/png');
    assert.ok(socks.seen.some((q) => q.atyp === 3 && q.host === 'elsewhere.upstream.invalid'), JSON.stringify(socks.seen));
    socks.seen.length = 0;
    const d = await post(s.u('/v1/images/generations'), { model: 'viasocks/mock-model', prompt: 'a fox', response_format: 'url', mock_image_url: foreign });
    assert.equal(d.status, 200, d.text);
    assert.notEqual((await request(s.u(d.json().data[0].url))).status, 200);
    assert.ok(!socks.seen.some((q) => q.host === 'elsewhere.upstream.invalid'), JSON.stringify(socks.seen));
  });

  it('a refusal by the proxy is a clear upstream error naming the provider', async () => {
    const r = await post(s.u('/v1/chat/completions'), chatBody('hello', { model: 'refused/mock-model' }));
    assert.ok(r.status === 502 || r.status === 503, `${r.status} ${r.text}`);
    assert.match(r.text, /refused/);
    assert.match(r.text, /host unreachable/);
    assert.ok(socks.seen.some((q) => q.host === 'refused.upstream.invalid'));
  });
});

// A user's own providers (public addresses only): the proxy is an address the
// gateway connects to, so a user's socks5:// proxy on loopback is refused;
// "proxy": "tor" is the admin's tor and is allowed while the admin has
// tor.enabled, the name left to it; .onion endpoints are refused (one may be
// the gateway's own onion service, on loopback).
describe('socks5 upstreams in a user namespace: the private-address rule', { timeout: 60000 }, () => {
  const ADMIN = 'socks-suite-admin-token';
  let socks;
  let s;
  let user;
  const h = () => ({ headers: { authorization: `Bearer ${user}` } });
  before(async () => {
    socks = await startSocks();
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: {
        database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-socks-db-'), 'aisbf.db') },
        tor: { enabled: false, socks_host: '127.0.0.1', socks_port: socks.port },
      },
    });
    const admin = { headers: { authorization: `Bearer ${ADMIN}` } };
    assert.equal((await post(s.u('/api/admin/users'), { username: 'dora', password: 'pw-dora-123456', role: 'user' }, admin)).status, 201);
    const t = await post(s.u('/api/admin/users/dora/tokens'), { description: 'tests' }, admin);
    assert.equal(t.status, 201, t.text);
    user = t.json().token;
  });
  after(async () => {
    await s?.stop();
    await socks?.stop();
  });

  it('a loopback socks5:// proxy is refused at save time, naming `proxy`', async () => {
    const r = await request(s.u('/api/user/providers/sneaky'), {
      method: 'PUT', ...h(),
      body: { type: 'openai', endpoint: 'https://api.example.com/v1', proxy: `socks5://127.0.0.1:${socks.port}`, models: [{ name: 'm' }] },
    });
    const e = assertError(r, 400, 'private_endpoint_refused');
    assert.equal(e.param, 'proxy');
    assert.match(e.message, /loopback/);
  });

  // tor.enabled in the running snapshot (a reload: the onion service itself is read at start only).
  async function setTorEnabled(enabled) {
    const file = path.join(s.configDir, 'aisbf.json');
    const aisbf = JSON.parse(fs.readFileSync(file, 'utf8'));
    aisbf.tor = { ...aisbf.tor, enabled };
    fs.writeFileSync(file, JSON.stringify(aisbf, null, 2));
    const r = await post(s.u('/api/admin/reload'), {}, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(r.status, 200, r.text);
  }

  it('"proxy": "tor" is refused while the admin has tor off: whatever listens on its SOCKS port is not tor', async () => {
    const r = await request(s.u('/api/user/providers/notor'), {
      method: 'PUT', ...h(),
      body: { type: 'openai', endpoint: 'https://api.example.com/v1', proxy: 'tor', models: [{ name: 'm' }] },
    });
    const e = assertError(r, 400, 'private_endpoint_refused');
    assert.equal(e.param, 'proxy');
    assert.match(e.message, /tor/);
  });

  it('"proxy": "tor" is allowed with tor.enabled: the name goes to tor, which resolves it outside the gateway\'s network', async () => {
    await setTorEnabled(true);
    const port = new URL(s.mock.url).port;
    const saved = await request(s.u('/api/user/providers/overtor'), {
      method: 'PUT', ...h(),
      body: { type: 'openai', endpoint: `http://dora.upstream.invalid:${port}/v1`, api_key: MOCK_KEY, proxy: 'tor', models: [{ name: 'mock-model' }] },
    });
    assert.equal(saved.status, 201, saved.text);
    const r = await post(s.u('/api/user/chat/completions'), chatBody('hi', { model: 'user-provider/overtor/mock-model' }), h());
    assert.equal(r.status, 200, r.text);
    assert.ok(socks.seen.some((q) => q.atyp === 3 && q.host === 'dora.upstream.invalid'), JSON.stringify(socks.seen));
  });

  it('an IP-literal private endpoint stays refused behind the proxy', async () => {
    const r = await request(s.u('/api/user/providers/inside'), {
      method: 'PUT', ...h(),
      body: { type: 'openai', endpoint: 'http://10.1.2.3/v1', proxy: 'tor', models: [{ name: 'm' }] },
    });
    assert.equal(assertError(r, 400, 'private_endpoint_refused').param, 'endpoint');
  });

  it('an .onion endpoint is refused (it may be the gateway\'s own onion service, on loopback)', async () => {
    const r = await request(s.u('/api/user/providers/onion'), {
      method: 'PUT', ...h(),
      body: { type: 'openai', endpoint: `http://${'a'.repeat(56)}.onion/v1`, proxy: 'tor', models: [{ name: 'm' }] },
    });
    const e = assertError(r, 400, 'private_endpoint_refused');
    assert.equal(e.param, 'endpoint');
    assert.match(e.message, /onion/);
  });

  it('tor turned off again: a saved "proxy": "tor" provider is refused at connect time, nothing reaches the SOCKS port', async () => {
    await setTorEnabled(false);
    const before = socks.seen.length;
    const r = await post(s.u('/api/user/chat/completions'), chatBody('hi', { model: 'user-provider/overtor/mock-model' }), h());
    assert.notEqual(r.status, 200, r.text);
    assert.match(r.text, /loopback/);
    assert.equal(socks.seen.length, before, JSON.stringify(socks.seen));
  });
});
