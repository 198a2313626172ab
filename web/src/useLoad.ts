// Data for a page: loading, then the data or the error, and a reload.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useSession } from './session';

export type Load<T> =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; data: T };

export function useLoad<T>(fetcher: () => Promise<T>): [Load<T>, () => void] {
  const session = useSession();
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setLoad({ state: 'loading' });
    fetcher().then(
      (data) => live && setLoad({ state: 'ready', data }),
      (err) => {
        if (!live || session.intercept(err)) return;
        setLoad({ state: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [load, reload];
}
