// The OpenAI SDK over the gateway's own HTTPS listener, trusting the
// self-signed certificate made on the first start as a user would: with
// NODE_EXTRA_CA_CERTS pointing at ~/.aisbf/cert.pem (read by node at start,
// so the SDK runs in a child process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, runCli } from '../integration/harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// A failure prints the error codes along its chain of causes (the TLS one
// last) and exits with 2.
const SCRIPT = `
import OpenAI from 'openai';
const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'any-key', timeout: 10000, maxRetries: 0 });
try {
  const chat = await client.chat.completions.create({
    model: 'mock/mock-model', messages: [{ role: 'user', content: 'hello over https' }],
  });
  const stream = await client.chat.completions.create({
    model: 'mock/mock-model', messages: [{ role: 'user', content: 'stream over https' }], stream: true,
  });
  let chunks = 0;
  let text = '';
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  console.log(JSON.stringify({ content: chat.choices[0].message.content, chunks, text }));
} catch (err) {
  const codes = [];
  for (let e = err; e; e = e.cause) codes.push(e.code ?? e.constructor?.name);
  console.log(JSON.stringify({ failed: String(err.message), codes }));
  process.exit(2);
}
`;

let s;
before(async () => { s = await startStack({ server: { protocol: 'https' } }); });
after(async () => { await s?.stop(); });

async function runSdk(env) {
  return runCli(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: HERE, env: { BASE_URL: `${s.url}/api/v1`, ...env }, timeoutMs: 30000,
  });
}

test('the openai SDK chats and streams over HTTPS with the self-signed certificate trusted', async () => {
  assert.match(s.url, /^https:/);
  const cert = path.join(s.configDir, 'cert.pem');
  assert.ok(fs.existsSync(cert));
  const r = await runSdk({ NODE_EXTRA_CA_CERTS: cert });
  assert.equal(r.code, 0, r.output);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.ok(out.content.length > 0, r.stdout);
  assert.ok(out.chunks >= 2, r.stdout);
  assert.ok(out.text.length > 0, r.stdout);
});

test('without the certificate trusted, the SDK refuses the connection', async () => {
  const r = await runSdk({ NODE_EXTRA_CA_CERTS: undefined });
  assert.equal(r.code, 2, r.output);
  const { codes } = JSON.parse(r.stdout.trim().split('\n').at(-1));
  // The certificate is refused, not some other failure (a refused or reset connection).
  assert.ok(codes.includes('DEPTH_ZERO_SELF_SIGNED_CERT'), r.output);
});
