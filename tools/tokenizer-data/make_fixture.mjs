// Writes tests/fixtures/tokenizer/parity.json: token ids from the npm
// `tiktoken` package (the reference; its Rust core compiled to wasm) for a
// fixed corpus, which src/context/tokenizer_test.cpp compares with ours.
// Run: (cd tools/tokenizer-data && npm ci && node make_fixture.mjs)
import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { get_encoding } from 'tiktoken';

const out = new URL('../../tests/fixtures/tokenizer/parity.json', import.meta.url);

// Deterministic random Unicode: code points from a spread of blocks.
function randomUnicode(seed, length) {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const blocks = [[0x20, 0x7e], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x52f], [0x590, 0x6ff], [0x900, 0x97f],
    [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x2000, 0x206f], [0x1f300, 0x1faff], [0x9, 0xd]];
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = blocks[next() % blocks.length];
    s += String.fromCodePoint(lo + (next() % (hi - lo + 1)));
  }
  return s;
}

function randomLetters(seed, length) {
  let state = seed >>> 0;
  let s = '';
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    s += String.fromCharCode(97 + ((state >>> 16) % 26));
  }
  return s;
}

const text = (s) => Buffer.from(s, 'utf8');
const cases = [
  ['empty', text('')],
  ['prose', text('The quick brown fox jumps over the lazy dog. It\'s 2026; we\'ll see.')],
  ['contractions', text("I'm you're they've she'd it'll DON'T He'S we'RE 'tis")],
  ['whitespace_runs', text('a  b   c    d \n\n\n  e\t\t f   \n   \n')],
  ['trailing_spaces', text('end with spaces     ')],
  ['crlf', text('line one\r\nline two\r\n\r\n  indented\r\n')],
  ['tabs', text('\tcol1\tcol2\t\t\tcol3\n\t\tnested')],
  ['digits', text('1 12 123 1234 12345 3.14159 1,000,000 0x1F 2026-12-03')],
  ['code', text('fn main() {\n    let x: Vec<u32> = (0..10).map(|i| i * 2).collect();\n    println!("{:?}", x);\n}\n// done /* ok */\n')],
  ['json', text('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":128}')],
  ['cjk', text('中文分词测试：今天天气很好。日本語のテキストです。한국어 문장입니다.')],
  ['emoji_zwj', text('family 👨‍👩‍👧‍👦 wave 👋🏽 flag 🏳️‍🌈 heart ❤️ 👍🏿👍🏻')],
  ['combining', text('e\u0301 n\u0303 a\u0308\u0304 Z\u0351\u0352\u0357\u0358 cafe\u0301 \u0915\u094d\u0937')],
  ['mixed_case', text('HTTPServer XMLHttpRequest camelCaseWord ALLCAPS iPhone McDonald')],
  ['punctuation', text('!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((( ))) /// \\\\\\ |||')],
  ['paths', text('/usr/local/bin/aisbf --config-dir ~/.aisbf/ src/context/tokenizer.cpp')],
  ['specials_as_text', text('before <|endoftext|> mid <|fim_prefix|><|fim_middle|><|fim_suffix|> <|endofprompt|> after')],
  ['invalid_utf8', Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x28, 0xe2, 0x82, 0x20, 0xf0, 0x9f, 0x98, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0x63, 0xc3])],
  ['random_unicode_1', text(randomUnicode(1, 400))],
  ['random_unicode_2', text(randomUnicode(2, 400))],
  ['random_unicode_3', text(randomUnicode(3, 2000))],
  // Long single pieces of varied letters: the heap merge on real, mixed merges.
  ['random_letters_5k', text(randomLetters(5, 5000))],
  ['random_word_300', text(randomLetters(6, 300))],
  ['prose_paragraph', text('Coding agents run long conversations that overflow context windows. ' +
    'A gateway that counts tokens exactly can condense them before the upstream refuses, ' +
    'and report what it sent.\n\n"Quoted," she said -- and left. (Parentheses, [brackets], {braces}.)')],
  // Long runs of one unit (a pathological case for naive BPE), stored as the unit and a count.
  ['run_a_100k', { unit: 'a', times: 100000 }],
  ['run_space_100k', { unit: ' ', times: 100000, suffix: 'x' }],
  ['run_digit_100k', { unit: '7', times: 100000 }],
  ['run_newline_10k', { unit: '\n', times: 10000 }],
  ['run_dot_100k', { unit: '.', times: 100000 }],
  ['run_cjk_20k', { unit: '字', times: 20000 }],
  ['run_ab_50k', { unit: 'ab', times: 50000 }],
];

// Long id lists are stored as their count and the sha256 of the ids joined by commas.
function ids(list) {
  const arr = Array.from(list);
  if (arr.length <= 2000) return { count: arr.length, ids: arr };
  return { count: arr.length, sha256: createHash('sha256').update(arr.join(',')).digest('hex') };
}

const result = { reference: 'npm tiktoken 1.0.22', cases: [] };
for (const name of ['cl100k_base', 'o200k_base']) {
  const enc = get_encoding(name);
  for (const [label, input] of cases) {
    const run = !Buffer.isBuffer(input);
    const bytes = run ? text(input.unit.repeat(input.times) + (input.suffix ?? '')) : input;
    // What tiktoken sees is the text as Node decodes it (invalid UTF-8 → U+FFFD).
    const str = bytes.toString('utf8');
    const stored = run ? { repeat: { unit: input.unit, times: input.times, suffix: input.suffix ?? '' } }
      : { input_base64: bytes.toString('base64') };
    result.cases.push({ encoding: name, name: label, ...stored,
      ordinary: ids(enc.encode_ordinary(str)), all_special: ids(enc.encode(str, 'all')) });
  }
  enc.free();
}
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 0) + '\n');
console.log(`wrote ${result.cases.length} cases to ${out.pathname}`);
