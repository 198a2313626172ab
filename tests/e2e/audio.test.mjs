// The official OpenAI SDK's audio calls through aisbf (auth on) to
// aisbf-mock: a generated WAV transcribed (the SDK's multipart upload,
// streamed through the gateway with `model` rewritten), each
// response_format, the SDK's transcription stream, and speech whose bytes
// arrive intact (sha256 compared with the mock's own answer).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { toFile } from 'openai';
import { startSdkStack, mockProvider, model, request, MOCK_KEY } from './common.mjs';
import { wav } from '../integration/wav.mjs';

const TOKEN = 'e2e-audio-token';
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

describe('OpenAI SDK audio through aisbf', { timeout: 60000 }, () => {
  let s;
  let client;
  const clip = wav(2, 7);
  const expected = (m) => `transcript of ${clip.length} bytes sha256 ${sha256(clip)} by ${m}`;

  before(async () => {
    s = await startSdkStack({
      token: TOKEN,
      providers: (url) => ({ mock: mockProvider(url, { models: ['whisper-1', 'gpt-4o-transcribe', 'tts-1'].map((m) => model(m)) }) }),
    });
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  it('transcribes a generated WAV', async () => {
    const t = await client.audio.transcriptions.create({ model: 'mock/whisper-1', file: await toFile(clip, 'tone.wav') });
    assert.equal(t.text, expected('whisper-1'));
    const seen = (await s.mock.requests()).filter((q) => q.path.endsWith('/audio/transcriptions')).at(-1);
    assert.equal(JSON.parse(seen.body).model, 'whisper-1');
    assert.equal(JSON.parse(seen.body).file.filename, 'tone.wav');
  });

  it('gets text, srt, vtt and verbose_json as the upstream sent them', async () => {
    const ask = async (response_format) => client.audio.transcriptions.create(
      { model: 'mock/whisper-1', file: await toFile(clip, 'tone.wav'), response_format });
    assert.equal((await ask('text')).trim(), expected('whisper-1'));
    assert.match(await ask('srt'), /^1\n00:00:00,000 --> /);
    assert.match(await ask('vtt'), /^WEBVTT/);
    const verbose = await ask('verbose_json');
    assert.equal(verbose.text, expected('whisper-1'));
    assert.equal(verbose.segments[0].text, expected('whisper-1'));
  });

  it('streams a transcription (stream: true)', async () => {
    const stream = await client.audio.transcriptions.create(
      { model: 'mock/gpt-4o-transcribe', file: await toFile(clip, 'tone.wav'), stream: true });
    let deltas = '';
    let done;
    for await (const event of stream) {
      if (event.type === 'transcript.text.delta') deltas += event.delta;
      if (event.type === 'transcript.text.done') done = event;
    }
    assert.equal(deltas, expected('gpt-4o-transcribe'));
    assert.equal(done.text, expected('gpt-4o-transcribe'));
  });

  it('translates', async () => {
    const t = await client.audio.translations.create({ model: 'mock/whisper-1', file: await toFile(clip, 'tone.wav') });
    assert.match(t.text, /^translation of /);
  });

  it('speaks: the audio bytes intact', async () => {
    const body = { input: 'bytes:200000', voice: 'alloy', response_format: 'mp3' };
    const res = await client.audio.speech.create({ model: 'mock/tts-1', ...body });
    assert.equal(res.headers.get('content-type'), 'audio/mpeg');
    const got = Buffer.from(await res.arrayBuffer());
    const direct = await request(s.mock.u('/v1/audio/speech'), {
      method: 'POST', headers: { authorization: `Bearer ${MOCK_KEY}` }, body: { ...body, model: 'tts-1' },
    });
    assert.equal(got.length, 200000);
    assert.equal(sha256(got), sha256(direct.buf));
  });
});
