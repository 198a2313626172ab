// Token ids of `aisbf tokenize` (the real binary) against the npm `tiktoken`
// package's encode_ordinary, on a generated corpus: every case must match.
// Bytes travel as base64, so invalid UTF-8 reaches the binary unchanged;
// tiktoken gets the text as TextDecoder makes it (U+FFFD per maximal invalid
// subpart, the rule our utf8_repair follows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { AISBF_BIN, withTimeout } from '../integration/harness.mjs';
import { UNICODE_SPACES, corpus, longPieces, prng } from './tokenizer_corpus.mjs';
import { loadRanks, mergePiece } from './tokenizer_reference.mjs';

const require = createRequire(import.meta.url);
const { get_encoding } = require('tiktoken');

const ENCODINGS = ['cl100k_base', 'o200k_base'];
const PER_KIND = 150;  // 15 kinds: 2,250 cases per encoding
// ignoreBOM: a leading U+FEFF is text the binary tokenizes; the default
// decoder would drop it from tiktoken's input.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

// Runs `aisbf tokenize` over the buffers; resolves one id array per buffer.
async function tokenize(encoding, buffers, timeoutMs = 60000) {
  const child = spawn(AISBF_BIN, ['tokenize', '--encoding', encoding], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [], err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  child.stdin.end(buffers.map((b) => JSON.stringify({ b64: b.toString('base64') })).join('\n') + '\n');
  let status;
  try {
    status = await withTimeout(exited, timeoutMs, 'aisbf tokenize to finish');
  } finally {
    child.kill('SIGKILL');
  }
  const stderr = Buffer.concat(err).toString();
  assert.deepEqual(status, { code: 0, signal: null }, `aisbf tokenize failed: ${stderr}`);
  const lines = Buffer.concat(out).toString().split('\n').filter(Boolean);
  assert.equal(lines.length, buffers.length, 'one output line per input line');
  return lines.map((line) => JSON.parse(line).ids);
}

function describeMismatch(c, ours, theirs) {
  let at = 0;
  while (at < ours.length && ours[at] === theirs[at]) at++;
  return `${c.kind} #${c.index}: ${ours.length} ids, tiktoken ${theirs.length}; first difference at ${at}\n` +
    `  base64 ${c.bytes.toString('base64').slice(0, 400)}\n` +
    `  text   ${JSON.stringify(decoder.decode(c.bytes)).slice(0, 400)}\n` +
    `  ours   [${ours.slice(Math.max(0, at - 3), at + 8)}]\n  theirs [${theirs.slice(Math.max(0, at - 3), at + 8)}]`;
}

// Every case's ids from the binary equal tiktoken's encode_ordinary.
async function assertParity(encoding, cases) {
  const ours = await tokenize(encoding, cases.map((c) => c.bytes));
  const enc = get_encoding(encoding);
  const mismatches = [];
  try {
    cases.forEach((c, i) => {
      const theirs = Array.from(enc.encode_ordinary(decoder.decode(c.bytes)));
      if (JSON.stringify(ours[i]) !== JSON.stringify(theirs)) mismatches.push(describeMismatch(c, ours[i], theirs));
    });
  } finally {
    enc.free();
  }
  assert.equal(mismatches.length, 0, `${mismatches.length} of ${cases.length} differ:\n${mismatches.slice(0, 10).join('\n')}`);
}

for (const encoding of ENCODINGS) {
  test(`${encoding}: ${PER_KIND} cases of each kind equal tiktoken's encode_ordinary`, async () => {
    const cases = corpus(ENCODINGS.indexOf(encoding) + 1, PER_KIND);
    assert.ok(cases.length >= 2000, `${cases.length} cases`);
    await assertParity(encoding, cases);
  });
}

// Each Unicode space (and near miss) in every position the split patterns
// treat differently: alone, between letters, digits and punctuation, beside
// ASCII spaces and newlines, repeated, before a contraction, at the end.
const SPACE_CONTEXTS = ['{}', 'a{}b', 'a {}b', 'a{} b', '{}{}', '{}\n', '\n{}', '{}\n\n', 'x{}{}y', '{} {}', '1{}2',
  "{}'s", "it{}'s", '!{}', '{}!', '{}字', '  {}', '{}  x', '\t{}\t', 'end{}', '{}{}{}z'];

for (const encoding of ENCODINGS) {
  test(`${encoding}: every Unicode space in every context equals tiktoken`, async () => {
    const cases = [];
    for (const space of UNICODE_SPACES) {
      SPACE_CONTEXTS.forEach((context, index) => {
        cases.push({ kind: `U+${space.codePointAt(0).toString(16)}`, index, bytes: Buffer.from(context.replaceAll('{}', space)) });
      });
    }
    await assertParity(encoding, cases);
  });
}

// The heap reference (tokenizer_reference.mjs) is only as good as its
// agreement with tiktoken: checked on single pieces tiktoken still encodes
// in milliseconds, of the kinds the million-character cases use.
test('the long-piece reference equals tiktoken on runs of a few thousand', () => {
  const r = prng(11);
  let letters = '';
  for (let i = 0; i < 3000; i++) letters += String.fromCharCode(97 + r.int(0, 25));
  const texts = ['a'.repeat(3000), ' '.repeat(3000), letters, '字'.repeat(1000), 'ab'.repeat(1500), '7'.repeat(3)];
  for (const encoding of ENCODINGS) {
    const enc = get_encoding(encoding), ranks = loadRanks(encoding);
    try {
      for (const text of texts) {
        assert.deepEqual(mergePiece(Buffer.from(text), ranks), Array.from(enc.encode_ordinary(text)),
          `${encoding}: ${JSON.stringify(text.slice(0, 20))}… (${text.length})`);
      }
    } finally {
      enc.free();
    }
  }
});

const digest = (ids) => createHash('sha256').update(ids.join(',')).digest('hex');

for (const encoding of ENCODINGS) {
  test(`${encoding}: million-character pieces equal the reference merge`, async () => {
    const pieces = longPieces();
    const ours = await tokenize(encoding, pieces.map((p) => Buffer.from(p.text)), 90000);
    const ranks = loadRanks(encoding);
    pieces.forEach((p, i) => {
      const theirs = mergePiece(Buffer.from(p.text), ranks);
      assert.equal(ours[i].length, theirs.length, `${encoding} ${p.kind}: token count`);
      assert.equal(digest(ours[i]), digest(theirs), `${encoding} ${p.kind}: token ids`);
    });
  });
}
