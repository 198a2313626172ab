// The onion service (aisbf.json `tor`) against Debian's tor, started here in
// a temp DataDirectory with DisableNetwork 1 (creating an onion service
// needs no network) and a control port on loopback: password and cookie
// authentication, ephemeral and persistent services, DEL_ONION at
// shutdown, a wrong password, no tor at all, tor restarting.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  assertError, bearer, closedPort, delay, get, noteSecrets, post, request, secretsIn, spawnProc, startGateway, startMock,
  tmpDir, withTimeout, writeConfigDir,
} from './harness.mjs';

const TOKEN = 'tor-suite-global-token';
const PASSWORD = 'tor-suite-control-pw';
noteSecrets(PASSWORD, 'not-the-password');
const ONION = /^[a-z2-7]{56}\.onion$/;

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

// tor in a temp dir; `auth`: 'password' or 'cookie'. Bounded: 15 s for its control port.
async function startTor({ auth = 'password', port } = {}) {
  const dir = tmpDir('aisbf-tor-');
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  port ??= await freePort();
  const lines = [`DataDirectory ${data}`, 'DisableNetwork 1', 'SocksPort 0', `ControlPort 127.0.0.1:${port}`,
    'Log notice stdout'];
  if (auth === 'password') {
    const hashed = execFileSync('tor', ['--hash-password', PASSWORD, '--quiet'], { encoding: 'utf8' }).trim().split('\n').pop();
    lines.push(`HashedControlPassword ${hashed}`);
  } else {
    lines.push('CookieAuthentication 1');
  }
  const torrc = path.join(dir, 'torrc');
  fs.writeFileSync(torrc, `${lines.join('\n')}\n`);
  const proc = spawnProc('tor', 'tor', ['-f', torrc]);
  const deadline = Date.now() + 15000;
  while (!(await portOpen(port))) {
    if (!proc.running || Date.now() > deadline) {
      await proc.stop(1000);
      throw new Error(`tor did not open its control port\n${proc.output()}`);
    }
    await delay(50);
  }
  return { proc, port, dir, data, auth };
}

// Calls `onLine` for each CRLF-ended line `sock` receives.
function eachLine(sock, onLine) {
  let buffered = '';
  sock.on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      onLine(line);
    }
  });
}

// Commands over tor's control port as the test's own controller: replies' text, in order.
async function control(tor, commands) {
  const secret = tor.auth === 'password'
    ? `"${PASSWORD}"`
    : fs.readFileSync(path.join(tor.data, 'control_auth_cookie')).toString('hex');
  const sock = net.connect(tor.port, '127.0.0.1');
  sock.setEncoding('utf8');
  const replies = [];
  let current = [];
  let wake = null;
  eachLine(sock, (line) => {
    current.push(line);
    if (/^\d{3} /.test(line)) { replies.push(current.join('\n')); current = []; wake?.(); }
  });
  const all = [`AUTHENTICATE ${secret}`, ...commands, 'QUIT'];
  try {
    await withTimeout(new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); }), 5000, 'tor control');
    for (const command of all) {
      const want = replies.length + 1;
      sock.write(`${command}\r\n`);
      await withTimeout(new Promise((resolve) => {
        const check = () => (replies.length >= want ? resolve() : (wake = check));
        check();
      }), 5000, `tor's reply to ${command.split(' ')[0]}`);
    }
  } finally {
    sock.destroy();
  }
  assert.match(replies[0], /^250 OK/, 'the test authenticates to tor');
  return replies.slice(1, -1);
}

function torConfig(tor, extra = {}) {
  return {
    enabled: true, control_host: '127.0.0.1', control_port: tor?.port ?? 9, control_password: PASSWORD,
    hidden_service_dir: '', hidden_service_port: 80, socks_host: '127.0.0.1', socks_port: 9050, ...extra,
  };
}

async function startWithTor(mock, torSection, { args = [], auth = { enabled: true, tokens: [TOKEN] }, server } = {}) {
  const dir = writeConfigDir({ mockUrl: mock.url, auth, server, aisbf: { tor: torSection } });
  const gw = await startGateway(dir, args);
  gw.configDir = dir;
  return gw;
}

