// `aisbf check-config`: accepts AISBF's own sample configs, never writes,
// reports a broken file with its name and JSON path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AISBF_BIN, REPO_ROOT, runCli, tmpDir, gatewayEnv, writeConfigDir, startGateway, delay, noteSecrets, secretsIn } from './harness.mjs';

const FIXTURES = ['aisbf-0.9.4-config', 'aisbf-0.99.83-config'];

// name → {size, mtimeMs, content} for every entry of `dir` (recursive).
function snapshot(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.statSync(p);
      const rel = path.relative(dir, p);
      if (st.isDirectory()) { out[rel + '/'] = { mtimeMs: st.mtimeMs }; walk(p); } else {
        out[rel] = { size: st.size, mtimeMs: st.mtimeMs, content: fs.readFileSync(p, 'utf8') };
      }
    }
  };
  walk(dir);
  out['.'] = { mtimeMs: fs.statSync(dir).mtimeMs };
  return out;
}

function copyDir(src) {
  const dst = path.join(tmpDir(), path.basename(src));
  fs.cpSync(src, dst, { recursive: true, preserveTimestamps: true });
  fs.chmodSync(dst, 0o755);
  return dst;
}

function checkConfig(args, env = {}) {
  return runCli(AISBF_BIN, args, { env: gatewayEnv(env), timeoutMs: 10000 });
}

// A valid config dir with `mutate(files)` applied to the parsed files.
function brokenDir(mutate) {
  const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9' });
  const files = {};
  for (const f of ['aisbf.json', 'providers.json', 'rotations.json', 'autoselect.json']) {
    files[f] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  mutate(files);
  noteSecrets(secretsIn(files));
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), JSON.stringify(v, null, 2));
  return dir;
}

