// The reference's throughput on bench/tokenizer.cpp's corpus: the npm
// `tiktoken` package (Rust core in wasm), from tools/tokenizer-data after
// `npm ci` there. Run: node bench/tokenizer_tiktoken.mjs
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const { get_encoding } = createRequire(join(root, 'tools/tokenizer-data/'))('tiktoken');

function walk(dir, exts, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, exts, out);
    else if (exts.includes(extname(name))) out.push(readFileSync(path, 'utf8'));
  }
  return out;
}
const prose = readFileSync(join(root, 'README.md'), 'utf8') + walk(join(root, 'docs'), ['.md']).join('') +
  walk(join(root, 'src'), ['.md']).join('');
const code = walk(join(root, 'src'), ['.cpp', '.hpp']).join('');

for (const name of ['cl100k_base', 'o200k_base']) {
  const enc = get_encoding(name);
  for (const [label, text] of [['prose', prose], ['code', code]]) {
    const bytes = Buffer.byteLength(text);
    enc.encode_ordinary(text);  // warm-up
    let rounds = 0, tokens = 0;
    const start = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - start) < 2e9) tokens = enc.encode_ordinary(text).length, rounds++;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(`${name}/${label} bytes=${bytes} tokens=${tokens} MiB/s=${(bytes * rounds / seconds / 1048576).toFixed(1)}`);
  }
  enc.free();
}