// A control port that is not tor: answers PROTOCOLINFO with `methods` and
// `cookieFile`, records the commands it got.
async function fakeControlPort(methods, cookieFile) {
  const commands = [];
  const srv = net.createServer((sock) => {
    sock.setEncoding('utf8');
    eachLine(sock, (line) => {
      commands.push(line);
      if (line.startsWith('PROTOCOLINFO')) {
        sock.write(`250-PROTOCOLINFO 1\r\n250-AUTH METHODS=${methods} COOKIEFILE="${cookieFile}"\r\n`
          + '250-VERSION Tor="0.4.8.0"\r\n250 OK\r\n');
      } else {
        sock.write('514 Authentication required.\r\n');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: srv.address().port,
    commands,
    close: () => new Promise((resolve) => { srv.close(resolve); for (const c of srv.connections ?? []) c.destroy(); }),
  };
}

async function torStatus(gw) {
  const r = await get(`${gw.url}/api/admin/tor`, { headers: bearer(TOKEN) });
  assert.equal(r.status, 200, r.text);
  return r.json();
}

// Polls GET /api/admin/tor until `pred` holds (bounded).
async function waitStatus(gw, pred, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await torStatus(gw);
    if (pred(status)) return status;
    if (Date.now() > deadline) throw new Error(`TOR status never matched: ${JSON.stringify(status)}\n${gw.output()}`);
    await delay(50);
  }
}

const running = (s) => s.state === 'running';
const failed = (s) => s.state === 'error';

describe('tor: onion service over the control port', { timeout: 60000 }, () => {
  let mock;
  let passwordTor;
  before(async () => {
    mock = await startMock();
    passwordTor = await startTor({ auth: 'password' });
  });
  after(async () => {
    await passwordTor?.proc.stop();
    await mock?.stop();
  });

  it('password auth, ephemeral: the address is reported, logged, accepted as Host, new at each start, removed at stop', async () => {
    const addresses = [];
    for (let round = 0; round < 2; round += 1) {
      const gw = await startWithTor(mock, torConfig(passwordTor));
      try {
        const status = await waitStatus(gw, running);
        assert.match(status.hidden_service, ONION);
        assert.equal(status.enabled, true);
        assert.equal(status.configured, true);
        assert.equal(status.persistent, false);
        assert.equal(status.port, 80);
        assert.equal(status.target, `127.0.0.1:${gw.port}`);
        assert.equal(status.last_error, null);
        assert.ok(gw.stderr.includes(`TOR hidden service: ${status.hidden_service} → port 80`), gw.output());
        // The onion's requests carry its name in Host: a loopback listener accepts it.
        const viaOnion = await get(`${gw.url}/v1/models`, { headers: { ...bearer(TOKEN), host: status.hidden_service } });
        assert.equal(viaOnion.status, 200, viaOnion.text);
        const elsewhere = await get(`${gw.url}/v1/models`, { headers: { ...bearer(TOKEN), host: `x${status.hidden_service}` } });
        assert.equal(elsewhere.status, 403);
        addresses.push(status.hidden_service);
      } finally {
        await gw.stop();
        await gw.closed;  // its last log lines
      }
      assert.ok(gw.stderr.includes(`TOR hidden service ${addresses[round]} removed`), gw.output());
    }
    assert.notEqual(addresses[0], addresses[1]);
  });

  it('persistent: the key is kept 0600 in a 0700 dir, the address survives restarts, DEL_ONION frees it', async () => {
    const hsDir = path.join(tmpDir('aisbf-hs-'), 'onion');  // created by aisbf
    const addresses = [];
    for (let round = 0; round < 2; round += 1) {
      const gw = await startWithTor(mock, torConfig(passwordTor, { hidden_service_dir: hsDir, hidden_service_port: 8080 }));
      try {
        const status = await waitStatus(gw, running);
        assert.equal(status.persistent, true);
        assert.equal(status.port, 8080);
        addresses.push(status.hidden_service);
        const keyFile = path.join(hsDir, 'aisbf_onion_key');
        assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
        assert.equal(fs.statSync(hsDir).mode & 0o777, 0o700);
        // While aisbf holds the service, tor refuses the same key to anyone else.
        const key = fs.readFileSync(keyFile, 'utf8').trim();
        const [taken] = await control(passwordTor, [`ADD_ONION ${key} Port=1,127.0.0.1:1`]);
        assert.match(taken, /^550 .*collision/i);
      } finally {
        await gw.stop();
        await gw.closed;  // its last log lines
      }
      // DEL_ONION was sent and tor said 250 (closing the connection alone would free the key too).
      assert.ok(gw.stderr.includes(`TOR hidden service ${addresses[round]} removed`), gw.output());
    }
    assert.equal(addresses[0], addresses[1]);
    // Removed at shutdown: the key is free again (the test adds it, then deletes it).
    const key = fs.readFileSync(path.join(hsDir, 'aisbf_onion_key'), 'utf8').trim();
    const [added, deleted] = await control(passwordTor, [`ADD_ONION ${key} Port=1,127.0.0.1:1`,
      `DEL_ONION ${addresses[0].replace('.onion', '')}`]);
    assert.match(added, new RegExp(`ServiceID=${addresses[0].replace('.onion', '')}`));
    assert.match(deleted, /^250 OK/);
  });

  it('a wrong control password: tor\'s 515 in the status and the log, and aisbf keeps serving', async () => {
    const gw = await startWithTor(mock, torConfig(passwordTor, { control_password: 'not-the-password' }));
    try {
      const status = await waitStatus(gw, failed);
      assert.match(status.last_error, /515 Authentication failed/);
      assert.equal(status.hidden_service, null);
      assert.match(status.message, /not running/);
      assert.match(gw.stderr, /TOR: tor refused the authentication: 515 Authentication failed/);
      assert.ok(!gw.stderr.includes('not-the-password'), 'the password is not logged');
      assert.equal((await torStatus(gw)).last_error.includes('not-the-password'), false);
      const r = await get(`${gw.url}/v1/models`, { headers: bearer(TOKEN) });
      assert.equal(r.status, 200);
    } finally {
      await gw.stop();
    }
    assert.equal(gw.exitInfo.code, 0, gw.output());
  });

  it('no tor on the control port: a clear error, serving on, a clean stop', async () => {
    const gw = await startWithTor(mock, torConfig({ port: await closedPort() }));
    try {
      const status = await waitStatus(gw, failed);
      assert.match(status.last_error, /cannot connect to tor's control port 127\.0\.0\.1:\d+: Connection refused/);
      assert.equal((await get(`${gw.url}/v1/models`, { headers: bearer(TOKEN) })).status, 200);
    } finally {
      await gw.stop();
    }
    assert.equal(gw.exitInfo.code, 0, gw.output());
  });

  it('auth off: no onion service unless --allow-unauthenticated', async () => {
    const off = { auth: { enabled: false, tokens: [] } };
    const gw = await startWithTor(mock, torConfig(passwordTor), off);
    try {
      const status = await waitStatus(gw, failed);
      assert.match(status.last_error, /auth disabled/);
      assert.equal(status.connects, 0);
      assert.equal(status.enabled, false);
    } finally {
      await gw.stop();
    }
    const allowed = await startWithTor(mock, torConfig(passwordTor), { ...off, args: ['--allow-unauthenticated'] });
    try {
      assert.match((await waitStatus(allowed, running)).hidden_service, ONION);
    } finally {
      await allowed.stop();
    }
  });

  it('auth turned off while published: the settings route refuses it, a reload removes the service (DEL_ONION)', async () => {
    const gw = await startWithTor(mock, torConfig(passwordTor));
    try {
      const status = await waitStatus(gw, running);
      const put = await request(`${gw.url}/api/admin/settings`, {
        method: 'PUT', headers: bearer(TOKEN), body: { auth: { enabled: false, tokens: [TOKEN] } },
      });
      const e = assertError(put, 400, 'auth_required');
      assert.equal(e.param, 'auth.enabled');
      assert.match(e.message, /onion service is published/);
      assert.equal((await torStatus(gw)).state, 'running');
      // A reload of an aisbf.json with auth off (as SIGHUP would): the service goes.
      const file = path.join(gw.configDir, 'aisbf.json');
      const aisbf = JSON.parse(fs.readFileSync(file, 'utf8'));
      aisbf.auth.enabled = false;
      fs.writeFileSync(file, JSON.stringify(aisbf, null, 2));
      const reloaded = await post(`${gw.url}/api/admin/reload`, {}, { headers: bearer(TOKEN) });
      assert.equal(reloaded.status, 200, reloaded.text);
      const after = await waitStatus(gw, failed);
      assert.match(after.last_error, /auth disabled.*removed until aisbf restarts/);
      assert.equal(after.hidden_service, null);
      const deadline = Date.now() + 5000;
      while (!gw.stderr.includes(`TOR hidden service ${status.hidden_service} removed`)) {
        if (Date.now() > deadline) throw new Error(`no DEL_ONION\n${gw.output()}`);
        await delay(50);
      }
    } finally {
      await gw.stop();
    }
  });

  it('server.trusted_proxies covering tor\'s loopback address: no onion service (TOR clients\' X-Forwarded-* would be believed)', async () => {
    const gw = await startWithTor(mock, torConfig(passwordTor), { server: { trusted_proxies: ['127.0.0.0/8'] } });
    try {
      const status = await waitStatus(gw, failed);
      assert.match(status.last_error, /trusted_proxies covers 127\.0\.0\.1/);
      assert.equal(status.connects, 0);
    } finally {
      await gw.stop();
    }
  });

  it('server.metrics_allow covering tor\'s loopback address: no onion service (TOR clients could read /metrics); without a list /metrics needs the token', async () => {
    const gw = await startWithTor(mock, torConfig(passwordTor), { server: { metrics_allow: ['127.0.0.1'] } });
    try {
      const status = await waitStatus(gw, failed);
      assert.match(status.last_error, /metrics_allow covers 127\.0\.0\.1/);
      assert.equal(status.connects, 0);
    } finally {
      await gw.stop();
    }
    const open = await startWithTor(mock, torConfig(passwordTor));
    try {
      assert.equal((await get(`${open.url}/metrics`)).status, 403);  // loopback, but tor's connections are loopback too
    } finally {
      await open.stop();
    }
  });

  it('a control port that is not tor: COOKIE alone is refused, a cookie file that is a FIFO is not read', async () => {
    const dir = tmpDir('aisbf-fake-tor-');
    const fifo = path.join(dir, 'cookie');
    execFileSync('mkfifo', [fifo]);
    const cookieOnly = await fakeControlPort('COOKIE', path.join(dir, 'none'));
    const fifoCookie = await fakeControlPort('COOKIE,SAFECOOKIE', fifo);
    try {
      for (const [fake, why] of [[cookieOnly, /SAFECOOKIE/], [fifoCookie, /not a regular file/]]) {
        const gw = await startWithTor(mock, torConfig({ port: fake.port }, { control_password: '' }));
        try {
          const status = await waitStatus(gw, failed);
          assert.match(status.last_error, why);
          assert.ok(!fake.commands.some((c) => c.startsWith('AUTHENTICATE')), JSON.stringify(fake.commands));
          assert.equal((await get(`${gw.url}/v1/models`, { headers: bearer(TOKEN) })).status, 200);
        } finally {
          await gw.stop();
        }
      }
    } finally {
      await cookieOnly.close();
      await fifoCookie.close();
    }
  });

  it('cookie auth (SAFECOOKIE), and a reconnect with the same address when tor restarts', async () => {
    const cookieTor = await startTor({ auth: 'cookie' });
    const hsDir = path.join(tmpDir('aisbf-hs-'), 'onion');
    let restarted;
    const gw = await startWithTor(mock, torConfig(cookieTor, { control_password: '', hidden_service_dir: hsDir }));
    try {
      const first = await waitStatus(gw, running);
      assert.match(first.hidden_service, ONION);
      await cookieTor.proc.stop();
      await waitStatus(gw, failed);
      restarted = await startTor({ auth: 'cookie', port: cookieTor.port });
      const again = await waitStatus(gw, (s) => running(s) && s.connects >= 2);
      assert.equal(again.hidden_service, first.hidden_service);
    } finally {
      await gw.stop();
      await cookieTor.proc.stop();
      await restarted?.proc.stop();
    }
  });
});
