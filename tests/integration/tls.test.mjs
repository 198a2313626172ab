// The gateway's own HTTPS listener (server.protocol "https"): the
// self-signed certificate made on the first start (files, mode, names), a
// chat and a stream over TLS trusting it, ALPN, the plain port's redirect,
// a client that never finishes its handshake, and certificates replaced on
// disk: picked up by the periodic check and by SIGHUP, for new connections
// only, a bad file keeping the old one.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import {
  tmpDir, startMock, writeConfigDir, startGateway, delay, withTimeout, chatBody, SseParser,
} from './harness.mjs';

function openssl(...args) {
  return execFileSync('openssl', args, { stdio: 'pipe' }).toString();
}

// A CA and a leaf for localhost/127.0.0.1 signed by it, in `dir`.
function makeCa(dir, name) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const f = (x) => path.join(dir, `${name}-${x}`);
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', `/CN=${name} CA`);
  openssl('req', ...ec, '-keyout', f('key.pem'), '-out', f('csr.pem'), '-subj', `/CN=${name} leaf`);
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', f('csr.pem'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('cert.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  return { ca: fs.readFileSync(f('ca.pem')), cert: f('cert.pem'), key: f('key.pem'), name };
}

// Replaces `target` by `source`'s bytes as a deployment would: write aside, rename over.
function replaceFile(source, target) {
  fs.copyFileSync(source, `${target}.new`);
  fs.renameSync(`${target}.new`, target);
}

// One HTTPS request; resolves {status, headers, body, issuer, socket}.
function httpsRequest(url, { ca, method = 'GET', body, agent = false, headers = {} } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const req = https.request(url, {
      method, ca, agent, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    }, (res) => {
      const { socket } = res;  // gone from `res` once it ends (back to the agent)
      const issuer = socket.getPeerCertificate().issuer?.CN;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text, socket, issuer }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  }), 10000, `${method} ${url}`);
}

// The CN of the issuer a new TLS connection is shown, or the error it meets.
function presentedIssuer(port, ca) {
  return withTimeout(new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const issuer = socket.getPeerCertificate().issuer?.CN;
      socket.end();
      resolve(issuer);
    });
    socket.on('error', (err) => resolve(`error: ${err.code}`));
  }), 10000, 'a TLS connection');
}

// Polls (bounded by a count, not a clock) until a new connection is shown `issuer`.
async function waitForIssuer(port, ca, issuer) {
  let seen;
  for (let i = 0; i < 200; i += 1) {
    seen = await presentedIssuer(port, ca);
    if (seen === issuer) return;
    await delay(50);
  }
  assert.fail(`new connections still see ${seen}, not ${issuer}`);
}

async function waitForLog(proc, pattern, from = 0) {
  for (let i = 0; i < 200; i += 1) {
    if (pattern.test(proc.stderr.slice(from))) return;
    await delay(50);
  }
  assert.fail(`no log line ${pattern}\n${proc.stderr.slice(-3000)}`);
}

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

