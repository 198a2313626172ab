// Let's Encrypt over ACME HTTP-01, end to end against Debian's pebble (the
// Let's Encrypt test CA) and pebble-challtestsrv (the DNS server pebble
// asks, answering 127.0.0.1 for every name), all on loopback ports: the
// gateway orders a certificate for server.domain, answers the http-01
// challenge itself and writes <config>/acme/{cert,key}.pem; a second start
// with a valid certificate orders nothing; a failed validation is logged
// with the CA's reason and the gateway keeps serving; a domain set by a
// reload is ordered at once; a badNonce answer is retried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import {
  AISBF_BIN, tmpDir, writeConfigDir, spawnProc, spawnListening, gatewayEnv, closedPort, get, withTimeout, delay,
  makeTestCertificates,
} from './harness.mjs';

const DOMAIN = 'gateway.aisbf-acme.test';
const EMAIL = 'ops@aisbf-acme.test';
const WAIT_MS = 60000;  // a whole order against pebble takes a few seconds; a sanitized build more

const work = tmpDir('aisbf-acme-');
const file = (name) => path.join(work, name);
let pebble;
let challtestsrv;
let ports;
let gatewayPort;  // pebble validates http-01 on this port: the first gateway listens there
let firstConfigDir;

function openssl(...args) {
  return execFileSync('openssl', args, { stdio: 'pipe' }).toString();
}

// Resolves once `proc`'s output (stdout + stderr) matches `re`; bounded.
async function waitForOutput(proc, re, what, ms = WAIT_MS) {
  const seen = () => re.test(proc.stdout + proc.stderr);
  const started = Date.now();
  while (!seen()) {
    if (!proc.running) throw new Error(`${proc.name} exited while waiting for ${what}\n${proc.output()}`);
    if (Date.now() - started > ms) throw new Error(`timeout after ${ms} ms: ${what}\n${proc.output()}`);
    await delay(50);
  }
}

function countOf(text, re) {
  return (text.match(new RegExp(re.source, 'g')) || []).length;
}

function fetchPebble(pathname) {
  return withTimeout(new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port: ports.management, path: pathname, ca: fs.readFileSync(file('ca.pem')) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
  }), 5000, `pebble ${pathname}`);
}

function configFor(dir, port, acmePort = ports.acme, domain = DOMAIN) {
  return writeConfigDir({
    dir,
    providers: {},
    server: {
      port,
      domain,
      acme_email: EMAIL,
      acme_directory: `https://127.0.0.1:${acmePort}/dir`,
      acme_ca_file: file('ca.pem'),
    },
  });
}

// The http-01 tokens pebble asked a gateway for (once each: pebble
// validates from several "perspectives", each logging the same URL).
function validatedTokens() {
  const re = /Attempting to validate w\/ HTTP: \S*\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)/g;
  return [...new Set([...(pebble.stdout + pebble.stderr).matchAll(re)].map((m) => m[1]))];
}

// A server of the test's own on 127.0.0.1:`port`; `handler(req, res)`.
async function listenOn(port, handler, tls) {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await withTimeout(new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  }), 5000, `listen on ${port}`);
  return server;
}

function closeServer(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(resolve));
}

function startAisbf(configDir, port) {
  return spawnListening('aisbf', AISBF_BIN,
    ['--config-dir', configDir, '--host', '127.0.0.1', '--port', String(port), '--workers', '2'],
    { env: gatewayEnv() });
}

function pemBlocks(text) {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) || [];
}

before(async () => {
  // pebble's own TLS (the ACME API): a test CA and a certificate for 127.0.0.1 signed by it.
  makeTestCertificates(work, { san: 'DNS:localhost,IP:127.0.0.1', caName: 'aisbf acme test CA' });

  ports = { dns: await closedPort(), challManagement: await closedPort() };
  challtestsrv = spawnProc('pebble-challtestsrv', 'pebble-challtestsrv', [
    '-dns01', `127.0.0.1:${ports.dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
    '-management', `127.0.0.1:${ports.challManagement}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '']);
  await waitForOutput(challtestsrv, /Starting challenge servers/, 'challtestsrv to start', 15000);
  gatewayPort = await closedPort();
  // No random validation delay, no nonce rejected at random, no authorization reused: every run is the same.
  ({ proc: pebble, acme: ports.acme, management: ports.management } = await startPebble(gatewayPort, 'pebble'));
});

