// The settings page's model of aisbf.json: which fields it edits, their
// checks (the server's ranges, src/config/load_aisbf.cpp and
// load_response_cache.cpp), when a change applies (the server's own lists,
// `start_only` and `unused` of GET /api/admin/settings) and the sections a
// save sends, each the section as read with only the edited keys changed,
// so that keys the page does not know are kept. Pure, tested in
// settings.test.ts.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface SettingsAnswer {
  settings: JsonObject;
  start_only: string[];
  unused: string[];
  restart_required?: string[];
  warnings?: string[];
}

export type FieldType = 'text' | 'secret' | 'int' | 'number' | 'bool' | 'select' | 'lines';

export interface FieldDef {
  path: string; // dotted: "server.port"
  label: string;
  type: FieldType;
  hint?: string;
  min?: number;
  minExclusive?: boolean;
  max?: number;
  options?: readonly string[];
  required?: boolean; // empty is refused (else empty removes the key: the default applies)
  // What an absent key means, as the server reads it (src/config/): a
  // select shows it as its empty choice, a checkbox as its state. A
  // function when it depends on the rest of the file.
  defaultValue?: string | boolean | ((settings: JsonObject) => string | boolean);
  showIf?: (form: FormValues) => boolean; // e.g. a backend's own settings
  readOnly?: boolean;
}

export type FormValues = Record<string, string | boolean>;
export type FormErrors = Record<string, string>;

export interface SectionDef {
  id: string;
  title: string;
  lead: string;
  fields: readonly FieldDef[];
}

const port = (path: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  path, label, type: 'int', min: 1, max: 65535, ...extra,
});
const is = (path: string, ...values: string[]) => (f: FormValues) => values.includes(String(f[path] ?? '').toLowerCase());