describe('self-signed certificate', () => {
  let gw;
  let configDir;
  let ca;
  let plainPort;
  before(async () => {
    configDir = writeConfigDir({
      mockUrl: mock.url, server: { protocol: 'https', http_port: 0, header_timeout: 2 },
    });
    gw = await startGateway(configDir);
    ca = fs.readFileSync(path.join(configDir, 'cert.pem'));
    const plain = /^PLAIN http:\/\/127\.0\.0\.1:(\d+)$/m.exec(gw.stdout);
    assert.ok(plain, gw.output());
    plainPort = Number(plain[1]);
  });
  after(async () => { await gw?.stop(); });

  test('LISTENING names https, and the files are made with mode 0600 and the right names', () => {
    assert.match(gw.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    for (const name of ['cert.pem', 'key.pem']) {
      assert.equal(fs.statSync(path.join(configDir, name)).mode & 0o777, 0o600, name);
    }
    const text = openssl('x509', '-in', path.join(configDir, 'cert.pem'), '-noout', '-text');
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /ASN1 OID: prime256v1/);
    const [, from, to] = /Not Before: (.+)\n\s*Not After : (.+)\n/.exec(text);
    const days = (Date.parse(to) - Date.parse(from)) / 86400000;
    assert.ok(days > 364 && days <= 366, `${days} days`);
    assert.match(gw.stderr, /generated a self-signed certificate/);
  });

  test('a chat and a stream over TLS, trusting the certificate', async () => {
    const url = `${gw.url}/api/v1/chat/completions`;
    const r = await httpsRequest(url, { ca, method: 'POST', body: chatBody('hello tls') });
    assert.equal(r.status, 200, r.body);
    assert.ok(JSON.parse(r.body).choices[0].message.content.length > 0);

    const events = [];
    const parser = new SseParser();
    const res = await withTimeout(new Promise((resolve, reject) => {
      const req = https.request(url, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
        (response) => {
          response.setEncoding('utf8');
          response.on('data', (d) => { for (const e of parser.push(d)) events.push(e); });
          response.on('end', () => resolve(response));
        });
      req.on('error', reject);
      req.end(JSON.stringify(chatBody('stream over tls', { stream: true })));
    }), 10000, 'the stream');
    assert.equal(res.statusCode, 200);
    assert.ok(events.length >= 2, JSON.stringify(events));
    assert.equal(events.at(-1).data, '[DONE]');
  });

  test('ALPN answers http/1.1; TLS 1.2 and 1.3 both work', async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3']) {
      const { alpn, version } = await withTimeout(new Promise((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1', port: gw.port, ca, ALPNProtocols: ['h2', 'http/1.1'], maxVersion,
        }, () => {
          resolve({ alpn: socket.alpnProtocol, version: socket.getProtocol() });
          socket.end();
        });
        socket.on('error', reject);
      }), 10000, 'a TLS connection');
      assert.equal(alpn, 'http/1.1');
      assert.equal(version, maxVersion);
    }
  });

  test('keep-alive over TLS: several requests on one connection', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    const sockets = new Set();
    for (let i = 0; i < 3; i += 1) {
      const r = await httpsRequest(`${gw.url}/api/v1/models`, { ca, agent });
      assert.equal(r.status, 200);
      sockets.add(r.socket);
    }
    agent.destroy();
    assert.equal(sockets.size, 1);
  });

  test('after a watched request, the same TLS connection serves the next, pipelined or not', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    const url = `${gw.url}/api/v1/chat/completions`;
    const sockets = new Set();
    for (let i = 0; i < 3; i += 1) {
      const r = await httpsRequest(url, { agent, method: 'POST', body: chatBody(`again ${i}`) });
      assert.equal(r.status, 200, r.body);
      sockets.add(r.socket);
    }
    agent.destroy();
    assert.equal(sockets.size, 1);
    // A chat and a second request in one write: the disconnect watch reads
    // the second while the first is served, and it is answered next.
    const body = JSON.stringify(chatBody('pipelined'));
    const text = await withTimeout(new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: gw.port, ca }, () => {
        socket.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
          + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
          + 'GET /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      });
      let out = '';
      socket.setEncoding('utf8');
      socket.on('data', (d) => { out += d; });
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    }), 10000, 'two pipelined answers');
    assert.equal(text.match(/HTTP\/1\.1 200 /g)?.length, 2, text);
  });

  test('after a watched request, the connection ends with close_notify', async () => {
    // openssl s_client reports a TLS connection closed without close_notify
    // ("unexpected eof while reading"); -quiet keeps reading past its stdin's end.
    const body = JSON.stringify(chatBody('close notify'));
    const { out, err } = await withTimeout(new Promise((resolve, reject) => {
      const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${gw.port}`, '-quiet',
        '-CAfile', path.join(configDir, 'cert.pem'), '-verify_return_error'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('error', reject);
      child.on('close', () => resolve({ out: stdout, err: stderr }));
      child.stdin.end(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
        + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }), 15000, 'openssl s_client');
    assert.match(out, /^HTTP\/1\.1 200 /, `${out}\n${err}`);
    assert.doesNotMatch(err, /unexpected eof|errno/i);
  });

  test('a TLS client that leaves cancels the upstream call', async () => {
    await mock.reset();
    const req = https.request(`${gw.url}/api/v1/chat/completions`, {
      method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => { /* destroyed on purpose */ });
    req.end(JSON.stringify(chatBody('hang', { model: 'mock/fault-hang' })));
    for (let i = 0; (await mock.chatRequests()).length === 0; i += 1) {
      assert.ok(i < 200, 'the request never reached the mock');
      await delay(50);
    }
    req.destroy();
    const st = await mock.waitStats((x) => x.aborted >= 1, 5000);
    assert.ok(st.aborted >= 1);
  });

  test('the plain port redirects to https, but not ACME challenges', async () => {
    const plain = (p, headers = {}) => withTimeout(new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: plainPort, path: p, headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      }).on('error', reject);
    }), 10000, `GET ${p} on the plain port`);
    const r = await plain('/api/v1/models?x=1');
    assert.equal(r.statusCode, 301);
    assert.equal(r.headers.location, `https://127.0.0.1:${gw.port}/api/v1/models?x=1`);
    const named = await plain('/dashboard/', { host: 'localhost:80' });
    assert.equal(named.headers.location, `https://localhost:${gw.port}/dashboard/`);
    // A name the gateway does not answer to is not echoed: the listener's host instead.
    const foreign = await plain('/x', { host: 'evil.example' });
    assert.equal(foreign.headers.location, `https://127.0.0.1:${gw.port}/x`);
    const challenge = await plain('/.well-known/acme-challenge/some-token');
    assert.notEqual(challenge.statusCode, 301);
    // The TLS port does not speak plain HTTP.
    const refused = await withTimeout(new Promise((resolve) => {
      http.get({ host: '127.0.0.1', port: gw.port, path: '/', agent: false }, (res) => resolve(`status ${res.statusCode}`))
        .on('error', (err) => resolve(err.code));
    }), 10000, 'plain HTTP on the TLS port');
    assert.doesNotMatch(String(refused), /^status/);
  });

  test('a client that never finishes its handshake is cut, the gateway goes on', async () => {
    const cut = (payload) => withTimeout(new Promise((resolve) => {
      const socket = net.connect(gw.port, '127.0.0.1', () => { if (payload) socket.write(payload); });
      socket.on('error', () => {});
      socket.on('close', () => resolve('closed'));
    }), 15000, 'the gateway to close a silent TLS client');
    // Nothing at all, and the first bytes of a ClientHello.
    assert.equal(await cut(null), 'closed');
    assert.equal(await cut(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])), 'closed');
    const r = await httpsRequest(`${gw.url}/api/v1/models`, { ca });
    assert.equal(r.status, 200);
  });
});