// A pebble validating http-01 on `httpPort`.
async function startPebble(httpPort, name) {
  const acme = await closedPort();
  const management = await closedPort();
  const config = file(`${name}.json`);
  fs.writeFileSync(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acme}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: file('server.pem'),
      privateKey: file('server.key'),
      httpPort,
      tlsPort: await closedPort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  }));
  const proc = spawnProc(name, 'pebble', ['-config', config, '-dnsserver', `127.0.0.1:${ports.dns}`], {
    env: { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
  });
  await waitForOutput(proc, /Listening on: /, `${name} to listen`, 30000);
  return { proc, acme, management };
}

after(async () => {
  await Promise.all([pebble?.stop(), challtestsrv?.stop()]);
});

test('a certificate is ordered, validated over http-01 and written for the domain', async (t) => {
  firstConfigDir = tmpDir('aisbf-acme-config-');
  configFor(firstConfigDir, gatewayPort);
  const gw = await startAisbf(firstConfigDir, gatewayPort);
  try {
    await waitForOutput(gw, /acme: certificate for .* obtained|acme: no certificate/, 'the ACME outcome');
    assert.match(gw.stderr, /acme: certificate for gateway\.aisbf-acme\.test obtained/, gw.output());
    t.diagnostic(/acme: certificate for .*/.exec(gw.stderr)[0]);
    assert.equal(countOf(pebble.stdout + pebble.stderr, /POST \/order-plz/), 1);
    // The challenge was asked of the gateway (pebble's VA reached it) and is answered no more.
    const tokens = validatedTokens();
    assert.equal(tokens.length, 1, pebble.output());
    const asked = await get(`${gw.url}/.well-known/acme-challenge/${tokens[0]}`, { headers: { host: DOMAIN } });
    assert.equal(asked.status, 404);
    const acmeDir = path.join(firstConfigDir, 'acme');
    for (const name of ['account.key', 'key.pem', 'cert.pem']) {
      const st = fs.statSync(path.join(acmeDir, name));
      if (name !== 'cert.pem') assert.equal(st.mode & 0o777, 0o600, `${name} mode`);
    }
    assert.equal(fs.statSync(acmeDir).mode & 0o777, 0o700);
    const chain = fs.readFileSync(path.join(acmeDir, 'cert.pem'), 'utf8');
    const blocks = pemBlocks(chain);
    assert.ok(blocks.length >= 2, 'leaf and intermediate');
    fs.writeFileSync(file('leaf.pem'), blocks[0]);
    fs.writeFileSync(file('rest.pem'), blocks.slice(1).join(''));
    assert.match(openssl('x509', '-in', file('leaf.pem'), '-noout', '-ext', 'subjectAltName'),
      /DNS:gateway\.aisbf-acme\.test/);
    // Chains to pebble's issuing root (regenerated at each pebble start: fetched from its management port).
    const root = await fetchPebble('/roots/0');
    assert.equal(root.status, 200);
    fs.writeFileSync(file('root.pem'), root.body);
    assert.match(openssl('verify', '-CAfile', file('root.pem'), '-untrusted', file('rest.pem'), file('leaf.pem')),
      /leaf\.pem: OK/);
    // The key is the certificate's.
    const keyPub = openssl('pkey', '-in', path.join(acmeDir, 'key.pem'), '-pubout');
    const certPub = openssl('x509', '-in', file('leaf.pem'), '-noout', '-pubkey');
    assert.equal(keyPub, certPub);
    // Nothing secret in the log: no PEM, no key material.
    assert.doesNotMatch(gw.stdout + gw.stderr, /BEGIN|PRIVATE/);
  } finally {
    await gw.stop();
  }
});

