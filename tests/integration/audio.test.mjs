// OpenAI's audio API through the binary (pipeline/audio_routes.hpp):
// transcriptions and translations streamed to aisbf-mock as multipart
// bytes arrive (the mock hashes the file part as it reads, and shows the
// bytes of uploads in progress at /__mock/uploads), every `model` field
// rewritten, each response_format relayed with its content type, SSE for
// stream=true; speech relayed as it comes (binary intact, SSE events),
// failing over in a rotation; 413 and 415 read by the client; a 100 MB
// upload that leaves the gateway's RSS flat; a clear 400 for providers
// without an audio API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import {
  startStack, request, post, delay, mockProvider, typedProvider, model, withTimeout, MOCK_KEY, createUser, createToken,
  bearer, usageCsvRows, assertError, chatBody,
} from './harness.mjs';
import { wav } from './wav.mjs';

const BOUNDARY = 'aisbf-test-boundary-7d1';
const MIB = 1024 * 1024;
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function field(name, value) {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
}
function fileHead(name = 'clip.wav', fieldName = 'file', type = 'audio/wav') {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${name}"\r\n` +
    `Content-Type: ${type}\r\n\r\n`);
}
const CLOSE = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
// A whole form: fields before the file, the file, fields after it.
function form({ fields = {}, file, after = {} }) {
  return Buffer.concat([
    ...Object.entries(fields).map(([k, v]) => field(k, v)),
    fileHead(), file, Buffer.from('\r\n'),
    ...Object.entries(after).map(([k, v]) => field(k, v)),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ]);
}
const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

// A streamed request: `pieces` is an async iterable of Buffers, written
// with backpressure (chunked unless headers say a Content-Length). The
// answer is read as soon as it comes, even while the body is still being
// written (a 413 mid-upload); a write error after that is ignored.
function streamUpload(url, pieces, { headers = {}, timeoutMs = 60000 } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': FORM_TYPE, ...headers }, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, buf, text: buf.toString(), json: () => JSON.parse(buf) });
        });
        res.on('error', reject);
      });
    let answered = false;
    req.on('response', () => { answered = true; });
    req.on('error', (e) => { if (!answered) reject(e); });
    (async () => {
      for await (const piece of pieces) {
        if (answered || req.destroyed) return;
        if (!req.write(piece)) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
      }
      req.end();
    })().catch(() => {});
  }), timeoutMs, `upload to ${url}`);
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

const MODELS = ['whisper-1', 'gpt-4o-transcribe', 'tts-1', 'tts-fault-500', 'gpt-image-1', 'fault-400', 'fault-429',
  'fault-500', 'fault-hang'];
// Priced per request (whisper-1, tts-1) or per token (gpt-4o-transcribe): the usage rows' cost.
const PRICES = {
  'whisper-1': { request: 0.006 }, 'tts-1': { request: 0.015 },
  'gpt-4o-transcribe': { prompt: 0.0000025, completion: 0.00001 },
};
// The gateway's allocations are what is measured: ASan's quarantine of
// freed blocks (a sanitizer build) is not the gateway's memory.
const ASAN = `${process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : ''}quarantine_size_mb=1`;