describe('check-config', { timeout: 120000 }, () => {
  const copyUnchanged = new Set();
  for (const name of FIXTURES) {
    it(`${name} passes and nothing is written (on a copy)`, async () => {
      const dir = copyDir(path.join(REPO_ROOT, 'tests', 'fixtures', name));
      const before = snapshot(dir);
      const r = await checkConfig(['check-config', '--config-dir', dir]);
      assert.equal(r.code, 0, r.output);
      assert.deepEqual(snapshot(dir), before, 'check-config changed the directory');
      copyUnchanged.add(name);
    });

    it(`${name} passes in place and nothing is written there`, async (t) => {
      // Only once a copy proved that nothing gets written (protects the fixtures).
      if (!copyUnchanged.has(name)) return t.skip('the check on a copy failed');
      const dir = path.join(REPO_ROOT, 'tests', 'fixtures', name);
      const before = snapshot(dir);
      const r = await checkConfig(['--config-dir', dir, 'check-config']);
      assert.equal(r.code, 0, r.output);
      assert.deepEqual(snapshot(dir), before, 'check-config changed the fixture directory');
    });
  }

  it('a valid generated config passes with --config-dir before or after the subcommand', async () => {
    const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9' });
    for (const args of [['check-config', '--config-dir', dir], ['--config-dir', dir, 'check-config']]) {
      const r = await checkConfig(args);
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.output}`);
    }
  });

  it('a wrong type in aisbf.json fails naming the file and JSON path', async () => {
    const dir = brokenDir((f) => { f['aisbf.json'].server.port = 'not-a-port'; });
    for (const args of [['check-config', '--config-dir', dir], ['--config-dir', dir, 'check-config']]) {
      const r = await checkConfig(args);
      assert.notEqual(r.code, 0, `${args.join(' ')}\n${r.output}`);
      assert.match(r.output, /aisbf\.json/);
      assert.match(r.output, /server\W{1,3}port/);
    }
  });

  it('a wrong type in providers.json fails naming the file and JSON path', async () => {
    const dir = brokenDir((f) => { f['providers.json'].providers.mock.models[1].context_size = 'big'; });
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /providers\.json/);
    assert.match(r.output, /providers\W{1,3}mock\W{1,3}models\W{1,3}1\W{1,3}context_size/);
  });

  it('a bad database section fails naming each JSON path; a good one passes', async () => {
    const bad = brokenDir((f) => {
      f['aisbf.json'].database = {
        type: 'oracle', mysql_port: '3306', postgres_port: 0, sqlite_path: 5, accounts_refresh_seconds: 0, statement_timeout_seconds: 0,
      };
    });
    const r = await checkConfig(['check-config', '--config-dir', bad]);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^error: aisbf\.json: database\.type: "oracle" is not one of sqlite, postgres \(postgresql\), mysql \(mariadb\)$/m);
    assert.match(r.output, /^error: aisbf\.json: database\.mysql_port: expected an integer, got string$/m);
    assert.match(r.output, /^error: aisbf\.json: database\.postgres_port: must be between 1 and 65535$/m);
    assert.match(r.output, /^error: aisbf\.json: database\.sqlite_path: expected a string or null, got number$/m);
    assert.match(r.output, /^error: aisbf\.json: database\.accounts_refresh_seconds: must be between 1 and 86400$/m);
    assert.match(r.output, /^error: aisbf\.json: database\.statement_timeout_seconds: must be between 1 and 3600$/m);
    assert.match(r.output, /; 6 errors, 0 warnings$/m);
    const good = brokenDir((f) => {
      f['aisbf.json'].database = { type: 'postgresql', postgres_url: 'postgresql://gw@127.0.0.1/aisbf',
        usage_retention_days: 90, accounts_refresh_seconds: 5, statement_timeout_seconds: 10 };
    });
    const ok = await checkConfig(['check-config', '--config-dir', good]);
    assert.equal(ok.code, 0, ok.output);
  });

  it('invalid JSON fails naming the file', async () => {
    const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9' });
    fs.writeFileSync(path.join(dir, 'rotations.json'), '{"rotations": {,}}');
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /rotations\.json/);
  });

  it('AISBF_CONFIG_DIR is honoured by check-config', async () => {
    const bad = brokenDir((f) => { f['aisbf.json'].server.port = 'x'; });
    const r = await checkConfig(['check-config'], { AISBF_CONFIG_DIR: bad });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /aisbf\.json/);
    const good = writeConfigDir({ mockUrl: 'http://127.0.0.1:9' });
    const ok = await checkConfig(['check-config'], { AISBF_CONFIG_DIR: good });
    assert.equal(ok.code, 0, ok.output);
  });

  // Issue 8, item 10: values that become upstream header lines or URLs.
  const SECRET = 'sk-secret-integration-42';
  const chmodAll = (dir, mode) => {
    for (const f of ['aisbf.json', 'providers.json', 'rotations.json', 'autoselect.json']) {
      fs.chmodSync(path.join(dir, f), mode);
    }
  };

  it('a key with a pasted newline is an error naming the file and JSON path, never the key', async () => {
    const dir = brokenDir((f) => { f['providers.json'].providers.mock.api_key = `${SECRET}\n`; });
    chmodAll(dir, 0o600);
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^error: providers\.json: providers\.mock\.api_key: must not contain control characters: byte 0x0a at offset 24 \(a trailing newline from a paste\?\)/m);
    assert.match(r.output, /; 1 error, 0 warnings$/m);
    assert.ok(!r.output.includes(SECRET), r.output);
  });

  it('control characters in an endpoint, a model name and a rotation key are each reported', async () => {
    const dir = brokenDir((f) => {
      const mock = f['providers.json'].providers.mock;
      mock.endpoint += '\r\nX-Injected: 1';
      mock.models[0].name = 'mock-model\t';
      f['rotations.json'].rotations = {
        pool: { model_name: 'pool', providers: [{ provider_id: 'mock', api_key: `${SECRET}\r`, models: [{ name: 'mock-model' }] }] },
      };
    });
    chmodAll(dir, 0o600);
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.equal(r.code, 1, r.output);
    const errors = r.output.split('\n').filter((l) => l.startsWith('error: '));
    assert.deepEqual(errors.map((l) => l.split(': must not')[0]), [
      'error: providers.json: providers.mock.endpoint',
      'error: providers.json: providers.mock.models[0].name',
      'error: rotations.json: rotations.pool.providers[0].api_key',
    ], r.output);
    assert.ok(!r.output.includes(SECRET), r.output);
  });

  it('a key sent over http:// to a non-loopback host is a warning, without the key', async () => {
    const dir = brokenDir((f) => {
      f['providers.json'].providers.mock.endpoint = 'http://gpu-box.example:8000/v1';
      f['providers.json'].providers.mock.api_key = SECRET;
    });
    chmodAll(dir, 0o600);
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^warning: providers\.json: providers\.mock\.endpoint: the provider's api_key is sent over plain http:\/\/ to "gpu-box\.example"/m);
    assert.match(r.output, /; 0 errors, 1 warning$/m);
    assert.ok(!r.output.includes(SECRET), r.output);
  });

  it('a file holding keys that group or others can read is a warning; mode 600 silences it', async () => {
    const dir = brokenDir((f) => {
      f['providers.json'].providers.mock.api_key = SECRET;
      f['aisbf.json'].auth = { enabled: true, tokens: ['gw-token-secret'] };
    });
    chmodAll(dir, 0o600);
    fs.chmodSync(path.join(dir, 'providers.json'), 0o644);
    fs.chmodSync(path.join(dir, 'aisbf.json'), 0o640);
    fs.chmodSync(path.join(dir, 'autoselect.json'), 0o666);  // holds no secret: no warning
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.equal(r.code, 0, r.output);
    const warnings = r.output.split('\n').filter((l) => l.startsWith('warning: '));
    assert.deepEqual(warnings, [
      'warning: aisbf.json: holds gateway auth tokens and is open to group or others (mode 0640); restrict it with chmod 600',
      'warning: providers.json: holds API keys and is open to group or others (mode 0644); restrict it with chmod 600',
    ], r.output);
    assert.ok(!r.output.includes(SECRET) && !r.output.includes('gw-token-secret'), r.output);
    chmodAll(dir, 0o600);
    const quiet = await checkConfig(['check-config', '--config-dir', dir]);
    assert.equal(quiet.code, 0, quiet.output);
    assert.match(quiet.output, /; 0 errors, 0 warnings$/m);
  });

  it('a condensation model its provider does not list: a warning from check-config and at the server\'s start', async () => {
    const dir = brokenDir((f) => {
      f['providers.json'].condensation = { provider_id: 'mock', model: 'not-listed', enabled: true };
    });
    chmodAll(dir, 0o600);
    const warning = /warning: providers\.json: condensation\.model: provider "mock" lists no model "not-listed": the condensation calls ask it as an unlisted model/;
    const r = await checkConfig(['check-config', '--config-dir', dir]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, warning);
    assert.match(r.output, /; 0 errors, 1 warning$/m);
    const gw = await startGateway(dir);
    try {
      const logged = /condensation\.model: provider "mock" lists no model "not-listed"/;
      for (const until = Date.now() + 5000; !logged.test(gw.stderr + gw.stdout) && Date.now() < until;) await delay(20);
      assert.match(gw.stdout + gw.stderr, logged);
    } finally {
      await gw.stop();
    }
  });

  it('check-config does not create a missing config dir', async () => {
    const dir = path.join(tmpDir(), 'missing');
    await checkConfig(['check-config', '--config-dir', dir]);
    assert.ok(!fs.existsSync(dir), 'check-config created the config dir');
  });
});