export const SECTIONS: readonly SectionDef[] = [
  {
    id: 'server',
    title: 'Server',
    lead: 'Where aisbf listens and the bounds of each connection and request.',
    fields: [
      { path: 'server.host', label: 'Listen address', type: 'text', required: true,
        hint: 'An address other than loopback needs auth on (or --allow-unauthenticated). --host overrides it.' },
      { path: 'server.port', label: 'Port', type: 'int', min: 0, max: 65535, hint: '0 picks a free port. --port overrides it.' },
      { path: 'server.request_timeout', label: 'Request timeout (s)', type: 'number', min: 0, minExclusive: true,
        hint: 'One client request, across every attempt and wait.' },
      { path: 'server.header_timeout', label: 'Header timeout (s)', type: 'number', min: 0, minExclusive: true },
      { path: 'server.idle_timeout', label: 'Idle timeout (s)', type: 'number', min: 0, minExclusive: true },
      { path: 'server.shutdown_grace', label: 'Shutdown grace (s)', type: 'number', min: 0 },
      { path: 'server.max_body_bytes', label: 'Largest request body (bytes)', type: 'int', min: 1 },
      { path: 'server.max_connections', label: 'Open connections at most', type: 'int', min: 1 },
      { path: 'server.max_inflight_requests', label: 'Requests served at once at most', type: 'int', min: 1 },
      { path: 'server.allowed_hosts', label: 'Allowed Host names', type: 'lines',
        hint: 'One per line: names a loopback listener accepts besides localhost (DNS rebinding defence).' },
      { path: 'server.cors_origins', label: 'CORS origins', type: 'lines',
        hint: 'One per line, as a browser sends it: scheme://host[:port].' },
      { path: 'server.trusted_proxies', label: 'Trusted reverse proxies', type: 'lines',
        hint: 'One per line, an IP address or a CIDR range (10.0.0.0/8): the proxies whose X-Forwarded-Prefix the dashboard follows.' },
    ],
  },
  {
    id: 'auth',
    title: 'Gateway tokens',
    lead: 'With auth on, every API call needs a gateway token, a user token or a dashboard session.',
    fields: [{ path: 'auth.enabled', label: 'Require authentication', type: 'bool', defaultValue: false }],
  },
  {
    id: 'database',
    title: 'Database',
    lead: 'Users, tokens, sessions and usage. aisbf opens it when it starts.',
    fields: [
      { path: 'database.type', label: 'Type', type: 'select', options: ['sqlite', 'postgres', 'mysql'], defaultValue: 'sqlite' },
      { path: 'database.sqlite_path', label: 'SQLite file', type: 'text', showIf: is('database.type', 'sqlite', '') },
      { path: 'database.postgres_url', label: 'PostgreSQL URL', type: 'text',
        hint: 'postgres://user:password@host:port/db; or the fields below. A password shown masked (…) stays the '
          + 'stored one when you edit the rest of the URL; type it in full to change it.',
        showIf: is('database.type', 'postgres', 'postgresql') },
      { path: 'database.postgres_host', label: 'PostgreSQL host', type: 'text', showIf: is('database.type', 'postgres', 'postgresql') },
      port('database.postgres_port', 'PostgreSQL port', { showIf: is('database.type', 'postgres', 'postgresql') }),
      { path: 'database.postgres_user', label: 'PostgreSQL user', type: 'text', showIf: is('database.type', 'postgres', 'postgresql') },
      { path: 'database.postgres_password', label: 'PostgreSQL password', type: 'secret', showIf: is('database.type', 'postgres', 'postgresql') },
      { path: 'database.postgres_database', label: 'PostgreSQL database', type: 'text', showIf: is('database.type', 'postgres', 'postgresql') },
      { path: 'database.mysql_host', label: 'MySQL host', type: 'text', showIf: is('database.type', 'mysql', 'mariadb') },
      port('database.mysql_port', 'MySQL port', { showIf: is('database.type', 'mysql', 'mariadb') }),
      { path: 'database.mysql_user', label: 'MySQL user', type: 'text', showIf: is('database.type', 'mysql', 'mariadb') },
      { path: 'database.mysql_password', label: 'MySQL password', type: 'secret', showIf: is('database.type', 'mysql', 'mariadb') },
      { path: 'database.mysql_database', label: 'MySQL database', type: 'text', showIf: is('database.type', 'mysql', 'mariadb') },
      { path: 'database.record_usage', label: 'Record usage (analytics, quotas)', type: 'bool', defaultValue: true },
      { path: 'database.usage_retention_days', label: 'Keep usage rows (days)', type: 'int', min: 0, max: 100000,
        hint: '0 keeps them for ever.' },
      { path: 'database.accounts_refresh_seconds', label: 'Read other instances’ account changes every (s)', type: 'int', min: 1, max: 86400 },
    ],
  },
  {
    id: 'response_cache',
    title: 'Response cache',
    lead: 'Identical deterministic requests answered without a provider call, per namespace.',
    fields: [
      // Off without the section; on in a section that does not say (AISBF's default).
      { path: 'response_cache.enabled', label: 'Cache responses', type: 'bool',
        defaultValue: (settings) => isObject(settings.response_cache) },
      { path: 'response_cache.ttl', label: 'Keep an answer (s)', type: 'number', min: 0, minExclusive: true, max: 30 * 86400 },
      { path: 'response_cache.cache_nondeterministic', label: 'Also cache requests with temperature > 0 and no seed', type: 'bool',
        defaultValue: false },
      { path: 'response_cache.backend', label: 'Backend', type: 'select', options: ['memory', 'redis', 'sqlite', 'mysql', 'file'],
        defaultValue: 'memory' },
      { path: 'response_cache.max_memory_cache', label: 'Entries at most', type: 'int', min: 1, max: 100_000_000,
        showIf: is('response_cache.backend', 'memory', '', 'sqlite', 'mysql', 'mariadb', 'file') },
      { path: 'response_cache.max_memory_bytes', label: 'Memory at most (bytes)', type: 'int', min: 1024, max: 1e12,
        showIf: is('response_cache.backend', 'memory', '') },
      { path: 'response_cache.redis_host', label: 'Redis host', type: 'text', showIf: is('response_cache.backend', 'redis') },
      port('response_cache.redis_port', 'Redis port', { showIf: is('response_cache.backend', 'redis') }),
      { path: 'response_cache.redis_db', label: 'Redis database', type: 'int', min: 0, max: 1_000_000, showIf: is('response_cache.backend', 'redis') },
      { path: 'response_cache.redis_password', label: 'Redis password', type: 'secret', showIf: is('response_cache.backend', 'redis') },
      { path: 'response_cache.redis_key_prefix', label: 'Redis key prefix', type: 'text', showIf: is('response_cache.backend', 'redis') },
      { path: 'response_cache.sqlite_path', label: 'SQLite file', type: 'text', showIf: is('response_cache.backend', 'sqlite') },
      { path: 'response_cache.mysql_host', label: 'MySQL host', type: 'text', showIf: is('response_cache.backend', 'mysql', 'mariadb') },
      port('response_cache.mysql_port', 'MySQL port', { showIf: is('response_cache.backend', 'mysql', 'mariadb') }),
      { path: 'response_cache.mysql_user', label: 'MySQL user', type: 'text', showIf: is('response_cache.backend', 'mysql', 'mariadb') },
      { path: 'response_cache.mysql_password', label: 'MySQL password', type: 'secret', showIf: is('response_cache.backend', 'mysql', 'mariadb') },
      { path: 'response_cache.mysql_database', label: 'MySQL database', type: 'text', showIf: is('response_cache.backend', 'mysql', 'mariadb') },
      { path: 'response_cache.file_dir', label: 'Directory', type: 'text', showIf: is('response_cache.backend', 'file') },
    ],
  },
  {
    id: 'adaptive_rate_limiting',
    title: 'Adaptive rate limiting',
    lead: 'Spacing between requests learned from a provider’s 429 answers, and how it recovers.',
    fields: [
      { path: 'adaptive_rate_limiting.enabled', label: 'Learn from 429 answers', type: 'bool', defaultValue: true,
        hint: 'Off: nothing is learned, but a Retry-After is still honoured.' },
      { path: 'adaptive_rate_limiting.initial_rate_limit', label: 'Initial interval (s)', type: 'number', min: 0 },
      { path: 'adaptive_rate_limiting.min_rate_limit', label: 'Shortest interval (s)', type: 'number', min: 0 },
      { path: 'adaptive_rate_limiting.max_rate_limit', label: 'Longest interval (s)', type: 'number', min: 0, minExclusive: true },
      { path: 'adaptive_rate_limiting.learning_rate', label: 'Learning rate', type: 'number', min: 0, max: 1 },
      { path: 'adaptive_rate_limiting.headroom_percent', label: 'Headroom (%)', type: 'number', min: 0, max: 99 },
      { path: 'adaptive_rate_limiting.backoff_base', label: 'Backoff base', type: 'number', min: 1 },
      { path: 'adaptive_rate_limiting.jitter_factor', label: 'Jitter factor', type: 'number', min: 0, max: 1 },
      { path: 'adaptive_rate_limiting.recovery_rate', label: 'Recovery rate', type: 'number', min: 0, max: 1 },
      { path: 'adaptive_rate_limiting.consecutive_successes_for_recovery', label: 'Successes in a row before recovering',
        type: 'int', min: 1 },
      { path: 'adaptive_rate_limiting.history_window', label: 'Forget a limit after no 429 for (s)', type: 'number', min: 0, minExclusive: true },
    ],
  },
  {
    id: 'tls',
    title: 'TLS',
    lead: 'aisbf serves plain HTTP only: put a TLS-terminating proxy in front, or keep it on loopback.',
    fields: [
      { path: 'server.protocol', label: 'Protocol', type: 'text', readOnly: true,
        hint: '"https" is refused when the configuration loads, rather than serve plain HTTP under its name.' },
      { path: 'server.ssl_certfile', label: 'Certificate file', type: 'text' },
      { path: 'server.ssl_keyfile', label: 'Private key file', type: 'text' },
    ],
  },
  {
    id: 'tor',
    title: 'TOR',
    lead: 'An onion service for the gateway (AISBF’s settings, kept in aisbf.json).',
    fields: [
      { path: 'tor.enabled', label: 'Publish an onion service', type: 'bool', defaultValue: false },
      { path: 'tor.control_host', label: 'Control host', type: 'text' },
      port('tor.control_port', 'Control port'),
      { path: 'tor.control_password', label: 'Control password', type: 'secret' },
      { path: 'tor.hidden_service_dir', label: 'Hidden service directory', type: 'text' },
      port('tor.hidden_service_port', 'Hidden service port'),
      { path: 'tor.socks_host', label: 'SOCKS host', type: 'text' },
      port('tor.socks_port', 'SOCKS port'),
    ],
  },
];

