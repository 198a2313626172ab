// The dashboard's client routes: which page a path under /dashboard/ is,
// and who may see it. Pure (no DOM), tested in routes.test.ts.

export const BASE = '/dashboard';

export type PageId = 'overview' | 'login' | 'change-password' | 'profile' | 'response-cache';

export interface PageDef {
  id: PageId;
  path: string; // below BASE, e.g. '/profile'
  title: string;
  admin?: boolean; // only for admins (the API refuses the others anyway)
  public?: boolean; // shown without a session
  nav?: boolean; // a link in the main navigation
}

export const PAGES: readonly PageDef[] = [
  { id: 'overview', path: '/', title: 'Overview', nav: true },
  { id: 'response-cache', path: '/response-cache', title: 'Response cache', admin: true, nav: true },
  { id: 'profile', path: '/profile', title: 'Profile' },
  { id: 'change-password', path: '/change-password', title: 'Change password' },
  { id: 'login', path: '/login', title: 'Sign in', public: true },
];

// AISBF's admin pages, built or not: a user who opens one is told it is not
// for them, whatever this version has built.
export const ADMIN_PATHS: readonly string[] = [
  '/providers', '/rotations', '/autoselect', '/prompts', '/condensation', '/settings', '/users',
  '/analytics', '/rate-limits', '/response-cache', '/tor',
];

// '/dashboard/profile/?x=1' → '/profile'; anything outside BASE → '/'.
export function appPath(pathname: string): string {
  let p = pathname.split(/[?#]/, 1)[0];
  if (p !== BASE && !p.startsWith(`${BASE}/`)) return '/';
  p = p.slice(BASE.length);
  p = p.replace(/\/+$/, '');
  p = p.replace(/\/{2,}/g, '/');
  return p === '' ? '/' : p;
}

export function href(path: string): string {
  return path === '/' ? `${BASE}/` : `${BASE}${path}`;
}

export type Match =
  | { kind: 'page'; page: PageDef }
  | { kind: 'not-allowed'; path: string }
  | { kind: 'not-found'; path: string };

// The page for `path` (an appPath) as `role` sees it.
export function matchPage(path: string, role: 'admin' | 'user' | null): Match {
  const page = PAGES.find((p) => p.path === path);
  const adminOnly = page?.admin === true || ADMIN_PATHS.some((a) => path === a || path.startsWith(`${a}/`));
  if (adminOnly && role !== 'admin') return { kind: 'not-allowed', path };
  if (!page) return { kind: 'not-found', path };
  return { kind: 'page', page };
}

// The pages a role sees in the navigation, in order.
export function navPages(role: 'admin' | 'user' | null): PageDef[] {
  return PAGES.filter((p) => p.nav && (!p.admin || role === 'admin'));
}

// A `next` parameter is followed only to a path of the dashboard itself.
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/';
  const p = appPath(`${BASE}${next}`);
  return p === '/login' ? '/' : p;
}