describe('audio through the gateway', { timeout: 120000 }, () => {
  let s;
  const url = (p) => s.u(p);
  const upload = (path, body, headers = {}) =>
    request(url(path), { method: 'POST', headers: { 'content-type': FORM_TYPE, ...headers }, body, timeoutMs: 20000 });

  before(async () => {
    s = await startStack({
      providers: (mockUrl) => ({
        mock: mockProvider(mockUrl, { models: MODELS.map((m) => model(m, PRICES[m] ? { pricing: PRICES[m] } : {})) }),
        anthropic: typedProvider('anthropic', mockUrl, { models: [model('whisper-1')] }),
        google: typedProvider('google', mockUrl, { models: [model('tts-1')] }),
        ollama: typedProvider('ollama', mockUrl, { models: [model('tts-1')] }),
      }),
      rotations: {
        // Weight 0: tried only after the others (the planner's order is otherwise drawn).
        speak: { providers: [{ provider_id: 'mock', models: [{ name: 'tts-fault-500', weight: 1 }, { name: 'tts-1', weight: 0 }] }] },
      },
      autoselect: {
        pick: { model_name: 'pick', description: 'x', fallback: 'mock/whisper-1',
          available_models: [{ model_id: 'mock/whisper-1', description: 'speech to text' }] },
      },
      server: { max_upload_bytes: 200 * MIB, cors_origins: ['https://app.example'] },
      env: { ASAN_OPTIONS: ASAN },
    });
  });
  after(async () => { await s?.stop(); });

  it('transcribes a WAV: model rewritten in the form, the file passed intact', async () => {
    const clip = wav(1);
    const r = await upload('/api/v1/audio/transcriptions', form({ fields: { model: 'mock/whisper-1' }, file: clip }));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /^application\/json/);
    const text = r.json().text;
    assert.equal(text, `transcript of ${clip.length} bytes sha256 ${sha256(clip)} by whisper-1`);
    const seen = (await s.mock.requests()).filter((q) => q.path.endsWith('/audio/transcriptions')).at(-1);
    assert.equal(seen.path, '/v1/audio/transcriptions');
    assert.equal(JSON.parse(seen.body).model, 'whisper-1');
    assert.equal(seen.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.match(seen.headers['content-type'], new RegExp(`boundary=${BOUNDARY}`));
  });

  it('serves every route: /v1, /api/audio (provider/model in the form) and /api/{provider}', async () => {
    const clip = wav(1);
    for (const [path, name] of [['/v1/audio/transcriptions', 'mock/whisper-1'], ['/api/audio/transcriptions', 'mock/whisper-1'],
      ['/api/mock/audio/transcriptions', 'whisper-1']]) {
      const r = await upload(path, form({ fields: { model: name }, file: clip }));
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.match(r.json().text, /by whisper-1$/);
    }
  });

  it('relays each response_format with its content type', async () => {
    const clip = wav(1);
    const ask = (format) => upload('/v1/audio/transcriptions',
      form({ fields: { model: 'mock/whisper-1', response_format: format }, file: clip }));
    const text = await ask('text');
    assert.equal(text.status, 200);
    assert.match(text.headers['content-type'], /^text\/plain/);
    assert.equal(text.text, `transcript of ${clip.length} bytes sha256 ${sha256(clip)} by whisper-1\n`);
    const srt = await ask('srt');
    assert.match(srt.text, /^1\n00:00:00,000 --> 00:00:02,000\ntranscript of /);
    const vtt = await ask('vtt');
    assert.match(vtt.text, /^WEBVTT\n\n00:00:00\.000 --> /);
    const verbose = await ask('verbose_json');
    assert.match(verbose.headers['content-type'], /^application\/json/);
    assert.equal(verbose.json().task, 'transcribe');
    assert.equal(verbose.json().segments.length, 1);
  });

  it('relays stream=true as transcript.text SSE events', async () => {
    const clip = wav(1);
    const r = await upload('/v1/audio/transcriptions',
      form({ fields: { model: 'mock/gpt-4o-transcribe', stream: 'true' }, file: clip }));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /^text\/event-stream/);
    const events = r.text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')));
    const deltas = events.filter((e) => e.type === 'transcript.text.delta').map((e) => e.delta).join('');
    const done = events.at(-1);
    assert.equal(done.type, 'transcript.text.done');
    assert.equal(deltas, done.text);
    assert.equal(done.text, `transcript of ${clip.length} bytes sha256 ${sha256(clip)} by gpt-4o-transcribe`);
    assert.equal(done.usage.type, 'tokens');
  });

  it('translates', async () => {
    const clip = wav(1);
    const r = await upload('/api/v1/audio/translations', form({ fields: { model: 'mock/whisper-1' }, file: clip }));
    assert.equal(r.status, 200, r.text);
    assert.match(r.json().text, /^translation of \d+ bytes sha256 [0-9a-f]{64} by whisper-1$/);
  });

  it('rewrites every model field: a second one cannot pick another upstream model', async () => {
    const clip = wav(1);
    const r = await upload('/v1/audio/transcriptions',
      form({ fields: { model: 'mock/whisper-1' }, file: clip, after: { model: 'gpt-4o-transcribe' } }));
    assert.equal(r.status, 200, r.text);
    assert.match(r.json().text, /by whisper-1$/);
  });

  it('takes model after a small file; refuses it after a file larger than the 1 MiB look-ahead', async () => {
    const small = await upload('/v1/audio/transcriptions', form({ file: wav(1), after: { model: 'mock/whisper-1' } }));
    assert.equal(small.status, 200, small.text);
    const big = await upload('/v1/audio/transcriptions', form({ file: Buffer.alloc(2 * MIB, 7), after: { model: 'mock/whisper-1' } }));
    assert.equal(big.status, 400, big.text);
    assert.equal(big.json().error.code, 'model_after_file');
    assert.match(big.json().error.message, /`model` field must come before the file/);
  });

  it('refuses an upload from a foreign Origin (a cross-site form) before any byte goes upstream', async () => {
    const before = (await s.mock.requests()).length;
    const body = form({ fields: { model: 'mock/whisper-1' }, file: wav(1) });
    for (const path of ['/v1/audio/transcriptions', '/api/v1/audio/translations', '/v1/images/edits', '/api/mock/images/variations']) {
      const r = await upload(path, body, { origin: 'https://evil.example' });
      assert.equal(r.status, 403, `${path}: ${r.text}`);
      assert.equal(r.json().error.code, 'cross_site_request');
    }
    assert.equal((await s.mock.requests()).length, before, 'the mock was reached');
    // The gateway's own origin and a listed one pass.
    for (const origin of [s.url, 'https://app.example']) {
      const r = await upload('/v1/audio/transcriptions', body, { origin });
      assert.equal(r.status, 200, `${origin}: ${r.text}`);
    }
  });

  it('answers 415 to a body that is not multipart/form-data, and the client reads it', async () => {
    const r = await post(url('/v1/audio/transcriptions'), { model: 'mock/whisper-1' });
    assert.equal(r.status, 415, r.text);
    assert.equal(r.json().error.code, 'unsupported_media_type');
    assert.match(r.json().error.message, /multipart\/form-data/);
  });

  it('names the model and the operation when the provider has no audio API', async () => {
    const r = await upload('/v1/audio/transcriptions', form({ fields: { model: 'anthropic/whisper-1' }, file: wav(1) }));
    assert.equal(r.status, 400, r.text);
    assert.match(r.json().error.message, /model 'anthropic\/whisper-1' cannot do audio\/transcriptions/);
    for (const name of ['google/tts-1', 'ollama/tts-1']) {
      const sp = await post(url('/v1/audio/speech'), { model: name, input: 'hi', voice: 'alloy' });
      assert.equal(sp.status, 400, sp.text);
      assert.match(sp.json().error.message, new RegExp(`model '${name}' cannot do audio/speech`));
    }
  });

  it('forwards upload bytes before the client has finished sending (slow client)', async () => {
    const first = Buffer.alloc(256 * 1024, 1);
    const rest = Buffer.alloc(256 * 1024, 2);
    let release;
    const gate = new Promise((r) => { release = r; });
    async function* pieces() {
      yield field('model', 'mock/whisper-1');
      yield fileHead();
      yield first;
      await gate;  // the mock must see bytes before the rest is sent
      yield rest;
      yield CLOSE;
    }
    const answer = streamUpload(url('/v1/audio/transcriptions'), pieces());
    let seen = 0;
    for (let i = 0; i < 200 && seen === 0; i++) {
      const up = (await request(s.mock.u('/__mock/uploads'))).json();
      seen = up.active.reduce((n, a) => n + a.bytes, 0);
      if (seen === 0) await delay(25);
    }
    release();
    assert.ok(seen > 0, 'the mock saw no upload bytes while the client was still sending');
    const r = await answer;
    assert.equal(r.status, 200, r.text);
    const file = Buffer.concat([first, rest]);
    assert.equal(r.json().text, `transcript of ${file.length} bytes sha256 ${sha256(file)} by whisper-1`);
    const rec = (await s.mock.requests()).filter((q) => q.path.endsWith('/audio/transcriptions')).at(-1);
    assert.ok(rec.body_first_byte_ms < rec.body_last_byte_ms);
  });

  it('relays a 100 MB upload with the gateway RSS flat (< 5 MB growth)', async () => {
    const pid = s.gw.pid;
    // Warm up the path (pools, first allocations) with a small upload, and
    // the usage store with its row (its first write opens the database).
    await upload('/v1/audio/transcriptions', form({ fields: { model: 'mock/whisper-1' }, file: wav(1) }));
    await usageCsvRows(s);
    const before = rssKiB(pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 20);
    const block = crypto.randomBytes(64 * 1024);
    const hash = crypto.createHash('sha256');
    const blocks = 1600;  // 100 MiB
    async function* pieces() {
      yield field('model', 'mock/whisper-1');
      yield fileHead('big.wav');
      for (let i = 0; i < blocks; i++) {
        block.writeUInt32LE(i, 0);
        hash.update(block);
        yield Buffer.from(block);
      }
      yield CLOSE;
    }
    try {
      const r = await streamUpload(url('/v1/audio/transcriptions'), pieces(), { timeoutMs: 110000 });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().text, `transcript of ${blocks * block.length} bytes sha256 ${hash.digest('hex')} by whisper-1`);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssKiB(pid));
    assert.ok(peak - before < 5 * 1024, `RSS grew by ${peak - before} KiB (from ${before} KiB)`);
  });

  it('relays images/edits and images/variations uploads the same way', async () => {
    const png = crypto.randomBytes(300 * 1024);
    const image = (fields) => Buffer.concat([
      ...Object.entries(fields).map(([k, v]) => field(k, v)),
      fileHead('in.png', 'image', 'image/png'), png, CLOSE]);
    const edit = await upload('/v1/images/edits', image({ model: 'mock/gpt-image-1', prompt: 'add a hat' }));
    assert.equal(edit.status, 200, edit.text);
    const made = Buffer.from(edit.json().data[0].b64_json, 'base64').toString();
    assert.equal(made, `image edit of ${png.length} bytes sha256 ${sha256(png)} by gpt-image-1`);
    const variation = await upload('/api/mock/images/variations', image({ model: 'gpt-image-1', response_format: 'url' }));
    assert.equal(variation.status, 200, variation.text);
    assert.equal(variation.json().data[0].url, `https://images.mock.invalid/${sha256(png)}.png`);
    const refused = await upload('/v1/images/edits', image({ model: 'anthropic/whisper-1', prompt: 'x' }));
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.json().error.message, /cannot do images\/edits/);
  });

  it('an autoselect or a provider without the API: 400 unsupported_operation naming the model, as embeddings give', async () => {
    await s.mock.reset();
    const cases = [
      await upload('/v1/audio/transcriptions', form({ fields: { model: 'autoselect/pick' }, file: wav(1) })),
      await upload('/v1/audio/translations', form({ fields: { model: 'anthropic/whisper-1' }, file: wav(1) })),
      await post(url('/v1/audio/speech'), { model: 'autoselect/pick', input: 'hi', voice: 'alloy' }),
    ];
    for (const r of cases) {
      assertError(r, 400, 'unsupported_operation');
      assert.equal(r.json().error.param, 'model');
    }
    assert.match(cases[0].json().error.message, /^model 'autoselect\/pick' cannot do audio\/transcriptions: an autoselect/);
    assert.equal((await s.mock.requests()).length, 0);
  });

  it('relays speech bytes intact and chunked, with the content type', async () => {
    const body = { input: 'bytes:300000', voice: 'alloy', response_format: 'wav' };
    const direct = await request(s.mock.u('/v1/audio/speech'), {
      method: 'POST', headers: { authorization: `Bearer ${MOCK_KEY}` }, body: { ...body, model: 'tts-1' },
    });
    assert.equal(direct.status, 200);
    const r = await post(url('/v1/audio/speech'), { ...body, model: 'mock/tts-1' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'audio/wav');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.buf.length, 300000);
    assert.equal(sha256(r.buf), sha256(direct.buf));
    const seen = (await s.mock.requests()).filter((q) => q.path.endsWith('/audio/speech')).at(-1);
    assert.equal(JSON.parse(seen.body).model, 'tts-1');
  });

  it('relays speech SSE events and fails over in a rotation', async () => {
    const r = await post(url('/api/v1/audio/speech'),
      { model: 'rotation/speak', input: 'bytes:10000', voice: 'alloy', stream_format: 'sse' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /^text\/event-stream/);
    const events = r.text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')));
    const audio = Buffer.concat(events.filter((e) => e.type === 'speech.audio.delta').map((e) => Buffer.from(e.audio, 'base64')));
    assert.equal(audio.length, 10000);
    assert.equal(events.at(-1).type, 'speech.audio.done');
    const tried = (await s.mock.requests()).filter((q) => q.path.endsWith('/audio/speech')).slice(-2);
    assert.deepEqual(tried.map((q) => JSON.parse(q.body).model), ['tts-fault-500', 'tts-1']);
  });
  it('each request is one usage row: route, provider, model, status, reported tokens, cost at the model\'s prices', async () => {
    await s.mock.reset();
    const clip = wav(1);
    assert.equal((await upload('/v1/audio/transcriptions', form({ fields: { model: 'mock/whisper-1' }, file: clip }))).status, 200);
    const tokens = await upload('/v1/audio/transcriptions', form({ fields: { model: 'mock/gpt-4o-transcribe' }, file: clip }));
    assert.equal(tokens.status, 200, tokens.text);
    const reported = tokens.json().usage;
    assert.equal((await post(url('/v1/audio/speech'), { model: 'mock/tts-1', input: 'bytes:1000', voice: 'alloy' })).status, 200);
    let rows = [];
    const last = (route, m) => rows.findLast((r) => r.route === route && r.requested_model === m);
    for (const until = Date.now() + 5000; Date.now() < until;) {
      rows = await usageCsvRows(s);
      if (last('audio_transcriptions', 'mock/whisper-1') && last('audio_transcriptions', 'mock/gpt-4o-transcribe') &&
        last('audio_speech', 'mock/tts-1')) break;
      await delay(50);
    }
    const whisper = last('audio_transcriptions', 'mock/whisper-1');
    assert.ok(whisper, JSON.stringify(rows.slice(-5)));
    assert.deepEqual([whisper.provider, whisper.model, whisper.status, whisper.attempts], ['mock', 'whisper-1', '200', '1']);
    assert.equal(Number(whisper.cost), 0.006);
    assert.equal(whisper.prompt_tokens, '0');  // whisper reports seconds, not tokens
    assert.equal(whisper.tokens_estimated, 'false');
    const transcribe = last('audio_transcriptions', 'mock/gpt-4o-transcribe');
    assert.equal(transcribe.prompt_tokens, String(reported.input_tokens));
    assert.equal(transcribe.completion_tokens, String(reported.output_tokens));
    const want = reported.input_tokens * 0.0000025 + reported.output_tokens * 0.00001;
    assert.ok(Math.abs(Number(transcribe.cost) - want) < 1e-12, `${transcribe.cost} != ${want}`);
    const speech = last('audio_speech', 'mock/tts-1');
    assert.deepEqual([speech.provider, speech.model, speech.status], ['mock', 'tts-1', '200']);
    assert.equal(Number(speech.cost), 0.015);
  });

  it('an upstream that refuses an upload before reading it all: the client gets that error, not a 502', async () => {
    for (const [name, status] of [['fault-400', 400], ['fault-429', 429], ['fault-500', 500]]) {
      await s.mock.reset();
      async function* pieces() {
        yield field('model', `mock/${name}`);
        yield fileHead();
        // 16 MiB: more than the socket buffers hold, so the gateway is still writing when the mock closes.
        for (let i = 0; i < 256; i++) yield Buffer.alloc(64 * 1024, i);
        yield CLOSE;
      }
      const r = await streamUpload(url('/v1/audio/transcriptions'), pieces());
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.match(r.json().error.message, new RegExp(`provider 'mock' answered ${status}: mock audio failure`));
      const seen = (await s.mock.requests()).filter((q) => q.path.endsWith('/audio/transcriptions'));
      assert.equal(seen.length, 1);
      assert.ok(seen[0].fault.startsWith(name), seen[0].fault);
    }
  });

  it('a client gone while its transcript is awaited, or during speech, cancels the upstream call', async () => {
    const leave = async (path, headers, body, what) => {
      await s.mock.reset();
      const req = http.request(url(path), { method: 'POST', agent: false, headers });
      req.on('error', () => { /* destroyed on purpose */ });
      req.end(body);
      let seen = false;  // the mock has the whole request (an upload read to its end) and holds its answer
      for (let i = 0; i < 400 && !seen; i++) {
        seen = (await s.mock.requests()).some((q) => q.path.endsWith(what));
        if (!seen) await delay(25);
      }
      assert.ok(seen, `the mock never got ${what}`);
      assert.equal((await s.mock.stats()).aborted, 0, 'aborted before the client left');
      req.destroy();
      const st = await s.mock.waitStats((x) => x.aborted >= 1, 10000);
      assert.equal(st.aborted, 1, `${what}: the upstream call was not cancelled`);
    };
    await leave('/v1/audio/transcriptions', { 'content-type': FORM_TYPE },
      form({ fields: { model: 'mock/fault-hang' }, file: wav(1) }), '/audio/transcriptions');
    await leave('/v1/audio/speech', { 'content-type': 'application/json' },
      JSON.stringify({ model: 'mock/fault-hang', input: 'hello', voice: 'alloy' }), '/audio/speech');
  });
});

