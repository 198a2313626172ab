// Users and API tokens as the dashboard reads and writes them: the shapes of
// /api/admin/users, /api/…/tokens and /api/admin/usage, the forms' checks
// before sending (the server checks again: src/api/accounts_json.cpp), the
// bodies sent, and how times and usage are shown. Pure, tested in
// accounts.test.ts.
import { ApiError, type Role } from './api';
import { byteLength, type FieldErrors } from './validation';

// --- the shapes (times in unix seconds, null for never)

export interface User {
  username: string;
  role: Role;
  active: boolean;
  allow_private_endpoints: boolean;
  quotas: Record<string, unknown>;
  created: number | null;
  last_login: number | null;
  must_change_password: boolean;
}

export interface ApiToken {
  id: string;
  description: string;
  quotas: Record<string, unknown>;
  created: number | null;
  last_used: number | null;
  expires: number | null;
  active: boolean;
}

// The 201 answer: the only time the secret itself is seen.
export interface CreatedToken extends ApiToken {
  token: string;
}

export interface List<T> {
  object: 'list';
  data: T[];
}

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number | null; // null: nothing was priced (never a silent 0)
  unpriced_requests: number;
}

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
}

// --- the new-user form

export type NewUserField = 'username' | 'role' | 'password';

// The server's rule (auth::valid_username).
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function validatePassword(password: string, empty: string): string | undefined {
  const n = byteLength(password);
  if (password === '') return empty;
  if (n < 8) return 'Use at least 8 characters.';
  if (n > 1024) return 'A password has at most 1024 bytes.';
  return undefined;
}

export function validateNewUser(v: { username: string; role: string; password: string }): FieldErrors<NewUserField> {
  const e: FieldErrors<NewUserField> = {};
  const name = v.username.trim();
  if (name === '') e.username = 'Choose a username.';
  else if (name.length > 63) e.username = 'A username has at most 63 characters.';
  else if (!USERNAME_PATTERN.test(name)) {
    e.username = 'Use lower-case letters, digits and . _ - (starting with a letter or digit).';
  }
  if (v.role !== 'user' && v.role !== 'admin') e.role = 'Choose a role.';
  const p = validatePassword(v.password, 'Choose an initial password.');
  if (p) e.password = p;
  return e;
}

// --- the new-token form

export type Expiry = 'never' | '7' | '30' | '90' | '365' | 'date';

export const EXPIRY_OPTIONS: readonly { value: Expiry; label: string }[] = [
  { value: 'never', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'date', label: 'On a date…' },
];

export interface TokenForm {
  description: string;
  expiry: Expiry;
  date: string; // YYYY-MM-DD (the end of that day, local time), for expiry 'date'
}

export type TokenField = 'description' | 'expiry' | 'date';

export interface NewTokenBody {
  description: string;
  expires_in?: number;
  expires_at?: number;
}

const DAY_S = 24 * 3600;
const MAX_DESCRIPTION = 200; // bytes, as the server counts
const MAX_YEARS = 100;

// The end (23:59:59 local) of a YYYY-MM-DD day, in unix seconds; null when
// the text is not such a day.
export function endOfDay(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const at = new Date(y, mo, d, 23, 59, 59);
  if (at.getFullYear() !== y || at.getMonth() !== mo || at.getDate() !== d) return null; // 2025-02-30
  return Math.floor(at.getTime() / 1000);
}

export function validateToken(v: TokenForm, nowMs: number): FieldErrors<TokenField> {
  const e: FieldErrors<TokenField> = {};
  if (v.description.trim() === '') e.description = 'Name the token after where it will be used.';
  else if (byteLength(v.description.trim()) > MAX_DESCRIPTION) e.description = 'A name has at most 200 bytes.';
  if (!EXPIRY_OPTIONS.some((o) => o.value === v.expiry)) e.expiry = 'Choose when the token expires.';
  else if (v.expiry === 'date') {
    const at = endOfDay(v.date);
    if (v.date === '') e.date = 'Choose the day the token expires.';
    else if (at === null) e.date = 'Enter a date as YYYY-MM-DD.';
    else if (at * 1000 <= nowMs) e.date = 'Choose a day in the future.';
    else if (at * 1000 - nowMs > MAX_YEARS * 365 * DAY_S * 1000) e.date = 'Choose a day within 100 years.';
  }
  return e;
}

