import { describe, expect, it } from 'vitest';
import {
  endOfDay, fieldError, fieldMessage, formatCost, formatWhen, isNoSuchUser, tokenBody, tokenState, usagePath,
  usageWindows, validateNewUser, validateToken, type ApiToken, type TokenForm,
} from './accounts';
import { ApiError } from './api';
import { hasErrors } from './validation';

const NOW = new Date(2026, 4, 15, 14, 30, 0).getTime(); // 15 May 2026, 14:30 local
const nowS = Math.floor(NOW / 1000);

describe('new user form', () => {
  const ok = { username: 'pat', role: 'user', password: 'given-password' };
  it('passes a good one', () => {
    expect(validateNewUser(ok)).toEqual({});
    expect(validateNewUser({ ...ok, username: 'a.b_c-9', role: 'admin' })).toEqual({});
  });
  it('refuses the usernames the server would', () => {
    expect(validateNewUser({ ...ok, username: '' }).username).toBe('Choose a username.');
    for (const bad of ['Pat', 'pat smith', '-pat', '.pat', 'pät', 'pat/x']) {
      expect(validateNewUser({ ...ok, username: bad }).username, bad).toMatch(/lower-case/);
    }
    expect(validateNewUser({ ...ok, username: 'a'.repeat(63) }).username).toBeUndefined();
    expect(validateNewUser({ ...ok, username: 'a'.repeat(64) }).username).toMatch(/63/);
  });
  it('wants a role and an initial password of 8 to 1024 bytes', () => {
    expect(validateNewUser({ ...ok, role: 'root' }).role).toBeDefined();
    expect(validateNewUser({ ...ok, password: '' }).password).toBe('Choose an initial password.');
    expect(validateNewUser({ ...ok, password: 'short' }).password).toMatch(/8/);
    expect(validateNewUser({ ...ok, password: 'x'.repeat(1025) }).password).toMatch(/1024/);
  });
});

describe('new token form', () => {
  const form = (f: Partial<TokenForm>): TokenForm => ({ description: 'laptop', expiry: 'never', date: '', ...f });
  it('wants a name of at most 200 bytes', () => {
    expect(validateToken(form({}), NOW)).toEqual({});
    expect(validateToken(form({ description: '  ' }), NOW).description).toBeDefined();
    expect(validateToken(form({ description: 'é'.repeat(101) }), NOW).description).toMatch(/200/);
    expect(validateToken(form({ description: 'é'.repeat(100) }), NOW).description).toBeUndefined();
  });
  it('checks an expiry date: a real day, in the future, within 100 years', () => {
    expect(validateToken(form({ expiry: 'date' }), NOW).date).toMatch(/Choose the day/);
    expect(validateToken(form({ expiry: 'date', date: '2026-02-30' }), NOW).date).toMatch(/YYYY-MM-DD/);
    expect(validateToken(form({ expiry: 'date', date: '15/06/2026' }), NOW).date).toMatch(/YYYY-MM-DD/);
    expect(validateToken(form({ expiry: 'date', date: '2026-05-14' }), NOW).date).toMatch(/future/);
    expect(validateToken(form({ expiry: 'date', date: '2026-05-15' }), NOW).date).toBeUndefined(); // until tonight
    expect(validateToken(form({ expiry: 'date', date: '2130-01-01' }), NOW).date).toMatch(/100 years/);
    expect(hasErrors(validateToken(form({ expiry: 'bogus' as never }), NOW))).toBe(true);
  });
  it('sends what the server reads: expires_in seconds, or expires_at the end of the day chosen', () => {
    expect(tokenBody(form({ description: ' ci ' }))).toEqual({ description: 'ci' });
    expect(tokenBody(form({ expiry: '30' }))).toEqual({ description: 'laptop', expires_in: 30 * 86400 });
    const at = tokenBody(form({ expiry: 'date', date: '2026-06-01' })).expires_at!;
    expect(at).toBe(endOfDay('2026-06-01'));
    const d = new Date(at * 1000);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2026, 5, 1, 23, 59]);
  });
});