export const ALL_FIELDS: readonly FieldDef[] = SECTIONS.flatMap((s) => s.fields);

// --- when a change applies

export type Effect = 'now' | 'restart' | 'unused';

// The server's lists name keys or whole sections ("database").
function covers(list: readonly string[], path: string): boolean {
  return list.some((p) => p === path || path.startsWith(`${p}.`));
}

export function effectOf(path: string, answer: Pick<SettingsAnswer, 'start_only' | 'unused'>): Effect {
  if (covers(answer.unused, path)) return 'unused';
  if (covers(answer.start_only, path)) return 'restart';
  return 'now';
}

// --- values

export function getPath(root: Json | undefined, path: string): Json | undefined {
  let v: Json | undefined = root;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = v[key];
  }
  return v;
}

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// What the server takes an absent key of `field` to be, in `settings`.
export function defaultOf(field: FieldDef, settings: JsonObject): string | boolean {
  const d = field.defaultValue;
  if (typeof d === 'function') return d(settings);
  return d ?? (field.type === 'bool' ? false : '');
}

function toText(v: Json | undefined, field: FieldDef, settings: JsonObject): string | boolean {
  const type = field.type;
  if (type === 'bool') return typeof v === 'boolean' ? v : defaultOf(field, settings) === true;
  if (v === undefined || v === null) return '';
  if (type === 'lines') return Array.isArray(v) ? v.filter((x) => typeof x === 'string').join('\n') : '';
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

export function formFrom(settings: JsonObject): FormValues {
  const form: FormValues = {};
  for (const f of ALL_FIELDS) form[f.path] = toText(getPath(settings, f.path), f, settings);
  const tokens = getPath(settings, 'auth.tokens');
  form[TOKENS] = Array.isArray(tokens) ? tokens.filter((t) => typeof t === 'string').join('\n') : '';
  return form;
}

// The gateway tokens, one per line in the form (masked ones as read).
export const TOKENS = 'auth.tokens';

export function tokenList(form: FormValues): string[] {
  return String(form[TOKENS] ?? '').split('\n').filter((t) => t !== '');
}

// A masked secret as the server writes it: "abc…wxyz" or "…".
export function isMasked(value: string): boolean {
  return value === '…' || /^.{3}….{4}$/u.test(value);
}

// The stored tokens `now` no longer holds, counted (several tokens under
// 12 characters all read "…": one of two removed is one "…" removed).
export function removedTokens(stored: readonly string[], now: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const t of now) left.set(t, (left.get(t) ?? 0) + 1);
  const removed: string[] = [];
  for (const t of stored) {
    const n = left.get(t) ?? 0;
    if (n > 0) left.set(t, n - 1);
    else removed.push(t);
  }
  return removed;
}

