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
