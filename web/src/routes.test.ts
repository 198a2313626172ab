import { describe, expect, it } from 'vitest';
import { appPath, href, matchPage, navPages, safeNext } from './routes';

describe('appPath', () => {
  it('strips the base, a trailing slash, a query and doubled slashes', () => {
    expect(appPath('/dashboard')).toBe('/');
    expect(appPath('/dashboard/')).toBe('/');
    expect(appPath('/dashboard/profile')).toBe('/profile');
    expect(appPath('/dashboard/profile/')).toBe('/profile');
    expect(appPath('/dashboard/user//tokens?x=1#y')).toBe('/user/tokens');
  });
  it('treats a path outside the dashboard as its root', () => {
    expect(appPath('/')).toBe('/');
    expect(appPath('/dashboardx/profile')).toBe('/');
    expect(appPath('/api/auth/me')).toBe('/');
  });
  it('is the inverse of href', () => {
    for (const p of ['/', '/profile', '/change-password', '/response-cache']) expect(appPath(href(p))).toBe(p);
    expect(href('/')).toBe('/dashboard/');
  });
});

describe('matchPage', () => {
  it('finds the built pages for both roles', () => {
    for (const role of ['admin', 'user'] as const) {
      expect(matchPage('/', role)).toMatchObject({ kind: 'page', page: { id: 'overview' } });
      expect(matchPage('/profile', role)).toMatchObject({ kind: 'page', page: { id: 'profile' } });
      expect(matchPage('/change-password', role)).toMatchObject({ kind: 'page', page: { id: 'change-password' } });
    }
  });
  it('says "not allowed" to a user on any admin page, built or not', () => {
    expect(matchPage('/response-cache', 'user')).toEqual({ kind: 'not-allowed', path: '/response-cache' });
    expect(matchPage('/users', 'user').kind).toBe('not-allowed');
    expect(matchPage('/settings/tls', 'user').kind).toBe('not-allowed');
    expect(matchPage('/response-cache', 'admin')).toMatchObject({ kind: 'page', page: { id: 'response-cache' } });
  });
  it('has no page for what is not built, nor for lookalike paths', () => {
    expect(matchPage('/users', 'admin')).toEqual({ kind: 'not-found', path: '/users' });
    expect(matchPage('/user/tokens', 'user').kind).toBe('not-found');
    expect(matchPage('/usersx', 'user').kind).toBe('not-found');
  });
});

describe('navigation', () => {
  it('shows admin pages to admins only', () => {
    expect(navPages('admin').map((p) => p.id)).toEqual(['overview', 'response-cache']);
    expect(navPages('user').map((p) => p.id)).toEqual(['overview']);
  });
  it('follows next only within the dashboard', () => {
    expect(safeNext(null)).toBe('/');
    expect(safeNext('/profile')).toBe('/profile');
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/login')).toBe('/');
  });
});