describe('configured certificate files replaced on disk', () => {
  const dir = tmpDir('aisbf-tls-files-');
  let a;
  let b;
  let c;
  let bundle;
  before(() => {
    a = makeCa(dir, 'alpha');
    b = makeCa(dir, 'beta');
    c = makeCa(dir, 'gamma');
    bundle = [a.ca, b.ca, c.ca];
  });

  async function start(interval) {
    const configDir = writeConfigDir({
      mockUrl: mock.url,
      server: { protocol: 'https', ssl_certfile: 'tls/cert.pem', ssl_keyfile: 'tls/key.pem', ssl_reload_interval: interval },
    });
    fs.mkdirSync(path.join(configDir, 'tls'));
    fs.copyFileSync(a.cert, path.join(configDir, 'tls', 'cert.pem'));
    fs.copyFileSync(a.key, path.join(configDir, 'tls', 'key.pem'));
    const gw = await startGateway(configDir);
    return { gw, files: { cert: path.join(configDir, 'tls', 'cert.pem'), key: path.join(configDir, 'tls', 'key.pem') } };
  }

  test('the periodic check: new connections get the new certificate, open ones keep working', async () => {
    const { gw, files } = await start(0.2);
    try {
      assert.equal(await presentedIssuer(gw.port, bundle), 'alpha CA');
      assert.doesNotMatch(gw.stderr, /generated a self-signed/);
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: bundle });
      const first = await httpsRequest(`${gw.url}/api/v1/models`, { agent });
      assert.equal(first.issuer, 'alpha CA');

      replaceFile(b.key, files.key);
      replaceFile(b.cert, files.cert);
      await waitForIssuer(gw.port, bundle, 'beta CA');
      // The connection opened before still serves, with its certificate.
      const again = await httpsRequest(`${gw.url}/api/v1/models`, { agent });
      assert.equal(again.status, 200);
      assert.equal(again.socket, first.socket);
      assert.equal(again.issuer, 'alpha CA');
      agent.destroy();

      // A bad certificate file keeps the one served, and says why.
      const from = gw.stderr.length;
      fs.writeFileSync(`${files.cert}.new`, 'not a certificate\n');
      fs.renameSync(`${files.cert}.new`, files.cert);
      await waitForLog(gw, /TLS: keeping the certificate served so far .*no PEM certificate/, from);
      assert.equal(await presentedIssuer(gw.port, bundle), 'beta CA');
      // A key of another certificate too.
      replaceFile(c.key, files.key);
      replaceFile(b.cert, files.cert);
      await waitForLog(gw, /TLS: keeping the certificate served so far .*the key does not match/, from);
      assert.equal(await presentedIssuer(gw.port, bundle), 'beta CA');
      replaceFile(c.cert, files.cert);
      await waitForIssuer(gw.port, bundle, 'gamma CA');
      const r = await httpsRequest(`${gw.url}/api/v1/models`, { ca: bundle });
      assert.equal(r.status, 200);
    } finally {
      await gw.stop();
    }
  });

  test('SIGHUP reloads the certificate at once; a bad one keeps the old', async () => {
    const { gw, files } = await start(3600);  // the periodic check never runs in this test
    try {
      assert.equal(await presentedIssuer(gw.port, bundle), 'alpha CA');
      replaceFile(b.key, files.key);
      replaceFile(b.cert, files.cert);
      assert.equal(await presentedIssuer(gw.port, bundle), 'alpha CA');  // not looked at yet
      gw.kill('SIGHUP');
      await waitForIssuer(gw.port, bundle, 'beta CA');

      const from = gw.stderr.length;
      fs.writeFileSync(files.key, 'garbage');
      gw.kill('SIGHUP');
      await waitForLog(gw, /TLS: keeping the certificate served so far .*no unencrypted PEM private key/, from);
      assert.equal(await presentedIssuer(gw.port, bundle), 'beta CA');
      assert.ok(gw.running);
    } finally {
      await gw.stop();
    }
  });

  test('a configured file that does not load stops the start with the reason', async () => {
    const configDir = writeConfigDir({
      mockUrl: mock.url,
      server: { protocol: 'https', ssl_certfile: a.cert, ssl_keyfile: b.key },
    });
    await assert.rejects(startGateway(configDir), /refusing to start: TLS: .*the key does not match the certificate/);
  });
});

