import { describe, expect, it } from 'vitest';
import { appPath, href, matchPage, navSections, PAGES, prefixFrom, safeNext } from './routes';

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
  it('has no page for an unknown path, nor for lookalike paths', () => {
    expect(matchPage('/no-such-page', 'admin')).toEqual({ kind: 'not-found', path: '/no-such-page' });
    expect(matchPage('/user/no-such-page', 'user').kind).toBe('not-found');
    expect(matchPage('/usersx', 'user').kind).toBe('not-found');
    expect(matchPage('/response-cachex', 'admin').kind).toBe('not-found');
  });
  it('has one page per path and per id', () => {
    expect(new Set(PAGES.map((p) => p.path)).size).toBe(PAGES.length);
    expect(new Set(PAGES.map((p) => p.id)).size).toBe(PAGES.length);
  });
});

describe('navigation', () => {
  it('shows admin pages to admins only, in sections', () => {
    const ids = (role: 'admin' | 'user') => navSections(role).flatMap((s) => s.pages.map((p) => p.id));
    expect(ids('admin')).toContain('response-cache');
    expect(ids('admin')[0]).toBe('overview');
    expect(ids('user')).not.toContain('response-cache');
    for (const role of ['admin', 'user'] as const) {
      for (const s of navSections(role)) {
        expect(s.pages.length).toBeGreaterThan(0);
        for (const p of s.pages) expect(matchPage(p.path, role).kind).toBe('page');
      }
    }
  });
  it('follows next only within the dashboard', () => {
    expect(safeNext(null)).toBe('/');
    expect(safeNext('/profile')).toBe('/profile');
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/login')).toBe('/');
  });
});

describe('prefixFrom', () => {
  it('takes a plain absolute path a proxy serves aisbf under', () => {
    expect(prefixFrom('/gw')).toBe('/gw');
    expect(prefixFrom('/tools/aisbf-1.2')).toBe('/tools/aisbf-1.2');
  });
  it('takes nothing else', () => {
    for (const bad of [null, undefined, '', '/', 'gw', '/gw/', '//evil.example', '/gw/../x', '/./gw', '/g w', 'https://x/gw']) {
      expect(prefixFrom(bad)).toBe('');
    }
  });
});