describe('token state', () => {
  const t = (f: Partial<ApiToken>): ApiToken => ({
    id: 'tok_1', description: '', quotas: {}, created: nowS - 100, last_used: null, expires: null, active: true, ...f,
  });
  it('active, expired by its time, or revoked', () => {
    expect(tokenState(t({}), NOW)).toBe('active');
    expect(tokenState(t({ expires: nowS + 60 }), NOW)).toBe('active');
    expect(tokenState(t({ expires: nowS }), NOW)).toBe('expired');
    expect(tokenState(t({ active: false, expires: nowS - 1 }), NOW)).toBe('revoked');
  });
});

describe('the server\'s errors beside the fields', () => {
  const err = (status: number, message: string, code: string | null, param: string | null) =>
    new ApiError(status, message, code, param, null);
  it('takes the field from param, without the field\'s name in the message', () => {
    expect(fieldError(err(400, "'username': must match [a-z0-9][a-z0-9_.-]{0,62}", 'invalid_value', 'username'),
      ['username', 'password'])).toEqual({ field: 'username', message: 'Must match [a-z0-9][a-z0-9_.-]{0,62}' });
    expect(fieldMessage('no prefix here')).toBe('No prefix here');
  });
  it('a field the form does not have, or no field, goes to the form\'s alert', () => {
    expect(fieldError(err(400, "'quotas': bad", 'invalid_value', 'quotas'), ['username'])).toBeNull();
    expect(fieldError(err(500, 'boom', null, null), ['username'])).toBeNull();
    expect(fieldError(new Error('x'), ['username'])).toBeNull();
  });
  it('a 409 "exists already" goes beside the field named for it', () => {
    const dup = err(409, "user 'gina' exists already", 'conflict', null);
    expect(fieldError(dup, ['username', 'password'], 'username')).toEqual({
      field: 'username', message: "User 'gina' exists already",
    });
    expect(fieldError(dup, ['username'])).toBeNull();
    expect(fieldError(err(409, 'mine', 'own_account', null), ['username'], 'username')).toBeNull();
  });
});

describe('no such user', () => {
  it('is told by the status and code, whatever the message says', () => {
    expect(isNoSuchUser(new ApiError(404, 'anything at all', 'user_not_found', null, null))).toBe(true);
    expect(isNoSuchUser(new ApiError(404, "no user named 'x'", 'not_found', null, null))).toBe(false);
    expect(isNoSuchUser(new ApiError(503, "no user named 'x'", 'store_unavailable', null, null))).toBe(false);
    expect(isNoSuchUser(new Error("no user named 'x'"))).toBe(false);
  });
});

describe('times and usage', () => {
  it('relative times, dates beyond 45 days, "Never" for none', () => {
    expect(formatWhen(null, NOW)).toBe('Never');
    expect(formatWhen(null, NOW, 'No expiry')).toBe('No expiry');
    expect(formatWhen(nowS - 5, NOW)).toBe('just now');
    expect(formatWhen(nowS + 1, NOW)).toBe('just now'); // the server's clock a little ahead
    expect(formatWhen(nowS + 30, NOW)).toBe('in under a minute');
    expect(formatWhen(nowS - 300, NOW)).toBe('5 min ago');
    expect(formatWhen(nowS - 3 * 3600, NOW)).toBe('3 h ago');
    expect(formatWhen(nowS - 86400, NOW)).toBe('1 day ago');
    expect(formatWhen(nowS + 7 * 86400, NOW)).toBe('in 7 days');
    expect(formatWhen(nowS + 30 * 86400 + 5, NOW)).toBe('in 30 days');
    expect(formatWhen(nowS - 60 * 86400, NOW)).toMatch(/^2026-03-1[56]$/);
  });
  it('today from local midnight, and the last 30 days, up to this second', () => {
    const [today, month] = usageWindows(NOW);
    expect(today.from).toBe(Math.floor(new Date(2026, 4, 15).getTime() / 1000));
    expect(today.to).toBe(nowS + 1);
    expect(month.to - month.from).toBe(30 * 86400 + 1);
    expect(usagePath('a.b', today)).toBe(`/api/admin/usage?user=a.b&from=${today.from}&to=${nowS + 1}`);
  });
  it('costs: "not priced" rather than 0 when nothing had a price', () => {
    expect(formatCost(null)).toBe('not priced');
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.00123)).toBe('$0.0012');
    expect(formatCost(12.5)).toBe('$12.50');
  });
});
