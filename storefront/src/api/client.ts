// The one GraphQL endpoint: queries and mutations over fetch, subscriptions over WebSocket
// (graphql-transport-ws) with Server-Sent Events as the fallback, the session refreshed on time.
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql';
import { FORCED_TRANSPORT, GRAPHQL_URL, WS_URL } from './config';
import { REFRESH } from './operations';
import { session } from './session';
import type { SessionFieldsFragment } from '../gql/graphql';

export interface GraphQLErrorItem {
  message: string;
  extensions?: { code?: string };
}

/** A GraphQL error answer (not a payload's `errors`, which are data). */
export class ApiError extends Error {
  constructor(readonly errors: GraphQLErrorItem[]) {
    super(errors.map((e) => e.message).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

type Doc<R, V> = TypedDocumentString<R, V>;

/** Called when the session cannot be renewed: the app sends the shopper to sign in. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

async function post<R, V>(doc: Doc<R, V>, variables: V | undefined, token: string | null): Promise<{ data?: R; errors?: GraphQLErrorItem[] }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(GRAPHQL_URL, { method: 'POST', headers, body: JSON.stringify({ query: doc.toString(), variables }) });
  return response.json();
}

/** Runs a query or mutation; an expired token is refreshed once and the call repeated. */
export async function request<R, V>(doc: Doc<R, V>, ...[variables]: V extends Record<string, never> ? [] | [V] : [V]): Promise<R> {
  let body = await post(doc, variables, session.token);
  if (body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED') && session.refreshToken) {
    if (await refresh()) body = await post(doc, variables, session.token);
  }
  if (body.errors?.length) {
    if (body.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) onSignedOut();
    throw new ApiError(body.errors);
  }
  return body.data as R;
}

let refreshing: Promise<boolean> | null = null;

/** Rotates the refresh token; a refused one ends the session (and sends the shopper to sign in). */
export function refresh(): Promise<boolean> {
  const token = session.refreshToken;
  if (!token) return Promise.resolve(false);
  refreshing ??= post(REFRESH, { token }, null)
    .then((body) => {
      const payload = body.data?.refreshSession;
      if (payload?.accessToken) {
        startSession(payload);
        return true;
      }
      session.clear();
      onSignedOut();
      return false;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * Keeps a sign-in and renews it before it expires. Live connections are opened again only when
 * the shopper changes: a renewal keeps the open subscriptions (new connections take the new token).
 */
export function startSession(payload: SessionFieldsFragment): void {
  const before = session.user?.id;
  session.start(payload, () => void refresh());
  if (payload.user?.id !== before) resetLive();
}

export function endSession(): void {
  session.clear();
  resetLive();
}

let ws: WsClient | null = null;
let sse: SseClient | null = null;
// Set once WebSocket has failed to connect: later subscriptions go straight to SSE.
let wsBroken = FORCED_TRANSPORT === 'sse';
let wsUp = false;

function authHeaders(): Record<string, string> {
  return session.token ? { Authorization: `Bearer ${session.token}` } : {};
}

function resetLive(): void {
  ws?.dispose();
  sse?.dispose();
  ws = sse = null;
  wsUp = false;
}

export type Transport = 'ws' | 'sse';

/**
 * Subscribes; `onData` gets every event, `onTransport` says which way it arrived. WebSocket
 * first; if its connection cannot open, the same subscription is made over SSE.
 */
export function subscribe<R, V>(doc: Doc<R, V>, variables: V, onData: (data: R) => void, onTransport?: (t: Transport) => void): () => void {
  const payload = { query: doc.toString(), variables: variables as Record<string, unknown> };
  let stop = () => {};
  let stopped = false;
  const sink = (transport: Transport, fallback?: () => void) => ({
    next: (value: { data?: unknown }) => {
      if (value.data) onData(value.data as R);
    },
    error: () => fallback?.(),
    complete: () => {},
    transport,
  });
  const overSse = () => {
    if (stopped) return;
    sse ??= createSseClient({ url: GRAPHQL_URL, headers: authHeaders, retryAttempts: 5 });
    onTransport?.('sse');
    stop = sse.subscribe(payload, sink('sse'));
  };
  if (wsBroken) {
    overSse();
  } else {
    if (!ws) {
      // A socket that never opened is not retried (SSE takes over at once); one that dropped after
      // working reconnects with backoff and its subscriptions are made again.
      let everConnected = false;
      ws = createWsClient({
        url: WS_URL, lazy: true, retryAttempts: 8, shouldRetry: () => everConnected, connectionParams: authHeaders,
      });
      ws.on('connected', () => void (wsUp = everConnected = true));
      ws.on('closed', () => void (wsUp = false));
    }
    let acked = wsUp;
    if (acked) onTransport?.('ws');
    const offConnected = ws.on('connected', () => {
      acked = true;
      onTransport?.('ws');
    });
    stop = ws.subscribe(payload, sink('ws', () => {
      offConnected();
      if (acked) return;
      wsBroken = true;
      overSse();
    }));
  }
  return () => {
    stopped = true;
    stop();
  };
}