// Masks that stand for more than one stored token: the server cannot tell
// which of them a removal meant, and refuses it.
export function sharedMasks(stored: readonly string[]): string[] {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const t of stored) {
    if (isMasked(t) && seen.has(t)) shared.add(t);
    seen.add(t);
  }
  return [...shared];
}

// --- auth turned off

// The host names main.cpp takes for loopback (auth/host_check.cpp):
// localhost and *.localhost, 127.x.y.z, ::1 (bracketed or not) and
// ::ffff:127.x.y.z.
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || /^[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost$/.test(h)) return true;
  const v4 = (t: string) => {
    const parts = t.split('.');
    return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255) && parts[0] === '127';
  };
  if (v4(h)) return true;
  if (h.startsWith('::ffff:')) return v4(h.slice(7));
  return /^(0{0,4}:){2,7}0{0,3}1$/.test(h) && h.replace(/[0:]/g, '') === '1';
}

// The form turns auth off (it is on as read): asked first, and, with a
// listener that is not loopback, refused by the server.
export function turnsAuthOff(settings: JsonObject, form: FormValues): { host: string; loopback: boolean } | null {
  if (formFrom(settings)['auth.enabled'] !== true || form['auth.enabled'] !== false) return null;
  const host = String(form['server.host'] ?? '').trim() || '127.0.0.1';
  return { host, loopback: isLoopbackHost(host) };
}

// --- checks before sending

export function visible(field: FieldDef, form: FormValues): boolean {
  return !field.showIf || field.showIf(form);
}

