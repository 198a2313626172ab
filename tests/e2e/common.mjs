// Shared set-up for the e2e tests: the integration harness (mock + gateway)
// and an OpenAI SDK client pointed at the gateway.
import OpenAI from 'openai';
import { startStack } from '../integration/harness.mjs';

export { OpenAI };
export * from '../integration/harness.mjs';

// Starts mock + gateway; `token` turns gateway auth on with that token.
export async function startSdkStack({ token, ...opts } = {}) {
  const stack = await startStack({
    ...opts,
    auth: token ? { enabled: true, tokens: [token] } : undefined,
  });
  stack.client = (extra = {}) => new OpenAI({
    baseURL: `${stack.url}/api/v1`,
    apiKey: token ?? 'any-key',
    timeout: 10000,
    maxRetries: 0,
    ...extra,
  });
  return stack;
}

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

// ---------------------------------------------------------------- provider matrix

import { typedProviders, PROVIDER_TYPES } from '../integration/harness.mjs';

// The Anthropic SDK, or null when it is not installed (an older node_modules):
// the files that need it skip instead of failing at import.
export async function loadAnthropic() {
  try {
    return (await import('@anthropic-ai/sdk')).default;
  } catch {
    return null;
  }
}

// Mock + gateway with one provider per type (ids = type names: openai/…,
// anthropic/…, google/…, ollama/…). `stack.client()` is the OpenAI SDK;
// `stack.anthropic(Anthropic)` an Anthropic SDK client on the gateway.
export async function startProvidersStack({ token, types = PROVIDER_TYPES, ...opts } = {}) {
  const stack = await startSdkStack({ token, providers: (mockUrl) => typedProviders(mockUrl, types), ...opts });
  stack.anthropic = (Anthropic, extra = {}) => new Anthropic({
    baseURL: stack.url,
    apiKey: token ?? 'any-key',
    timeout: 10000,
    maxRetries: 0,
    ...extra,
  });
  return stack;
}

// A 1×1 PNG.
export const TINY_PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

export const WEATHER_TOOL_ANTHROPIC = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
