// A page whose code is fetched when it is first opened: the overview (what
// most visits load first) does not carry every page's script. The module is
// fetched once and kept; a failed fetch (a new version deployed meanwhile,
// the gateway gone) says so and offers a reload.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Alert, LoadingScreen } from '../components';

export function lazyPage(load: () => Promise<ComponentType>): ComponentType {
  let loaded: ComponentType | null = null;
  let pending: Promise<ComponentType> | null = null;
  return function LazyPage() {
    const [View, setView] = useState<ComponentType | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (View) return;
      let live = true;
      pending ??= load().then((v) => (loaded = v));
      pending.then(
        (v) => live && setView(() => v),
        () => {
          pending = null; // the next visit tries again
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (failed) {
      return (
        <main id="main" class="page">
          <Alert>
            This page’s code could not be loaded. The gateway may have been updated or stopped meanwhile.{' '}
            <button type="button" class="link-button" onClick={() => location.reload()}>Reload</button>
          </Alert>
        </main>
      );
    }
    if (!View) return <LoadingScreen />;
    return <View />;
  };
}