function checkNumber(f: FieldDef, text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return f.type === 'int' ? 'Enter a whole number.' : 'Enter a number.';
  const n = Number(trimmed);
  if (f.type === 'int' && !Number.isInteger(n)) return 'Enter a whole number.';
  if (f.min !== undefined && (f.minExclusive ? n <= f.min : n < f.min)) {
    return f.minExclusive ? `Enter more than ${f.min}.` : `Enter at least ${f.min}.`;
  }
  if (f.max !== undefined && n > f.max) return `Enter at most ${f.max}.`;
  return undefined;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateSettings(form: FormValues): FormErrors {
  const errors: FormErrors = {};
  for (const f of ALL_FIELDS) {
    if (f.readOnly || f.type === 'bool' || !visible(f, form)) continue;
    const text = String(form[f.path] ?? '');
    if (text.trim() === '') {
      if (f.required) errors[f.path] = 'This cannot be empty.';
      continue;
    }
    if (f.type === 'int' || f.type === 'number') {
      const e = checkNumber(f, text);
      if (e) errors[f.path] = e;
    } else if (f.type === 'lines') {
      const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
      if (f.path === 'server.cors_origins') {
        const bad = lines.find((l) => !/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(l));
        if (bad) errors[f.path] = `“${bad}” is not an origin: scheme://host[:port], without a path.`;
      } else if (f.path === 'server.trusted_proxies') {
        const bad = lines.find((l) => !/^[0-9a-f:.]+(\/\d{1,3})?$/i.test(l) || !/[.:]/.test(l));
        if (bad) errors[f.path] = `“${bad}” is not an IP address or a CIDR range (10.0.0.0/8, ::1).`;
      }
    }
  }
  const min = Number(form['adaptive_rate_limiting.min_rate_limit']);
  const max = Number(form['adaptive_rate_limiting.max_rate_limit']);
  if (!errors['adaptive_rate_limiting.min_rate_limit'] && !errors['adaptive_rate_limiting.max_rate_limit'] &&
      String(form['adaptive_rate_limiting.min_rate_limit']).trim() !== '' &&
      String(form['adaptive_rate_limiting.max_rate_limit']).trim() !== '' && min > max) {
    errors['adaptive_rate_limiting.min_rate_limit'] = 'The shortest interval cannot be longer than the longest.';
  }
  // Masked tokens are left to the server (several short ones read "…").
  const seen = new Set<string>();
  for (const t of tokenList(form).filter((x) => !isMasked(x))) {
    if (CONTROL.test(t) || /\s/.test(t)) {
      errors[TOKENS] = 'A token cannot hold spaces or control characters: a client sends it in a header.';
    } else if (seen.has(t)) {
      errors[TOKENS] = 'A token is listed twice.';
    }
    seen.add(t);
  }
  return errors;
}

// A gateway token: 32 random bytes, URL-safe base64, prefixed.
export function newToken(random: (n: number) => Uint8Array): string {
  const bytes = random(32);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return `aisbf-${btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

// --- what a save sends

function valueOf(f: FieldDef, raw: string | boolean): Json | undefined {
  if (f.type === 'bool') return raw === true;
  const text = String(raw);
  if (f.type === 'lines') return text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (text.trim() === '') return undefined; // removed: the default applies
  if (f.type === 'int' || f.type === 'number') return Number(text.trim());
  return text;
}

function clone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function setPath(root: JsonObject, path: string[], value: Json | undefined): void {
  let obj = root;
  for (const key of path.slice(0, -1)) {
    const next = obj[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) obj[key] = {};
    obj = obj[key] as JsonObject;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete obj[last];
  else obj[last] = value;
}

// The sections whose content the form changed, each the section as read
// with the form's values set (keys the page does not show are kept). A
// field the form shows unchanged keeps its value as read, to the byte.
export function changedSections(settings: JsonObject, form: FormValues): JsonObject {
  const before = formFrom(settings);
  const next = clone(settings);
  const touched = new Set<string>();
  for (const f of ALL_FIELDS) {
    if (f.readOnly || form[f.path] === before[f.path]) continue;
    const [section, ...rest] = f.path.split('.');
    setPath(next, [section, ...rest], valueOf(f, form[f.path]));
    touched.add(section);
  }
  if (form[TOKENS] !== before[TOKENS]) {
    setPath(next, ['auth', 'tokens'], tokenList(form));
    touched.add('auth');
  }
  // A checkbox whose key is absent shows its default; where the section
  // sent would make that default another (a response_cache section made
  // by another edit turns the cache on), it is written as shown.
  for (const f of ALL_FIELDS) {
    const [section, ...rest] = f.path.split('.');
    if (f.type !== 'bool' || !touched.has(section) || getPath(next, f.path) !== undefined) continue;
    if (defaultOf(f, next) !== form[f.path]) setPath(next, [section, ...rest], form[f.path] === true);
  }
  const out: JsonObject = {};
  for (const section of touched) {
    const v = next[section];
    if (JSON.stringify(v) !== JSON.stringify(settings[section])) out[section] = v ?? {};
  }
  return out;
}

// The field a server error names (ApiError.param: "server.port",
// "auth.tokens[1]"), or null when the page does not show it as an editable
// field (hidden by another choice, read-only, or not on the page): the
// error is then said above the form.
export function fieldOfParam(param: string | null, form: FormValues): string | null {
  if (!param) return null;
  const path = param.replace(/\[\d+\]$/, '');
  if (path === TOKENS) return TOKENS;
  const field = ALL_FIELDS.find((f) => f.path === path);
  return field && !field.readOnly && visible(field, form) ? path : null;
}