describe('upload limit (server.max_upload_bytes)', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (mockUrl) => ({ mock: mockProvider(mockUrl, { models: [model('whisper-1')] }) }),
      server: { max_upload_bytes: MIB },
    });
  });
  after(async () => { await s?.stop(); });

  async function* big(n) {
    yield field('model', 'mock/whisper-1');
    yield fileHead();
    for (let i = 0; i < n; i++) yield Buffer.alloc(64 * 1024, i);
    yield CLOSE;
  }

  it('answers 413 from the Content-Length, and the client reads it', async () => {
    const length = 3 * MIB;
    const r = await streamUpload(s.u('/v1/audio/transcriptions'), big(48), { headers: { 'content-length': String(length) } });
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json().error.code, 'payload_too_large');
  });

  it('answers 413 to a chunked upload once it passes the limit, and the client reads it', async () => {
    const r = await streamUpload(s.u('/v1/audio/transcriptions'), big(48));
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json().error.code, 'payload_too_large');
    assert.match(r.json().error.message, /max_upload_bytes/);
    // The gateway is fine afterwards.
    const ok = await request(s.u('/v1/audio/transcriptions'), {
      method: 'POST', headers: { 'content-type': FORM_TYPE }, body: form({ fields: { model: 'mock/whisper-1' }, file: wav(1) }),
    });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('uploads with auth on', { timeout: 60000 }, () => {
  const GLOBAL = 'audio-global-token-1';
  let s;
  let userToken;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [GLOBAL] },
      providers: (mockUrl) => ({ mock: mockProvider(mockUrl, { models: [model('whisper-1')] }) }),
    });
    await createUser(s.url, bearer(GLOBAL), { username: 'carol' });
    userToken = (await createToken(s.url, bearer(GLOBAL), 'carol')).token;
  });
  after(async () => { await s?.stop(); });

  it('streams a user token\'s upload, and refuses one without a token before reading it', async () => {
    const clip = wav(1);
    async function* pieces() { yield form({ fields: { model: 'mock/whisper-1' }, file: clip }); }
    const ok = await streamUpload(s.u('/v1/audio/transcriptions'), pieces(), { headers: bearer(userToken) });
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.json().text, new RegExp(`sha256 ${sha256(clip)} by whisper-1$`));
    async function* big() {
      yield field('model', 'mock/whisper-1');
      yield fileHead();
      for (let i = 0; i < 64; i++) yield Buffer.alloc(64 * 1024, i);
      yield CLOSE;
    }
    const refused = await streamUpload(s.u('/v1/audio/transcriptions'), big());
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.json().error.code, 'invalid_api_key');
  });

  it('an exhausted quota refuses an upload and speech with the error chat gives, before any upstream call', async () => {
    const admin = bearer(GLOBAL);
    await createUser(s.url, admin, { username: 'dora' });
    const patched = await request(s.u('/api/admin/users/dora'),
      { method: 'PATCH', body: { quotas: { requests_per_day: 1 } }, headers: admin });
    assert.equal(patched.status, 200, patched.text);
    const dora = bearer((await createToken(s.url, admin, 'dora')).token);
    await s.mock.reset();
    const send = () => request(s.u('/v1/audio/transcriptions'), {
      method: 'POST', headers: { 'content-type': FORM_TYPE, ...dora },
      body: form({ fields: { model: 'mock/whisper-1' }, file: wav(1) }), timeoutMs: 20000,
    });
    const first = await send();
    assert.equal(first.status, 200, first.text);
    const upload = await send();
    assertError(upload, 429, 'quota_exceeded');
    assert.ok(upload.json().error.message.includes('user dora: requests_per_day 1 reached'), upload.text);
    assert.match(String(upload.headers['retry-after']), /^[1-9][0-9]*$/);
    const speech = await post(s.u('/v1/audio/speech'), { model: 'mock/whisper-1', input: 'hi', voice: 'alloy' }, { headers: dora });
    const chat = await post(s.u('/v1/chat/completions'), chatBody('hi', { model: 'mock/whisper-1' }), { headers: dora });
    for (const r of [speech, chat]) {
      assertError(r, 429, 'quota_exceeded');
      assert.equal(r.json().error.message, upload.json().error.message);
    }
    assert.equal((await s.mock.requests()).length, 1, 'only the first request reached the mock');
  });
});

