// `aisbf tokenize` without npm packages (its parity with tiktoken is the e2e
// tokenizer_parity test): one output line per input line, bad lines answered
// with an error and exit status 1, unknown encodings refused, invalid UTF-8
// read as U+FFFD, and the ids decode (through the rank file) to the text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AISBF_BIN, withTimeout } from './harness.mjs';

async function tokenize(args, input) {
  const child = spawn(AISBF_BIN, ['tokenize', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  child.stdin.end(input);
  try {
    const code = await withTimeout(exited, 30000, 'aisbf tokenize');
    return { code, stderr, lines: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  } finally {
    child.kill('SIGKILL');
  }
}

const line = (bytes) => JSON.stringify({ b64: Buffer.from(bytes).toString('base64') }) + '\n';

// The rank file beside the binary: base64 token → id, inverted.
function vocabulary(encoding) {
  const file = path.join(path.dirname(AISBF_BIN), 'tokenizer', `${encoding}.tiktoken`);
  const bytesOf = new Map();
  for (const row of fs.readFileSync(file, 'utf8').split('\n')) {
    const [b64, id] = row.split(' ');
    if (b64) bytesOf.set(Number(id), Buffer.from(b64, 'base64'));
  }
  return bytesOf;
}

describe('aisbf tokenize', { timeout: 60000 }, () => {
  for (const encoding of ['cl100k_base', 'o200k_base']) {
    it(`${encoding}: the ids of each line decode to its text`, async () => {
      const texts = ['hello world', '', "It's 2026;\r\n\tok  ", '中文 👋🏽 e\u0301', 'a'.repeat(5000)];
      const r = await tokenize(['--encoding', encoding], texts.map(line).join(''));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.lines.length, texts.length);
      const bytesOf = vocabulary(encoding);
      r.lines.forEach(({ ids }, i) => {
        assert.equal(Buffer.concat(ids.map((id) => bytesOf.get(id))).toString(), texts[i]);
      });
      assert.deepEqual(r.lines[1].ids, []);
      assert.ok(r.lines[4].ids.length < 5000 / 2, 'a run merges');
    });
  }

  it('invalid UTF-8 is read as U+FFFD per maximal invalid subpart', async () => {
    const r = await tokenize([], line([0x61, 0xff, 0x62, 0xe2, 0x82, 0x20]) + line('a\ufffdb\ufffd '));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines[0], r.lines[1]);
  });

  it('a bad line gets an error line, the others their ids, and the exit status is 1', async () => {
    const r = await tokenize([], `${line('one')}not json\n{"b64": 7}\n{"b64": "!!"}\n${line('two')}`);
    assert.equal(r.code, 1);
    assert.equal(r.lines.length, 5);
    assert.ok(Array.isArray(r.lines[0].ids) && Array.isArray(r.lines[4].ids));
    for (const bad of r.lines.slice(1, 4)) assert.equal(typeof bad.error, 'string');
  });

  it('an unknown encoding is refused', async () => {
    const r = await tokenize(['--encoding', 'p50k_base'], line('x'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /p50k_base/);
    assert.equal(r.lines.length, 0);
  });
});
