// Small shared state: the session, the cart's item count and the unread count, each with a hook.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api/client';
import { session, type User } from './api/session';
import { errorText } from './i18n';

export function useUser(): User | null {
  const [user, setUser] = useState(session.user);
  useEffect(() => session.subscribe(() => setUser(session.token || session.refreshToken ? session.user : null)), []);
  return user;
}

/** A value that many components show and any of them may update (cart count, unread count). */
export function shared<T>(initial: T) {
  let value = initial;
  const listeners = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(next: T) {
      value = next;
      listeners.forEach((l) => l(next));
    },
    use(): T {
      const [v, setV] = useState(value);
      useEffect(() => {
        listeners.add(setV);
        return () => void listeners.delete(setV);
      }, []);
      return v;
    },
  };
}

export const cartCount = shared(0);
export const unreadCount = shared(0);

export interface Async<T> {
  data?: T;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Loads on mount and whenever `deps` change; errors become a sentence for the shopper. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error: string | null; loading: boolean }>({ error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState({ error: describe(error), loading: false }),
    );
    return () => void (live = false);
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) return errorText(error.code ?? 'INTERNAL', error.message);
  return errorText('network');
}
