// The command line: --version, --help, first start, AISBF_CONFIG_DIR,
// refusing an open relay on a non-loopback address, refusing config values
// that would break upstream header lines, and warning about exposed keys.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AISBF_BIN, runCli, spawnListening, startMock, writeConfigDir, tmpDir, gatewayEnv, get, mockProvider,
  noteSecrets, secretsIn,
} from './harness.mjs';

describe('cli', { timeout: 60000 }, () => {
  const procs = [];
  after(async () => { await Promise.all(procs.map((p) => p.stop())); });

  it('--version prints a version and exits 0', async () => {
    const r = await runCli(AISBF_BIN, ['--version'], { env: gatewayEnv() });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /\d+\.\d+\.\d+/);
  });

  it('--help lists the options and exits 0', async () => {
    const r = await runCli(AISBF_BIN, ['--help'], { env: gatewayEnv() });
    assert.equal(r.code, 0, r.output);
    for (const word of ['--config-dir', '--host', '--port', '--workers', '--log-level', '--allow-unauthenticated', 'check-config']) {
      assert.ok(r.output.includes(word), `--help does not mention ${word}:\n${r.output}`);
    }
  });

  it('an unknown option exits non-zero', async () => {
    const r = await runCli(AISBF_BIN, ['--no-such-option'], { env: gatewayEnv() });
    assert.notEqual(r.code, 0, r.output);
  });

  it('first start creates a missing config dir with default files', async () => {
    const dir = path.join(tmpDir(), 'fresh', 'config');
    const gw = await spawnListening('aisbf', AISBF_BIN,
      ['--config-dir', dir, '--host', '127.0.0.1', '--port', '0', '--workers', '2'], { env: gatewayEnv() });
    procs.push(gw);
    for (const f of ['aisbf.json', 'providers.json']) {
      const p = path.join(dir, f);
      assert.ok(fs.existsSync(p), `${f} not created: ${fs.existsSync(dir) ? fs.readdirSync(dir) : 'no dir'}`);
      JSON.parse(fs.readFileSync(p, 'utf8'));
    }
    const h = await get(`${gw.url}/health`);
    assert.equal(h.status, 200);
    assert.equal((await gw.stop()).code, 0);
    // A second start reads what the first wrote.
    const again = await spawnListening('aisbf', AISBF_BIN,
      ['--config-dir', dir, '--host', '127.0.0.1', '--port', '0'], { env: gatewayEnv() });
    procs.push(again);
    assert.equal((await get(`${again.url}/health`)).status, 200);
    await again.stop();
  });

  it('AISBF_CONFIG_DIR selects the config dir; --log-level is accepted', async () => {
    const mock = await startMock();
    procs.push(mock.proc);
    const dir = writeConfigDir({ mockUrl: mock.url });
    const gw = await spawnListening('aisbf', AISBF_BIN,
      ['--host', '127.0.0.1', '--port', '0', '--workers', '1', '--log-level', 'debug'],
      { env: gatewayEnv({ AISBF_CONFIG_DIR: dir }) });
    procs.push(gw);
    const r = await get(`${gw.url}/`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json().providers, ['mock']);
    await gw.stop();
    await mock.stop();
  });

  // Starts aisbf expecting it to refuse; kills it at once if it listens.
  async function expectRefusal(args) {
    let listened = false;
    const err = await spawnListening('aisbf', AISBF_BIN, args, { env: gatewayEnv(), timeoutMs: 5000 })
      .then(async (p) => { listened = true; await p.stop(1000); return null; })
      .catch((e) => e);
    assert.ok(!listened, `aisbf listened on a non-loopback address with auth disabled (${args.join(' ')})`);
    assert.ok(err instanceof Error);
    assert.match(err.message, /exited before listening \(\{"code":[1-9]/, err.message);
    return err.message;
  }

  it('a non-loopback --host with auth disabled is refused with a message', async () => {
    const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9' });
    const msg = await expectRefusal(['--config-dir', dir, '--host', '0.0.0.0', '--port', '0']);
    assert.match(msg, /allow-unauthenticated/);
  });

  it('a key with a control character stops the start with the file and JSON path, never the key', async () => {
    const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9' });
    const file = path.join(dir, 'providers.json');
    const providers = JSON.parse(fs.readFileSync(file, 'utf8'));
    providers.providers.mock.api_key = 'sk-secret-start-7\n';
    noteSecrets('sk-secret-start-7');
    fs.writeFileSync(file, JSON.stringify(providers));
    const msg = await expectRefusal(['--config-dir', dir, '--host', '127.0.0.1', '--port', '0']);
    assert.match(msg, /providers\.json: providers\.mock\.api_key: must not contain control characters/);
    assert.match(msg, /has errors; run `aisbf check-config`/);
    assert.ok(!msg.includes('sk-secret-start-7'), msg);
  });

  it('a key over plain http:// and a key file open to others are warned about at start', async () => {
    const mock = await startMock();
    procs.push(mock.proc);
    const dir = writeConfigDir({
      mockUrl: mock.url,
      providers: {
        mock: mockProvider(mock.url),
        remote: mockProvider('http://gpu-box.example:8000', { id: 'remote', api_key: 'sk-secret-remote-9', models: ['m'] }),
      },
    });
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o600);
    fs.chmodSync(path.join(dir, 'providers.json'), 0o644);
    const gw = await spawnListening('aisbf', AISBF_BIN,
      ['--config-dir', dir, '--host', '127.0.0.1', '--port', '0', '--workers', '1'], { env: gatewayEnv() });
    procs.push(gw);
    assert.equal((await get(`${gw.url}/health`)).status, 200);
    await gw.stop();
    const out = gw.stdout + gw.stderr;
    assert.match(out, /providers\.json: providers\.remote\.endpoint: the provider's api_key is sent over plain http:\/\/ to "gpu-box\.example"/, out);
    assert.match(out, /providers\.json: holds API keys and is open to group or others \(mode 0644\)/, out);
    assert.ok(!out.includes('sk-secret-remote-9'), out);
    await mock.stop();
  });

  it('the refusal also applies to a host from aisbf.json', async () => {
    const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9', server: { host: '0.0.0.0', port: 0 } });
    await expectRefusal(['--config-dir', dir, '--port', '0']);
  });
});
