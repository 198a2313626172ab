// The app shell: who is signed in, which page the path is, the navigation
// by role, the theme toggle and sign-out.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Me } from './api';
import { Link, LoadingScreen, LogoIcon, LogoutIcon, MenuIcon, MoonIcon, SunIcon, UserIcon } from './components';
import { navigate, useLocation } from './navigation';
import { Login } from './pages/Login';
import { VIEWS } from './pages/registry';
import { NotAllowed, NotFound } from './pages/Status';
import { matchPage, navSections, safeNext, type PageDef } from './routes';
import {
  adopt, hasSessionHint, isPasswordChangeRequired, isSessionLost, SessionContext, type Session,
} from './session';
import { currentTheme, setTheme, type Theme } from './theme';

function ThemeToggle() {
  const [theme, setLocal] = useState<Theme>(currentTheme());
  // Without a choice of the user's, the system's scheme may change meanwhile.
  useEffect(() => {
    const query = window.matchMedia?.('(prefers-color-scheme: dark)');
    const follow = () => setLocal(currentTheme());
    query?.addEventListener('change', follow);
    return () => query?.removeEventListener('change', follow);
  }, []);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" class="icon-button" aria-label={`Use the ${next} theme`} title={`Use the ${next} theme`}
      onClick={() => { setTheme(next); setLocal(next); }}>
      {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}

function Header(props: {
  me: Me | null;
  path: string;
  onSignOut?: () => void;
  minimal?: boolean;
  menuOpen?: boolean;
  onMenu?: () => void;
}) {
  const signedIn = props.me && !props.minimal;
  return (
    <header class="topbar">
      <a class="skip-link" href="#main">Skip to content</a>
      <div class="brand">
        <LogoIcon />
        <span>aisbf</span>
      </div>
      <div class="topbar-end">
        {signedIn && (
          <button type="button" class="button button-quiet menu-button" aria-expanded={props.menuOpen ? 'true' : 'false'}
            aria-controls="main-nav" onClick={props.onMenu}>
            <MenuIcon />
            <span>Menu</span>
          </button>
        )}
        <ThemeToggle />
        {signedIn && (
          <Link to="/profile" class="icon-button" current={props.path === '/profile'}>
            <UserIcon />
            <span class="visually-hidden">Profile ({props.me!.user})</span>
          </Link>
        )}
        {props.me && props.onSignOut && (
          <button type="button" class="button button-quiet" aria-label="Sign out" onClick={props.onSignOut}>
            <LogoutIcon />
            <span class="hide-narrow">Sign out</span>
          </button>
        )}
      </div>
    </header>
  );
}

// The main navigation, in sections; a side column on wide screens, a menu
// opened from the header on narrow ones.
function Navigation(props: { role: Me['role']; path: string; open: boolean }) {
  const sections = navSections(props.role);
  return (
    <nav id="main-nav" class={`nav${props.open ? ' nav-open' : ''}`} aria-label="Main">
      {sections.map((s) => (
        <div class="nav-section" key={s.group}>
          <p class="nav-heading" id={`nav-${s.group.replace(/\s+/g, '-').toLowerCase()}`}>{s.group}</p>
          <ul aria-labelledby={`nav-${s.group.replace(/\s+/g, '-').toLowerCase()}`}>
            {s.pages.map((p: PageDef) => (
              <li key={p.id}>
                <Link to={p.path} class="nav-link" current={props.path === p.path}>{p.navTitle ?? p.title}</Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

export function App() {
  const { path, search } = useLocation();
  // undefined: still asking the server; null: nobody signed in.
  const [me, setMe] = useState<Me | null | undefined>(hasSessionHint() ? undefined : null);

  const [menuOpen, setMenuOpen] = useState(false);
  // A narrow screen shows the navigation on demand; a page change closes it.
  useEffect(() => setMenuOpen(false), [path]);

  const update = (next: Me | null) => {
    adopt(next);
    setMe(next);
  };

  useEffect(() => {
    if (me !== undefined) return;
    api<Me>('GET', '/api/auth/me').then(
      (m) => update(m.kind === 'session' ? m : null),
      () => update(null),
    );
  }, []);

  const session: Session | null = useMemo(() => {
    if (!me) return null;
    return {
      me,
      update,
      intercept(error: unknown) {
        if (isSessionLost(error)) {
          update(null);
          return true;
        }
        if (isPasswordChangeRequired(error)) {
          update({ ...me, must_change_password: true });
          return true;
        }
        return false;
      },
    };
  }, [me]);

  // Where the path may not be shown to this visitor, go where it should.
  const redirect = useMemo(() => {
    if (me === undefined) return null;
    if (!me) return path === '/login' ? null : `/login${path === '/' ? '' : `?next=${encodeURIComponent(path)}`}`;
    if (path === '/login') return safeNext(new URLSearchParams(search).get('next'));
    if (me.must_change_password && path !== '/change-password') return '/change-password';
    return null;
  }, [me, path, search]);

  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  useEffect(() => {
    const match = matchPage(path, me?.role ?? null);
    const title = match.kind === 'page' ? match.page.title : match.kind === 'not-allowed' ? 'Not allowed' : 'No such page';
    document.title = `${title} · aisbf`;
  }, [path, me]);

  const signOut = async () => {
    try {
      await api('POST', '/api/auth/logout');
    } catch {
      /* the session is gone either way */
    }
    update(null);
  };

  if (me === undefined || redirect) return <LoadingScreen />;

  if (!me) {
    return (
      <>
        <Header me={null} path={path} />
        <Login onSignedIn={update} />
      </>
    );
  }

  const match = matchPage(path, me.role);
  let page;
  if (match.kind === 'not-allowed') page = <NotAllowed path={match.path} />;
  else if (match.kind === 'not-found' || match.page.id === 'login') page = <NotFound path={path} />;
  else {
    const View = VIEWS[match.page.id];
    page = <View key={match.page.id} />;
  }
  return (
    <SessionContext.Provider value={session}>
      <Header me={me} path={path} onSignOut={signOut} minimal={me.must_change_password} menuOpen={menuOpen}
        onMenu={() => setMenuOpen((o) => !o)} />
      {me.must_change_password ? page : (
        <div class="layout">
          <Navigation role={me.role} path={path} open={menuOpen} />
          {page}
        </div>
      )}
    </SessionContext.Provider>
  );
}
