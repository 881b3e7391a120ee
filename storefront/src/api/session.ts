// The signed-in session: the access token only in memory, the refresh token in sessionStorage
// (this tab survives a reload; another tab or a closed browser signs in again).
import type { SessionFieldsFragment } from '../gql/graphql';

export type User = NonNullable<SessionFieldsFragment['user']>;

interface Session {
  accessToken: string;
  expiresAt: number;
  user: User | null;
}

const REFRESH_KEY = 'shop.refresh';
const USER_KEY = 'shop.user';
// Refresh this long before the access token expires, so no request is sent with a dead token.
const REFRESH_MARGIN_MS = 60_000;

let current: Session | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

export const session = {
  get token(): string | null {
    return current?.accessToken ?? null;
  },
  get user(): User | null {
    return current?.user ?? readUser();
  },
  get refreshToken(): string | null {
    return sessionStorage.getItem(REFRESH_KEY);
  },
  /** Keeps a fresh sign-in and schedules its refresh via `onDue`. */
  start(payload: SessionFieldsFragment, onDue: () => void): void {
    if (!payload.accessToken || !payload.refreshToken) return;
    const ttl = (payload.expiresIn ?? 900) * 1000;
    current = { accessToken: payload.accessToken, expiresAt: Date.now() + ttl, user: payload.user ?? null };
    sessionStorage.setItem(REFRESH_KEY, payload.refreshToken);
    if (payload.user) sessionStorage.setItem(USER_KEY, JSON.stringify(payload.user));
    clearTimeout(timer);
    timer = setTimeout(onDue, Math.max(ttl - REFRESH_MARGIN_MS, ttl / 2));
    emit();
  },
  clear(): void {
    current = null;
    clearTimeout(timer);
    sessionStorage.removeItem(REFRESH_KEY);
    sessionStorage.removeItem(USER_KEY);
    emit();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

function readUser(): User | null {
  const raw = sessionStorage.getItem(USER_KEY);
  return raw ? (JSON.parse(raw) as User) : null;
}

function emit(): void {
  for (const listener of listeners) listener();
}