test('a second start with a valid certificate orders nothing', async () => {
  assert.ok(firstConfigDir, 'the first test ran');
  const certFile = path.join(firstConfigDir, 'acme', 'cert.pem');
  const before = fs.readFileSync(certFile, 'utf8');
  const ordersBefore = countOf(pebble.stdout + pebble.stderr, /POST \/order-plz/);
  const gw = await startAisbf(firstConfigDir, 0);
  try {
    await waitForOutput(gw, /acme: the certificate for .* is valid|acme: ordering/, 'the ACME check');
    assert.match(gw.stderr, /acme: the certificate for gateway\.aisbf-acme\.test .* is valid; next check in 24 h/);
    assert.doesNotMatch(gw.stderr, /acme: ordering/);
    assert.equal(countOf(pebble.stdout + pebble.stderr, /POST \/order-plz/), ordersBefore);
    assert.equal(fs.readFileSync(certFile, 'utf8'), before);
  } finally {
    await gw.stop();
  }
});

test('a failed validation is logged with the CA\'s reason and the gateway keeps serving', async () => {
  // pebble validates on the first gateway's port, where the test answers 404 now.
  const asked = [];
  const impostor = await listenOn(gatewayPort, (req, res) => {
    asked.push(req.url);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  const configDir = tmpDir('aisbf-acme-config-');
  configFor(configDir, 0);
  const gw = await startAisbf(configDir, 0);
  try {
    await waitForOutput(gw, /acme: no certificate for|acme: certificate for .* obtained/, 'the ACME outcome');
    assert.match(gw.stderr,
      /acme: no certificate for gateway\.aisbf-acme\.test: http-01 validation of gateway\.aisbf-acme\.test failed: unauthorized: .*404.*next attempt in 1 h/,
      gw.output());
    // Asked once per pebble validation perspective, always for the one token.
    assert.ok(asked.length >= 1);
    assert.equal(new Set(asked).size, 1, asked.join(' '));
    assert.match(asked[0], /^\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]+$/);
    assert.ok(!fs.existsSync(path.join(configDir, 'acme', 'cert.pem')));
    assert.ok(!fs.existsSync(path.join(configDir, 'acme', 'key.pem')));
    assert.ok(fs.existsSync(path.join(configDir, 'acme', 'account.key')));
    const health = await get(`${gw.url}/health`);
    assert.equal(health.status, 200);
    // The challenge route answers only tokens in flight (none now), for any Host.
    for (const token of ['LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0', 'not.a.token']) {
      const res = await get(`${gw.url}/.well-known/acme-challenge/${token}`, { headers: { host: DOMAIN } });
      assert.equal(res.status, 404);
    }
  } finally {
    await Promise.all([gw.stop(), closeServer(impostor)]);
  }
});

test('a wrong ACME directory is a logged failure, not a crash', async () => {
  const configDir = tmpDir('aisbf-acme-config-');
  writeConfigDir({
    dir: configDir,
    providers: {},
    server: { domain: DOMAIN, acme_directory: `https://127.0.0.1:${await closedPort()}/dir`, acme_ca_file: file('ca.pem') },
  });
  const gw = await startAisbf(configDir, 0);
  try {
    await waitForOutput(gw, /acme: no certificate for/, 'the ACME failure');
    assert.match(gw.stderr, /acme: no certificate for gateway\.aisbf-acme\.test: .*next attempt in 1 h/);
    assert.equal((await get(`${gw.url}/health`)).status, 200);
  } finally {
    await gw.stop();
  }
});

test('a badNonce answer is retried with the nonce it carries', async (t) => {
  // A TLS proxy of the test's in front of pebble (the Host header passed on:
  // pebble's URLs then name the proxy) answers the first newAccount POST with
  // a badNonce problem and a fresh nonce it fetched from pebble.
  const ca = fs.readFileSync(file('ca.pem'));
  const forward = (req, body, res) => {
    const up = https.request({
      host: '127.0.0.1', port: ports.acme, method: req.method, path: req.url, headers: req.headers, ca,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  };
  let accountPosts = 0;
  const proxy = await listenOn(0, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method !== 'POST' || req.url !== '/sign-me-up' || accountPosts++ > 0) return forward(req, body, res);
      https.request({ host: '127.0.0.1', port: ports.acme, method: 'HEAD', path: '/nonce-plz', ca }, (fresh) => {
        fresh.resume();
        res.writeHead(400, { 'content-type': 'application/problem+json', 'replay-nonce': fresh.headers['replay-nonce'] });
        res.end(JSON.stringify({
          type: 'urn:ietf:params:acme:error:badNonce', detail: 'the test proxy refuses the first nonce', status: 400,
        }));
      }).on('error', () => res.destroy()).end();
    });
  }, { cert: fs.readFileSync(file('server.pem')), key: fs.readFileSync(file('server.key')) });
  const configDir = tmpDir('aisbf-acme-config-');
  configFor(configDir, gatewayPort, proxy.address().port);
  const gw = await startAisbf(configDir, gatewayPort);
  try {
    await waitForOutput(gw, /acme: certificate for .* obtained|acme: no certificate/, 'the ACME outcome');
    assert.match(gw.stderr, /acme: certificate for gateway\.aisbf-acme\.test obtained \(\d+ requests, \d+ polls, 1 badNonce retries\)/,
      gw.output());
    t.diagnostic(/acme: certificate for .*/.exec(gw.stderr)[0]);
    assert.equal(accountPosts, 2);
    assert.ok(fs.existsSync(path.join(configDir, 'acme', 'cert.pem')));
  } finally {
    await Promise.all([gw.stop(), closeServer(proxy)]);
  }
});