// CPU time (utime + stime, in clock ticks) a process has used so far.
function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);  // fields 14 and 15 of stat(5)
}

describe('server.max_connections with TLS and the plain port', () => {
  let gw;
  let ca;
  let plainPort;
  before(async () => {
    const configDir = writeConfigDir({
      mockUrl: mock.url, server: { protocol: 'https', http_port: 0, max_connections: 1 },
    });
    gw = await startGateway(configDir);
    ca = fs.readFileSync(path.join(configDir, 'cert.pem'));
    plainPort = Number(/^PLAIN http:\/\/127\.0\.0\.1:(\d+)$/m.exec(gw.stdout)[1]);
  });
  after(async () => { await gw?.stop(); });

  // A raw connection recording what it receives and whether it closed.
  function rawConnection(port, payload) {
    const st = { data: '', closed: false };
    const socket = net.connect(port, '127.0.0.1', () => { if (payload) socket.write(payload); });
    socket.setEncoding('utf8');
    socket.on('data', (d) => { st.data += d; });
    socket.on('error', () => {});
    socket.on('close', () => { st.closed = true; });
    return { socket, st };
  }

  async function until(what, predicate) {
    for (let i = 0; i < 200 && !predicate(); i += 1) await delay(50);
    assert.ok(predicate(), what);
  }

  test('a plain-port connection waits for the slot a TLS one holds, without spinning, then is served', async () => {
    const held = await withTimeout(new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: gw.port, ca, servername: 'localhost' }, () => resolve(socket));
      socket.on('error', reject);
    }), 10000, 'the TLS connection');
    const waiting = rawConnection(plainPort, 'GET /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await delay(300);
    const before = cpuTicks(gw.pid);
    await delay(3000);
    const used = cpuTicks(gw.pid) - before;
    // Waiting for a slot is sleeping: two accept loops waking each other
    // burn most of a core (~260 ticks in 3 s).
    assert.ok(used < 50, `${used} clock ticks of CPU in 3 s while waiting for a slot`);
    assert.equal(waiting.st.data, '', 'served past max_connections');
    assert.equal(waiting.st.closed, false);
    held.destroy();
    await until('the waiting plain connection to be answered', () => waiting.st.closed);
    assert.match(waiting.st.data, /^HTTP\/1\.1 301 /);
  });

  test('a connection that has not finished its handshake holds a slot too', async () => {
    const silent = rawConnection(gw.port, null);
    await delay(300);
    let handshaken = false;
    const next = tls.connect({ host: '127.0.0.1', port: gw.port, ca, servername: 'localhost' }, () => { handshaken = true; });
    next.on('error', () => {});
    await delay(500);  // an upper bound on nothing: it must simply not be served meanwhile
    assert.equal(handshaken, false, 'a handshake past max_connections');
    silent.socket.destroy();
    await until('the waiting TLS connection to finish its handshake', () => handshaken);
    next.destroy();
  });
});
