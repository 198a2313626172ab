// A deterministic corpus for the tokenizer parity test: the same seed gives
// the same cases, each a Buffer (raw bytes, so invalid UTF-8 is possible)
// with the kind that made it. Kinds aim at the split patterns' corners and
// the byte-pair merge's: whitespace, CRLF, digits, contractions, scripts,
// emoji sequences, combining marks, invalid UTF-8, long runs.

// mulberry32: small, fast, good enough to spread cases.
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (list) => list[int(0, list.length - 1)];
  return { next, int, pick };
}

const utf8 = (s) => Buffer.from(s, 'utf8');

const WORDS = ['the', 'quick', 'Brown', 'FOX', 'jumps', 'over', 'lazy', 'dog', 'hello', 'world', 'token',
  'gateway', 'naïve', 'café', 'Straße', 'Ελληνικά', 'русский', 'עברית', 'العربية', 'हिन्दी', 'ไทย', 'iPhone',
  'HTTPServer', 'camelCase', 'snake_case', 'x', 'I', 'a'];
const SPACES = [' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', '\r', '\u00a0', '\u3000', '\u2003', '\v', '\f', ' \n ',
  '\t\t', '    \n', '\r\n\r\n'];
// Where regex engines may disagree on `\s`: Unicode's White_Space (what the
// Rust regex crate under tiktoken uses: U+0085 NEL, the Z separators) and
// near misses that are not White_Space (U+FEFF, U+180E since Unicode 6.3,
// U+200B), beside the ASCII ones.
export const UNICODE_SPACES = ['\u0085', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004',
  '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
  '\ufeff', '\u180e', '\u200b'];
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'D", "’s",
  "'x", "''", "'"];
const SPECIALS = ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>',
  '<|endoftext', '|endoftext|>', '<|', '|>', '<|im_start|>'];
const EMOJI = ['👨‍👩‍👧‍👦', '👋🏽', '👍🏿', '👍🏻', '🏳️‍🌈', '❤️', '🧑🏾‍💻', '👩‍❤️‍💋‍👨', '🇫🇷', '🇯🇵🇺🇸', '1️⃣', '#️⃣', '😀',
  '🤖', '\u200d', '\ufe0f', '🏻'];
const CODE = [
  'fn main() {\n    let x: Vec<u32> = (0..10).map(|i| i * 2).collect();\n    println!("{:?}", x);\n}\n',
  'def f(a, b=2, *args, **kw):\n\treturn [x**2 for x in range(a) if x % b == 0]\n',
  'const add = (a, b) => a + b; // sum\nexport default { add };\n',
  '#include <vector>\nint main(int argc, char** argv) { return argc > 1 ? 0 : -1; }\n',
  '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":128}',
  '<div class="a b">\n  <p>Hello &amp; bye</p>\n</div>\n',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;\n',
  'for f in *.txt; do echo "$f" | tr a-z A-Z >> out.log; done\r\n',
  '    if (x != null && y !== undefined) {\n        throw new Error(`bad: ${x}`);\n    }\n',
  '// TODO(fix): handle \\r\\n and \\t\n/* block */ x += 0x1F; y <<= 3; z ??= [];\n',
];

function randomWord(r) {
  return r.pick(WORDS);
}

function sentence(r, words) {
  let s = '';
  for (let i = 0; i < words; i++) s += (i ? r.pick([' ', ' ', ' ', ', ', '. ', '\n']) : '') + randomWord(r);
  return s;
}

// A code point from anywhere but the surrogates (not encodable as UTF-8).
function randomCodePoint(r) {
  const ranges = [[0, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff],
    [0x1f300, 0x1faff], [0x4e00, 0x9fff], [0x300, 0x36f]];
  const [lo, hi] = r.pick(ranges);
  return String.fromCodePoint(r.int(lo, hi));
}

// Byte sequences that are not UTF-8: stray continuations, truncated
// sequences, overlongs, surrogates, past U+10FFFF, bytes never valid.
const INVALID = [[0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc3], [0xe2, 0x82], [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf0, 0x9f, 0x98], [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0xf5], [0xfe], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe1, 0x80], [0xc3, 0x28]];