test('ACME settings changed by a reload are tried at once, not after the backoff', async () => {
  // First a directory where nothing listens: the order fails, next attempt in 1 h.
  const configDir = tmpDir('aisbf-acme-config-');
  configFor(configDir, gatewayPort, await closedPort());
  const gw = await startAisbf(configDir, gatewayPort);
  try {
    await waitForOutput(gw, /acme: no certificate for/, 'the first ACME failure');
    assert.match(gw.stderr, /acme: no certificate for gateway\.aisbf-acme\.test: .*next attempt in 1 h/, gw.output());
    assert.equal((await get(`${gw.url}/health`)).status, 200);  // up, its signal handling too
    configFor(configDir, gatewayPort);
    gw.kill('SIGHUP');
    const outcome = { test: (text) => /acme: certificate for .* obtained/.test(text) || countOf(text, /acme: no certificate for/) > 1 };
    await waitForOutput(gw, outcome, 'the ACME outcome after the reload');
    assert.match(gw.stderr, /acme: the server settings changed; checking again/, gw.output());
    assert.match(gw.stderr, /acme: certificate for gateway\.aisbf-acme\.test obtained/, gw.output());
    assert.equal(countOf(gw.stderr, /acme: no certificate for/), 1);
    assert.ok(fs.existsSync(path.join(configDir, 'acme', 'cert.pem')));
  } finally {
    await gw.stop();
  }
});

test('an account key that cannot be read is reported, not replaced', async () => {
  const configDir = tmpDir('aisbf-acme-config-');
  configFor(configDir, 0, await closedPort());
  fs.mkdirSync(path.join(configDir, 'acme'), { mode: 0o700 });
  const accountKey = path.join(configDir, 'acme', 'account.key');
  const tooLarge = `# not read: over the 256 KiB a PEM file may have\n${'x'.repeat(300 * 1024)}\n`;
  fs.writeFileSync(accountKey, tooLarge, { mode: 0o600 });
  const gw = await startAisbf(configDir, 0);
  try {
    await waitForOutput(gw, /acme: no certificate for/, 'the ACME failure');
    assert.match(gw.stderr, /acme: no certificate for gateway\.aisbf-acme\.test: the account key in \S*account\.key cannot be used \(larger than 256 KiB\)/, gw.output());
    assert.doesNotMatch(gw.stderr, /acme: new account key|acme: ordering/);
    assert.equal(fs.readFileSync(accountKey, 'utf8'), tooLarge);
  } finally {
    await gw.stop();
  }
});
