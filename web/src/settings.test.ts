import { describe, expect, it } from 'vitest';
import {
  changedSections, effectOf, fieldOfParam, formFrom, isLoopbackHost, isMasked, newToken, removedTokens, sharedMasks,
  TOKENS, turnsAuthOff, validateSettings, type JsonObject,
} from './settings';

const SETTINGS: JsonObject = {
  server: { host: '127.0.0.1', port: 17765, protocol: 'http', ssl_certfile: null, x_unknown: 1 },
  auth: { enabled: true, tokens: ['adm…cdef'] },
  database: { type: 'sqlite', sqlite_path: '~/.aisbf/aisbf.db', mysql_password: 'mys…-xyz' },
  response_cache: { enabled: false, backend: 'memory', ttl: 600 },
  adaptive_rate_limiting: { enabled: true, min_rate_limit: 0.1, max_rate_limit: 60 },
  tor: { enabled: false, control_port: 9051 },
  smtp: { enabled: false },
};

const ANSWER = { start_only: ['server.host', 'server.port', 'database', 'response_cache.backend'], unused: ['tor', 'server.ssl_certfile'] };

describe('effectOf: the server’s lists decide', () => {
  it('a key, a whole section, or neither', () => {
    expect(effectOf('server.port', ANSWER)).toBe('restart');
    expect(effectOf('database.sqlite_path', ANSWER)).toBe('restart');
    expect(effectOf('response_cache.backend', ANSWER)).toBe('restart');
    expect(effectOf('response_cache.ttl', ANSWER)).toBe('now');
    expect(effectOf('server.portal', ANSWER)).toBe('now');  // a prefix of a key is not the key
    expect(effectOf('tor.enabled', ANSWER)).toBe('unused');
    expect(effectOf('server.ssl_certfile', ANSWER)).toBe('unused');
  });
});

describe('the form', () => {
  it('reads the values as text, booleans as booleans, missing as empty', () => {
    const form = formFrom(SETTINGS);
    expect(form['server.port']).toBe('17765');
    expect(form['auth.enabled']).toBe(true);
    expect(form['response_cache.enabled']).toBe(false);
    expect(form['server.idle_timeout']).toBe('');
    expect(form[TOKENS]).toBe('adm…cdef');
  });

  it('a missing boolean shows what the server takes it to be (src/config/)', () => {
    const bare: JsonObject = { server: { host: '127.0.0.1' }, database: { type: 'sqlite' } };
    const form = formFrom(bare);
    expect(form['database.record_usage']).toBe(true); // usage_service.cpp: on unless false
    expect(form['adaptive_rate_limiting.enabled']).toBe(true);
    expect(form['auth.enabled']).toBe(false);
    expect(form['response_cache.cache_nondeterministic']).toBe(false);
    expect(form['tor.enabled']).toBe(false);
    // load_response_cache.cpp: no section, off; a section that does not say, on.
    expect(form['response_cache.enabled']).toBe(false);
    expect(formFrom({ ...bare, response_cache: { ttl: 60 } })['response_cache.enabled']).toBe(true);
    expect(changedSections(bare, form)).toEqual({});
  });

  it('a section made by another edit keeps a checkbox as shown', () => {
    const bare: JsonObject = { server: { host: '127.0.0.1' } };
    // The cache shows off (no section); setting its ttl must not turn it on.
    const sent = changedSections(bare, { ...formFrom(bare), 'response_cache.ttl': '60' });
    expect(sent).toEqual({ response_cache: { ttl: 60, enabled: false } });
    // A default that stays the same is not written.
    const db = changedSections(bare, { ...formFrom(bare), 'database.usage_retention_days': '30' });
    expect(db).toEqual({ database: { usage_retention_days: 30 } });
    // Unticking a default-on box writes false.
    const off = changedSections(bare, { ...formFrom(bare), 'database.record_usage': false });
    expect(off).toEqual({ database: { record_usage: false } });
  });

  it('unchanged: nothing to send', () => {
    expect(changedSections(SETTINGS, formFrom(SETTINGS))).toEqual({});
  });

  it('sends only the changed sections, each whole, with the keys the page does not show', () => {
    const form = { ...formFrom(SETTINGS), 'server.port': '18000', 'server.idle_timeout': '30' };
    expect(changedSections(SETTINGS, form)).toEqual({
      server: { host: '127.0.0.1', port: 18000, protocol: 'http', ssl_certfile: null, x_unknown: 1, idle_timeout: 30 },
    });
  });

  it('an emptied number removes the key (its default applies); lists split by line', () => {
    const form = { ...formFrom(SETTINGS), 'response_cache.ttl': '', 'server.allowed_hosts': ' gw.local \n\nother\n' };
    const sent = changedSections(SETTINGS, form);
    expect(sent.response_cache).toEqual({ enabled: false, backend: 'memory' });
    expect((sent.server as JsonObject).allowed_hosts).toEqual(['gw.local', 'other']);
  });

  it('a masked secret left alone is sent back as read (the server restores it); a new one in full', () => {
    const form = { ...formFrom(SETTINGS), 'database.type': 'mysql', [TOKENS]: 'adm…cdef\nnew-token-1234567890' };
    const sent = changedSections(SETTINGS, form);
    expect((sent.database as JsonObject).mysql_password).toBe('mys…-xyz');
    expect((sent.database as JsonObject).type).toBe('mysql');
    expect(sent.auth).toEqual({ enabled: true, tokens: ['adm…cdef', 'new-token-1234567890'] });
  });

  it('a removed token leaves the list', () => {
    expect(changedSections(SETTINGS, { ...formFrom(SETTINGS), [TOKENS]: '' }).auth).toEqual({ enabled: true, tokens: [] });
  });

  it('a section the file lacks is created', () => {
    const bare: JsonObject = { server: { host: '127.0.0.1' } };
    const sent = changedSections(bare, { ...formFrom(bare), 'adaptive_rate_limiting.learning_rate': '0.2' });
    expect(sent).toEqual({ adaptive_rate_limiting: { learning_rate: 0.2 } });
  });
});