const KINDS = {
  whitespace: (r) => {
    let s = '';
    for (let i = r.int(1, 12); i > 0; i--) s += r.pick(SPACES).repeat(r.int(1, 4)) + (r.next() < 0.7 ? randomWord(r) : '');
    return utf8(s);
  },
  crlf: (r) => {
    let s = '';
    for (let i = r.int(1, 6); i > 0; i--) s += ' '.repeat(r.int(0, 4)) + sentence(r, r.int(0, 5)) + r.pick(['\r\n', '\r\n\r\n', '\n', '\r', ' \r\n']);
    return utf8(s);
  },
  digits: (r) => {
    const parts = [];
    for (let i = r.int(1, 8); i > 0; i--) {
      parts.push(r.pick([String(r.int(0, 9)), String(r.int(0, 1e9)), '1'.repeat(r.int(1, 40)), `${r.int(0, 999)}.${r.int(0, 99999)}`,
        `${r.int(1, 9)},${r.int(100, 999)},${r.int(100, 999)}`, `abc${r.int(0, 99999)}def`, '٣٤٥', '１２３４', '²³', 'Ⅻ',
        `0x${r.int(0, 0xffffff).toString(16)}`, `${r.int(1000, 2100)}-${r.int(1, 12)}-${r.int(1, 28)}`]));
    }
    return utf8(parts.join(r.pick([' ', '', '\n', ', '])));
  },
  contractions: (r) => {
    let s = '';
    for (let i = r.int(1, 8); i > 0; i--) s += r.pick(['', ' ', '  ', '\n']) + randomWord(r) + r.pick(CONTRACTIONS);
    return utf8(s + (r.next() < 0.3 ? r.pick(CONTRACTIONS) : ''));
  },
  cjk: (r) => {
    let s = '';
    const blocks = [[0x4e00, 0x9fff], [0x3040, 0x30ff], [0xac00, 0xd7a3], [0x3000, 0x303f], [0xff00, 0xffef]];
    for (let i = r.int(1, 60); i > 0; i--) {
      const [lo, hi] = r.pick(blocks);
      s += r.next() < 0.1 ? r.pick([' ', '\n', randomWord(r), '1']) : String.fromCodePoint(r.int(lo, hi));
    }
    return utf8(s);
  },
  emoji: (r) => {
    let s = '';
    for (let i = r.int(1, 12); i > 0; i--) s += r.pick(['', ' ', randomWord(r), '\n']) + r.pick(EMOJI);
    return utf8(s);
  },
  combining: (r) => {
    let s = '';
    for (let i = r.int(1, 30); i > 0; i--) {
      s += r.next() < 0.2 ? ' ' : String.fromCodePoint(r.pick([0x61, 0x45, 0x6e, 0x915, 0x5d0, 0x627, 0x3b1, 0x20, 0x31]));
      for (let k = r.int(0, 4); k > 0; k--) s += String.fromCodePoint(r.pick([r.int(0x300, 0x36f), 0x94d, 0x5b4, 0x651, 0x20dd, 0x1ab0]));
    }
    return utf8(s);
  },
  invalid_utf8: (r) => {
    const parts = [];
    for (let i = r.int(1, 10); i > 0; i--) {
      parts.push(r.next() < 0.5 ? Buffer.from(r.pick(INVALID)) : utf8(r.pick([randomWord(r), ' ', '\n', '字', '😀', '1', "'s"])));
    }
    return Buffer.concat(parts);
  },
  random_unicode: (r) => {
    let s = '';
    for (let i = r.int(1, 80); i > 0; i--) s += randomCodePoint(r);
    return utf8(s);
  },
  long_char: (r) => utf8(r.pick(['a', 'Z', ' ', '\n', '\t', '.', '-', '=', '7', '字', 'é', '😀', '\r\n', '!', '/', 'ж'])
    .repeat(r.int(100, 2500)) + r.pick(['', 'x', ' ', '\n'])),
  long_word: (r) => utf8((r.pick(WORDS) + r.pick(['', ' ', '\n', ', ', "'s "])).repeat(r.int(20, 400))),
  specials: (r) => {
    let s = '';
    for (let i = r.int(1, 6); i > 0; i--) s += r.pick(['', ' ', randomWord(r), '\n']) + r.pick(SPECIALS);
    return utf8(s);
  },
  code: (r) => {
    let s = '';
    for (let i = r.int(1, 3); i > 0; i--) {
      const indent = r.pick(['', '  ', '    ', '\t']);
      s += r.pick(CODE).split('\n').map((line) => (line ? indent + line : line)).join('\n');
    }
    return utf8(s);
  },
  unicode_space: (r) => {
    let s = '';
    for (let i = r.int(1, 10); i > 0; i--) {
      s += r.pick(UNICODE_SPACES).repeat(r.int(1, 3)) + r.pick(['', '', ' ', '\n', '\r\n', '\t']) +
        r.pick([randomWord(r), String(r.int(0, 9999)), "'s", '!', '字', '😀', '', r.pick(UNICODE_SPACES)]);
    }
    return utf8(s);
  },
  mixed: (r) => {
    const kinds = Object.keys(KINDS).filter((k) => k !== 'mixed' && !k.startsWith('long'));
    return Buffer.concat(Array.from({ length: r.int(2, 5) }, () => KINDS[r.pick(kinds)](r)));
  },
};

// `perKind` cases of every kind, from one seed.
export function corpus(seed, perKind) {
  const r = prng(seed);
  const cases = [];
  for (const [kind, make] of Object.entries(KINDS)) {
    for (let i = 0; i < perKind; i++) cases.push({ kind, index: i, bytes: make(r) });
  }
  return cases;
}

// One-piece texts of a million characters (the split pattern leaves each
// whole): the byte-pair merge's worst case.
export function longPieces() {
  const r = prng(7);
  let letters = '';
  for (let i = 0; i < 1e6; i++) letters += String.fromCharCode(97 + r.int(0, 25));
  return [
    { kind: 'a_1M', text: 'a'.repeat(1e6) },
    { kind: 'spaces_1M', text: ' '.repeat(1e6) },
    { kind: 'letters_1M', text: letters },
  ];
}
