// Who is signed in, shared by the pages. The session cookie is HttpOnly, so
// the app keeps a hint (not a secret) in localStorage that one was opened:
// without it the login page shows at once, no request made.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiError, setCsrfToken, type Me } from './api';

const HINT = 'aisbf.signed-in';

export function hasSessionHint(): boolean {
  try {
    return localStorage.getItem(HINT) === '1';
  } catch {
    return true; // no storage: ask the server
  }
}

export function setSessionHint(on: boolean): void {
  try {
    if (on) localStorage.setItem(HINT, '1');
    else localStorage.removeItem(HINT);
  } catch {
    /* nothing to keep */
  }
}

export interface Session {
  me: Me;
  update(me: Me | null): void;
  // An API error a page could not handle: a lost session goes back to the
  // login page, a password to change to its page; true when handled so.
  intercept(error: unknown): boolean;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a session');
  return s;
}

export function adopt(me: Me | null): void {
  setCsrfToken(me?.csrf_token ?? '');
  setSessionHint(me !== null);
}

export function isSessionLost(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

export function isPasswordChangeRequired(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403 && error.code === 'password_change_required';
}