describe('validateSettings: the server’s ranges before sending', () => {
  const base = formFrom(SETTINGS);
  const errorsOf = (patch: Record<string, string | boolean>) => validateSettings({ ...base, ...patch });

  it('the form as read is valid', () => {
    expect(validateSettings(base)).toEqual({});
  });

  it('numbers: kind, whole or not, bounds (exclusive where the server says so)', () => {
    expect(errorsOf({ 'server.port': 'abc' })['server.port']).toBe('Enter a whole number.');
    expect(errorsOf({ 'server.port': '80.5' })['server.port']).toBe('Enter a whole number.');
    expect(errorsOf({ 'server.port': '70000' })['server.port']).toBe('Enter at most 65535.');
    expect(errorsOf({ 'server.port': '0' })['server.port']).toBeUndefined();
    expect(errorsOf({ 'server.idle_timeout': '0' })['server.idle_timeout']).toBe('Enter more than 0.');
    expect(errorsOf({ 'server.shutdown_grace': '0' })['server.shutdown_grace']).toBeUndefined();
    expect(errorsOf({ 'adaptive_rate_limiting.learning_rate': '1.5' })['adaptive_rate_limiting.learning_rate'])
      .toBe('Enter at most 1.');
    expect(errorsOf({ 'adaptive_rate_limiting.backoff_base': '0.5' })['adaptive_rate_limiting.backoff_base'])
      .toBe('Enter at least 1.');
    expect(errorsOf({ 'response_cache.ttl': '1e3' })['response_cache.ttl']).toBeUndefined();
  });

  it('required fields; optional ones may be emptied', () => {
    expect(errorsOf({ 'server.host': ' ' })['server.host']).toBe('This cannot be empty.');
    expect(errorsOf({ 'server.request_timeout': '' })).toEqual({});
  });

  it('hidden fields (another backend’s) are not checked', () => {
    expect(errorsOf({ 'database.mysql_port': 'x' })).toEqual({});
    expect(errorsOf({ 'database.type': 'mysql', 'database.mysql_port': 'x' })['database.mysql_port']).toBeDefined();
  });

  it('min_rate_limit above max_rate_limit', () => {
    expect(errorsOf({ 'adaptive_rate_limiting.min_rate_limit': '90' })['adaptive_rate_limiting.min_rate_limit'])
      .toMatch(/cannot be longer/);
  });

  it('CORS origins are scheme://host[:port]', () => {
    expect(errorsOf({ 'server.cors_origins': 'https://app.example:8443' })).toEqual({});
    expect(errorsOf({ 'server.cors_origins': 'https://app.example/path' })['server.cors_origins']).toMatch(/not an origin/);
  });

  it('tokens: no spaces, no duplicates; masked ones pass', () => {
    expect(errorsOf({ [TOKENS]: 'adm…cdef\nfine-token' })).toEqual({});
    expect(errorsOf({ [TOKENS]: 'with space' })[TOKENS]).toMatch(/spaces/);
    expect(errorsOf({ [TOKENS]: 'same\nsame' })[TOKENS]).toMatch(/twice/);
    // Several short stored tokens all read "…" (and two long ones may mask alike): not duplicates.
    expect(errorsOf({ [TOKENS]: '…\n…\nadm…cdef\nadm…cdef' })).toEqual({});
  });

  it('trusted proxies: IP addresses or CIDR ranges', () => {
    expect(errorsOf({ 'server.trusted_proxies': '127.0.0.1\n10.0.0.0/8\n::1\nfd00::/8' })).toEqual({});
    expect(errorsOf({ 'server.trusted_proxies': 'proxy.example' })['server.trusted_proxies']).toMatch(/not an IP/);
    expect(errorsOf({ 'server.trusted_proxies': '10.0.0.0/8/1' })['server.trusted_proxies']).toMatch(/not an IP/);
  });
});

