// Data for a page: loading, then the data or the error, and a reload.
//
// A reload keeps what was shown (`refreshing` while it runs): a page does
// not fall back to its loading view after each write, which would unmount
// what it holds (a token shown once, a form, the focused button). Only the
// first load, or one after an error, shows `loading`. The error keeps what
// was thrown (an ApiError's status and code), not only its text.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from './session';

export type Load<T> =
  | { state: 'loading' }
  | { state: 'error'; message: string; error: unknown }
  | { state: 'ready'; data: T; refreshing: boolean };

// The state while a (re)load runs.
export function loadStarted<T>(prev: Load<T>): Load<T> {
  return prev.state === 'ready' ? { ...prev, refreshing: true } : { state: 'loading' };
}

export function loadDone<T>(data: T): Load<T> {
  return { state: 'ready', data, refreshing: false };
}

export function loadFailed<T>(error: unknown): Load<T> {
  return { state: 'error', message: error instanceof Error ? error.message : String(error), error };
}

// A load is running (first or reload): a Refresh button waits.
export function isBusy(load: Load<unknown>): boolean {
  return load.state === 'loading' || (load.state === 'ready' && load.refreshing);
}

// `reload()` resolves when that load has settled (data or error), so that
// a page can say "done" once the list it shows is the new one.
export function useLoad<T>(fetcher: () => Promise<T>): [Load<T>, () => Promise<void>] {
  const session = useSession();
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const waiting = useRef<(() => void)[]>([]);
  useEffect(() => {
    let live = true;
    setLoad(loadStarted);
    fetcher()
      .then(
        (data) => live && setLoad(loadDone(data)),
        (err) => {
          if (!live || session.intercept(err)) return;
          setLoad(loadFailed(err));
        },
      )
      .finally(() => {
        // A superseded load leaves its waiters to the one that replaced it.
        if (live) for (const resolve of waiting.current.splice(0)) resolve();
      });
    return () => {
      live = false;
    };
  }, [round]);
  const reload = useCallback(
    () =>
      new Promise<void>((resolve) => {
        waiting.current.push(resolve);
        setRound((r) => r + 1);
      }),
    [],
  );
  return [load, reload];
}
