// Moving focus where a change left the reader: done after the next render
// (the element may only exist then) and after the effects of the
// components inside it, so that a <dialog> closed by the same render has
// already given focus back to its opener and this request wins.
import { useCallback, useEffect, useState } from 'preact/hooks';

export function useFocusLater(): (id: string) => void {
  const [target, setTarget] = useState<{ id: string } | null>(null);
  useEffect(() => {
    if (target) document.getElementById(target.id)?.focus();
  }, [target]);
  return useCallback((id: string) => setTarget({ id }), []);
}
