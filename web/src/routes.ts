// The dashboard's client routes: which page a path under /dashboard/ is,
// and who may see it. Pure (no DOM), tested in routes.test.ts. A page is
// added here (its path, title, who may see it, its place in the
// navigation) and in pages/registry.ts (its component); the compiler checks
// that every id here has a component there.

// The path a reverse proxy serves aisbf under ("/gw"; "" at the root):
// aisbf writes it into index.html's aisbf-prefix meta, from a trusted
// proxy's X-Forwarded-Prefix only.
// What the meta says, if it is such a path (as the server checked it).
export function prefixFrom(content: string | null | undefined): string {
  if (!content || !/^(\/[A-Za-z0-9._~-]+)+$/.test(content)) return '';
  return content.split('/').some((s) => s === '.' || s === '..') ? '' : content;
}

export const PREFIX =
  typeof document === 'undefined' ? '' : prefixFrom(document.querySelector('meta[name="aisbf-prefix"]')?.getAttribute('content'));
export const BASE = `${PREFIX}/dashboard`;

export type Role = 'admin' | 'user';

// The navigation's sections, in the order shown.
export const NAV_GROUPS = ['Monitor', 'Configure', 'People', 'My namespace'] as const;
export type NavGroup = (typeof NAV_GROUPS)[number];

export interface PageDef {
  id: string;
  path: string; // below BASE, e.g. '/profile'
  title: string;
  admin?: boolean; // only for admins (the API refuses the others anyway)
  public?: boolean; // shown without a session
  nav?: NavGroup; // a link in that section of the main navigation
  navTitle?: string; // the link's text, when not the title
}

export const PAGES = [
  { id: 'overview', path: '/', title: 'Overview', nav: 'Monitor' },
  { id: 'analytics', path: '/analytics', title: 'Analytics', admin: true, nav: 'Monitor' },
  { id: 'rate-limits', path: '/rate-limits', title: 'Rate limits', admin: true, nav: 'Monitor' },
  { id: 'response-cache', path: '/response-cache', title: 'Response cache', admin: true, nav: 'Monitor' },
  { id: 'tor', path: '/tor', title: 'TOR', admin: true, nav: 'Monitor' },
  { id: 'providers', path: '/providers', title: 'Providers', admin: true, nav: 'Configure' },
  { id: 'rotations', path: '/rotations', title: 'Rotations', admin: true, nav: 'Configure' },
  { id: 'autoselect', path: '/autoselect', title: 'Autoselect', admin: true, nav: 'Configure' },
  { id: 'prompts', path: '/prompts', title: 'Prompts', admin: true, nav: 'Configure' },
  { id: 'condensation', path: '/condensation', title: 'Condensation', admin: true, nav: 'Configure' },
  { id: 'settings', path: '/settings', title: 'Settings', admin: true, nav: 'Configure' },
  { id: 'users', path: '/users', title: 'Users', admin: true, nav: 'People' },
  { id: 'user-providers', path: '/user/providers', title: 'My providers', nav: 'My namespace' },
  { id: 'user-rotations', path: '/user/rotations', title: 'My rotations', nav: 'My namespace' },
  { id: 'user-autoselects', path: '/user/autoselects', title: 'My autoselects', nav: 'My namespace' },
  { id: 'user-tokens', path: '/user/tokens', title: 'My tokens', nav: 'My namespace' },
  { id: 'profile', path: '/profile', title: 'Profile' },
  { id: 'change-password', path: '/change-password', title: 'Change password' },
  { id: 'login', path: '/login', title: 'Sign in', public: true },
] as const satisfies readonly PageDef[];

export type PageId = (typeof PAGES)[number]['id'];

// AISBF's admin paths: a user who opens one (or a path below it) is told it
// is not for them.
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
  | { kind: 'page'; page: (typeof PAGES)[number] }
  | { kind: 'not-allowed'; path: string }
  | { kind: 'not-found'; path: string };

function isAdminPage(page: PageDef | undefined): boolean {
  return page !== undefined && 'admin' in page && page.admin === true;
}

// The page for `path` (an appPath) as `role` sees it.
export function matchPage(path: string, role: Role | null): Match {
  const page = PAGES.find((p) => p.path === path);
  const adminOnly = isAdminPage(page) || ADMIN_PATHS.some((a) => path === a || path.startsWith(`${a}/`));
  if (adminOnly && role !== 'admin') return { kind: 'not-allowed', path };
  if (!page) return { kind: 'not-found', path };
  return { kind: 'page', page };
}

export interface NavSection {
  group: NavGroup;
  pages: PageDef[];
}

// The navigation a role sees: its sections in order, each with its pages
// in PAGES' order; a section with no page for the role is left out.
export function navSections(role: Role | null): NavSection[] {
  const visible = (PAGES as readonly PageDef[]).filter((p) => p.nav && (!isAdminPage(p) || role === 'admin'));
  return NAV_GROUPS.map((group) => ({ group, pages: visible.filter((p) => p.nav === group) })).filter(
    (s) => s.pages.length > 0,
  );
}

// A `next` parameter is followed only to a path of the dashboard itself.
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/';
  const p = appPath(`${BASE}${next}`);
  return p === '/login' ? '/' : p;
}
