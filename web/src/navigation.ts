// The history API as a hook: the current path below /dashboard, and
// navigate() to another without a page load.
import { useEffect, useState } from 'preact/hooks';
import { appPath, href } from './routes';

const EVENT = 'aisbf:navigate';

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  const url = href(path);
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(EVENT));
}

export function useLocation(): { path: string; search: string } {
  const read = () => ({ path: appPath(location.pathname), search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}