describe('image uploads with media.proxy_urls; the request deadline on uploads', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (mockUrl) => ({ mock: mockProvider(mockUrl, { models: [model('whisper-1'), model('gpt-image-1')] }) }),
      aisbf: { media: { proxy_urls: true, proxy_ttl: 300 } },
      server: { request_timeout: 2.5 },
    });
  });
  after(async () => { await s?.stop(); });

  it('edits and variations answers carry /api/proxy/{id} URLs, as generations do', async () => {
    const png = crypto.randomBytes(1000);
    for (const path of ['/v1/images/edits', '/v1/images/variations']) {
      const body = Buffer.concat([field('model', 'mock/gpt-image-1'), field('prompt', 'a hat'), field('response_format', 'url'),
        fileHead('in.png', 'image', 'image/png'), png, CLOSE]);
      const r = await request(s.u(path), { method: 'POST', headers: { 'content-type': FORM_TYPE }, body, timeoutMs: 20000 });
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.match(r.json().data[0].url, /^\/api\/proxy\/[A-Za-z0-9_-]+$/, r.text);
    }
  });

  it('a client trickling its upload past server.request_timeout gets the 504 request_timeout', async () => {
    async function* pieces() {
      yield field('model', 'mock/whisper-1');
      yield fileHead();
      for (let i = 0; i < 60; i++) {  // 6 s of it, against a 2.5 s deadline
        yield Buffer.alloc(1024, i);
        await delay(100);
      }
      yield CLOSE;
    }
    const r = await streamUpload(s.u('/v1/audio/transcriptions'), pieces());
    assert.equal(r.status, 504, r.text);
    assert.equal(r.json().error.code, 'request_timeout');
  });
});