// What POST …/tokens gets for a checked form.
export function tokenBody(v: TokenForm): NewTokenBody {
  const body: NewTokenBody = { description: v.description.trim() };
  if (v.expiry === 'date') {
    const at = endOfDay(v.date);
    if (at !== null) body.expires_at = at;
  } else if (v.expiry !== 'never') {
    body.expires_in = Number(v.expiry) * DAY_S;
  }
  return body;
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(t: ApiToken, nowMs: number): TokenState {
  if (!t.active) return 'revoked';
  if (t.expires !== null && t.expires * 1000 <= nowMs) return 'expired';
  return 'active';
}

// --- the server's errors beside the fields

// "'username': must match …" → "Must match …": the field is named by where it shows.
export function fieldMessage(message: string): string {
  const m = /^'[^']+':\s*(.*)$/s.exec(message);
  const text = m ? m[1] : message;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The field a refusal of the server's belongs beside, or null for the
// form's general alert. `conflictField`: where a 409 "exists already" goes.
export function fieldError<K extends string>(
  err: unknown,
  fields: readonly K[],
  conflictField?: K,
): { field: K; message: string } | null {
  if (!(err instanceof ApiError)) return null;
  if (err.param && (fields as readonly string[]).includes(err.param)) {
    return { field: err.param as K, message: fieldMessage(err.message) };
  }
  if (conflictField && err.status === 409 && err.code === 'conflict') {
    return { field: conflictField, message: fieldMessage(err.message) };
  }
  return null;
}

// A user the server says is not there (GET /api/admin/users/{name}: 404
// user_not_found), told by status and code, not by the message's words.
export function isNoSuchUser(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && err.code === 'user_not_found';
}

// --- times and usage as shown

// A past or future moment relative to now: "just now", "5 min ago", "in 30
// days", or its date beyond 45 days; "Never" for null.
export function formatWhen(seconds: number | null, nowMs: number, never = 'Never'): string {
  if (seconds === null) return never;
  const delta = seconds - Math.floor(nowMs / 1000);
  const abs = Math.abs(delta);
  const say = (n: number, unit: string) => {
    const v = Math.floor(n);
    const u = `${v} ${unit}${v === 1 || unit === 'min' || unit === 'h' ? '' : 's'}`;
    return delta < 0 ? `${u} ago` : `in ${u}`;
  };
  // Under a minute: a few seconds ahead is the server's clock, not the future.
  if (abs < 60) return delta > 10 ? 'in under a minute' : 'just now';
  if (abs < 3600) return say(abs / 60, 'min');
  if (abs < DAY_S) return say(abs / 3600, 'h');
  if (abs < 45 * DAY_S) return say(abs / DAY_S, 'day');
  return isoDate(seconds);
}

// YYYY-MM-DD in local time.
export function isoDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// The full moment, for a title or <time datetime>.
export function isoMoment(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export interface UsageWindow {
  id: 'today' | 'month';
  label: string;
  from: number; // unix seconds
  to: number;
}

// Today (since local midnight) and the last 30 days, both up to now.
export function usageWindows(nowMs: number): UsageWindow[] {
  const now = new Date(nowMs);
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const to = Math.floor(nowMs / 1000) + 1; // [from, to): this second counts
  return [
    { id: 'today', label: 'Today', from: Math.floor(midnight / 1000), to },
    { id: 'month', label: 'Last 30 days', from: to - 1 - 30 * DAY_S, to },
  ];
}

export function usagePath(username: string, w: UsageWindow): string {
  const q = new URLSearchParams({ user: username, from: String(w.from), to: String(w.to) });
  return `/api/admin/usage?${q.toString()}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

// A cost in the pricing's currency (USD in aisbf's price lists); "not
// priced" rather than a silent 0 when no request had a price.
export function formatCost(cost: number | null): string {
  if (cost === null) return 'not priced';
  if (cost === 0) return '$0';
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}
