// `aisbf check-config --show-effective`: the settings each provider model and
// rotation candidate ends up with after the cascade, and each autoselect's (rotation model entry >
// rotation default_* > provider model > provider default_* > aisbf.json >
// built-in), through the real binary; a bad condense_method fails with its path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AISBF_BIN, runCli, gatewayEnv, writeConfigDir } from './harness.mjs';

const ENDPOINT = 'http://127.0.0.1:9/v1';

// Every layer sets a different percent and method, so the winner is visible:
// 61/hierarchical (rotation entry), 62/importance_based (rotation default),
// 63/entity_aware+semantic (provider model), 64/code_aware (provider default),
// 80 (built-in, for a method without a percent).
function layeredConfig({ aisbf = {}, entryMethod = 'hierarchical' } = {}) {
  const providers = {
    p: {
      endpoint: ENDPOINT, type: 'openai', api_key: 'k', rate_limit: 0.5,
      default_context_size: 10000, default_rate_limit_TPM: 1000,
      default_condense_context: 64, default_condense_method: 'code_aware',
      models: [
        { name: 'm', context_size: 2000, error_cooldown: 30, condense_context: 63, condense_method: ['entity_aware', 'semantic'] },
        { name: 'bare' },
      ],
    },
    q: {
      endpoint: ENDPOINT, type: 'openai', api_key: 'k',
      models: [{ name: 'only_method', condense_method: 'sliding_window' }, { name: 'plain', context_size: 500 }],
    },
    helper: { endpoint: ENDPOINT, type: 'openai', api_key: 'k', models: [{ name: 'small' }] },
  };
  const rotations = {
    r: {
      model_name: 'r', default_condense_context: 62, default_condense_method: ['importance_based'],
      providers: [
        { provider_id: 'p', models: [
          { name: 'm', weight: 2, max_request_tokens: 1500, timeouts: { total: 60 }, condense_context: 61,
            condense_method: entryMethod },
          { name: 'bare' },
        ] },
        { provider_id: 'q', models: [{ name: 'plain' }] },
      ],
    },
  };
  const dir = writeConfigDir({ mockUrl: 'http://127.0.0.1:9', providers, rotations, aisbf });
  const file = path.join(dir, 'providers.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  doc.condensation = { provider_id: 'helper', model: 'small', max_context: 4000 };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2), { mode: 0o600 });
  return dir;
}

function checkConfig(dir, ...extra) {
  return runCli(AISBF_BIN, ['check-config', '--config-dir', dir, ...extra], { env: gatewayEnv(), timeoutMs: 10000 });
}

const TIMEOUTS = 'timeouts connect 10 s, first_byte 300 s, idle 120 s, total 900 s';
const NO_TOKENS = 'TPM none, TPH none, TPD none';

const EXPECTED = `check-config: 3 providers, 1 rotation, 0 autoselects; 0 errors, 0 warnings
effective settings (cascade: rotation model entry > rotation default_* > provider model > provider default_* > aisbf.json > built-in)
condensation: mode inherit; conversational and semantic ask provider "helper" model "small" (max_context 4000)
request splitting: above a model's max_request_tokens, chunks with an overlap of 100 tokens, at most 16 per request
provider "p"
  model "m"
    context_size 2000, max_request_tokens none
    condense at 63% of 2000 = 1260 tokens: entity_aware, semantic
    rate_limit 0 s (provider 0.5 s), TPM 1000, TPH none, TPD none
    error_cooldown 30 s (provider 300 s)
    ${TIMEOUTS}
  model "bare"
    context_size 10000, max_request_tokens none
    condense at 64% of 10000 = 6400 tokens: code_aware
    rate_limit 0 s (provider 0.5 s), TPM 1000, TPH none, TPD none
    error_cooldown 300 s (provider 300 s)
    ${TIMEOUTS}
provider "q"
  model "only_method"
    context_size none, max_request_tokens none
    condense at 80% of context_size: sliding_window (no context_size: never triggers)
    rate_limit 0 s (provider 0 s), ${NO_TOKENS}
    error_cooldown 300 s (provider 300 s)
    ${TIMEOUTS}
  model "plain"
    context_size 500, max_request_tokens none
    condense off
    rate_limit 0 s (provider 0 s), ${NO_TOKENS}
    error_cooldown 300 s (provider 300 s)
    ${TIMEOUTS}
provider "helper"
  model "small"
    context_size none, max_request_tokens none
    condense off
    rate_limit 0 s (provider 0 s), ${NO_TOKENS}
    error_cooldown 300 s (provider 300 s)
    ${TIMEOUTS}
rotation "r" (max_attempts 5, 2 per model)
  candidate p/m (weight 2)
    context_size 2000, max_request_tokens 1500
    condense at 61% of 2000 = 1220 tokens: hierarchical
    rate_limit 0 s (provider 0.5 s), TPM 1000, TPH none, TPD none
    error_cooldown 30 s (provider 300 s)
    timeouts connect 10 s, first_byte 300 s, idle 120 s, total 60 s
  candidate p/bare (weight 1)
    context_size 10000, max_request_tokens none
    condense at 62% of 10000 = 6200 tokens: importance_based
    rate_limit 0 s (provider 0.5 s), TPM 1000, TPH none, TPD none
    error_cooldown 300 s (provider 300 s)
    ${TIMEOUTS}
  candidate q/plain (weight 1)
    context_size 500, max_request_tokens none
    condense at 62% of 500 = 310 tokens: importance_based
    rate_limit 0 s (provider 0 s), ${NO_TOKENS}
    error_cooldown 300 s (provider 300 s)
    ${TIMEOUTS}
`;

const condenseLines = (stdout) => stdout.split('\n').filter((l) => l.trimStart().startsWith('condense'));

describe('check-config --show-effective', { timeout: 60000 }, () => {
  it('prints every layer of the cascade winning where it should', async () => {
    const r = await checkConfig(layeredConfig(), '--show-effective');
    assert.equal(r.code, 0, r.output);
    assert.equal(r.stdout, EXPECTED);
  });

  it('without the flag, only the check is printed', async () => {
    const r = await checkConfig(layeredConfig());
    assert.equal(r.code, 0, r.output);
    assert.equal(r.stdout, EXPECTED.split('\n')[0] + '\n');
  });

  it('aisbf.json\'s switch: "disabled" turns every layer off, "enabled" condenses models that set nothing', async () => {
    const off = await checkConfig(layeredConfig({ aisbf: { feature_controls: { context_condensation: { mode: 'disabled' } } } }),
      '--show-effective');
    assert.equal(off.code, 0, off.output);
    assert.match(off.stdout, /^condensation: mode disabled;/m);
    const offLines = condenseLines(off.stdout);
    assert.equal(offLines.length, 8, off.stdout);  // 5 provider models + 3 candidates
    for (const line of offLines) assert.equal(line.trim(), 'condense off (feature_controls.context_condensation.mode is disabled)');
    assert.match(off.stdout, /^warning: providers\.json: 5 entries set condense_context or condense_method, but aisbf\.json feature_controls\.context_condensation\.mode is "disabled": no request is condensed$/m);

    const on = await checkConfig(layeredConfig({ aisbf: { feature_controls: { context_condensation: { mode: 'enabled' } } } }),
      '--show-effective');
    assert.equal(on.code, 0, on.output);
    assert.deepEqual(condenseLines(on.stdout).map((l) => l.trim()), [
      'condense at 63% of 2000 = 1260 tokens: entity_aware, semantic',
      'condense at 64% of 10000 = 6400 tokens: code_aware',
      'condense at 80% of context_size: sliding_window (no context_size: never triggers)',
      'condense at 80% of 500 = 400 tokens: algorithmic, sliding_window',
      'condense at 80% of context_size: algorithmic, sliding_window (no context_size: never triggers)',
      'condense at 61% of 2000 = 1220 tokens: hierarchical',
      'condense at 62% of 10000 = 6200 tokens: importance_based',
      'condense at 62% of 500 = 310 tokens: importance_based',
    ]);
  });

  it('autoselects: settings after aisbf.json\'s defaults, and references that name nothing', async () => {
    const dir = layeredConfig({ aisbf: { classify_privacy: true, autoselect: { selection_timeout: 5, cache_ttl: 120 } } });
    fs.writeFileSync(path.join(dir, 'autoselect.json'), JSON.stringify({
      smart: {
        selection_model: 'helper/small', fallback: 'r', classify_nsfw: true, classify_nsfw_model: 'helper/small',
        classify_window: 3,
        available_models: [{ model_id: 'r', description: 'general work', privacy: true },
          { model_id: 'p/m', description: 'code', nsfw: true }, { model_id: 'ghost', description: 'gone' }],
      },
      sem: { selection_model: 'semantic', fallback: 'r', cache_ttl: 0, classify_privacy: false,
        available_models: [{ model_id: 'r', description: 'general work' }] },
    }), { mode: 0o600 });
    const r = await checkConfig(dir, '--show-effective');
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /^warning: autoselect\.json: smart\.available_models\[2\]\.model_id: unknown rotation, provider or "provider\/model" "ghost"$/m);
    assert.match(r.stdout, /^check-config: 3 providers, 1 rotation, 2 autoselects; 0 errors, 1 warning$/m);
    const tail = r.stdout.slice(r.stdout.indexOf('autoselect "smart"'));
    assert.equal(tail, [
      'autoselect "smart" (model_name "smart")',
      '  selection by model "helper/small" (timeout 5 s, the last 10 messages within 8000 tokens), fallback "r"',
      '  decisions cached for 120 s (at most 10000 entries)',
      '  classify nsfw on (word list, model "helper/small"), privacy on; scans the last 3 messages',
      '  candidates: r (privacy), p/m (nsfw), ghost',
      'autoselect "sem" (model_name "sem")',
      '  selection semantic: BM25, margin 0.1, below it the fallback; fallback "r"',
      '  decisions cached never (at most 10000 entries)',
      '  classify nsfw off, privacy off; scans every message',
      '  candidates: r',
      '',
    ].join('\n'));
  });

  it('an unknown condense_method fails check-config with its path and prints no report', async () => {
    const r = await checkConfig(layeredConfig({ entryMethod: ['hierarchical', 'shrink'] }), '--show-effective');
    assert.equal(r.code, 1, r.output);
    assert.equal(r.stdout, [
      'error: rotations.json: rotations.r.providers[0].models[0].condense_method[1]: unknown condensation method "shrink"; '
        + 'the methods are hierarchical, conversational, semantic, algorithmic, sliding_window, importance_based, '
        + 'entity_aware, code_aware',
      'check-config: 3 providers, 1 rotation, 0 autoselects; 1 error, 0 warnings',
      '',
    ].join('\n'));
  });
});