describe('helpers', () => {
  it('isMasked matches the server’s mask', () => {
    expect(isMasked('sk-…abcd')).toBe(true);
    expect(isMasked('…')).toBe(true);
    expect(isMasked('sk-...abcd')).toBe(false);
    expect(isMasked('a-real-token')).toBe(false);
  });

  it('newToken: 32 random bytes, URL-safe', () => {
    const t = newToken((n) => new Uint8Array(n).fill(255));
    expect(t).toMatch(/^aisbf-[A-Za-z0-9_-]{43}$/);
    expect(t).not.toContain('/');
  });

  it('fieldOfParam: the server’s JSON path to a field the page shows, else null (said above the form)', () => {
    const form = formFrom(SETTINGS);
    expect(fieldOfParam('server.port', form)).toBe('server.port');
    expect(fieldOfParam('auth.tokens[1]', form)).toBe(TOKENS);
    expect(fieldOfParam('auth.enabled', form)).toBe('auth.enabled');
    expect(fieldOfParam('server.trusted_proxies[0]', form)).toBe('server.trusted_proxies');
    expect(fieldOfParam('providers.x', form)).toBeNull();
    expect(fieldOfParam(null, form)).toBeNull();
    // Hidden by the database type (sqlite shows no MySQL field), or read-only.
    expect(fieldOfParam('database.mysql_password', form)).toBeNull();
    expect(fieldOfParam('database.mysql_password', { ...form, 'database.type': 'mysql' })).toBe('database.mysql_password');
    expect(fieldOfParam('server.protocol', form)).toBeNull();
  });

  it('removedTokens counts: one of two tokens that read "…" removed is one removed', () => {
    expect(removedTokens(['…', '…', 'adm…cdef'], ['…', 'adm…cdef'])).toEqual(['…']);
    expect(removedTokens(['…', 'adm…cdef'], ['adm…cdef', '…', 'new-token'])).toEqual([]);
    expect(removedTokens(['…', '…'], [])).toEqual(['…', '…']);
    expect(sharedMasks(['…', 'adm…cdef', '…', 'in-clear'])).toEqual(['…']);
    expect(sharedMasks(['…', 'adm…cdef'])).toEqual([]);
  });

  it('isLoopbackHost: as the server decides whether auth may be off', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', 'gw.localhost', '::1', '[::1]',
      '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.org', '127.1', '128.0.0.1', 'localhost.example', '::2'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('turnsAuthOff: only on → off, with whether the listener is loopback', () => {
    const form = formFrom(SETTINGS);
    expect(turnsAuthOff(SETTINGS, form)).toBeNull();
    expect(turnsAuthOff(SETTINGS, { ...form, 'auth.enabled': false })).toEqual({ host: '127.0.0.1', loopback: true });
    expect(turnsAuthOff(SETTINGS, { ...form, 'auth.enabled': false, 'server.host': '0.0.0.0' }))
      .toEqual({ host: '0.0.0.0', loopback: false });
    const off: JsonObject = { ...SETTINGS, auth: { enabled: false } };
    expect(turnsAuthOff(off, { ...formFrom(off), 'server.host': '0.0.0.0' })).toBeNull();
    // Absent: off (AISBF's default), so nothing is turned off.
    const absent: JsonObject = { server: { host: '127.0.0.1' } };
    expect(formFrom(absent)['auth.enabled']).toBe(false);
    expect(turnsAuthOff(absent, formFrom(absent))).toBeNull();
  });
});
