// `aisbf check-config`: accepts AISBF's own sample configs, never writes,
// reports a broken file with its name and JSON path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AISBF_BIN, REPO_ROOT, runCli, tmpDir, gatewayEnv, writeConfigDir } from './harness.mjs';

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
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), JSON.stringify(v, null, 2));
  return dir;
}

describe('check-config', { timeout: 60000 }, () => {
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

  it('check-config does not create a missing config dir', async () => {
    const dir = path.join(tmpDir(), 'missing');
    await checkConfig(['check-config', '--config-dir', dir]);
    assert.ok(!fs.existsSync(dir), 'check-config created the config dir');
  });
});
