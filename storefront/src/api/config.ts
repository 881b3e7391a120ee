// Runtime settings, written by the server of these files into /config.js (window.SHOP_CONFIG).
declare global {
  interface Window {
    SHOP_CONFIG?: { graphqlUrl?: string; transport?: 'ws' | 'sse' };
  }
}

const given = window.SHOP_CONFIG ?? {};
const params = new URLSearchParams(location.search);

export const GRAPHQL_URL = given.graphqlUrl ?? 'http://localhost:4000/graphql';
export const WS_URL = GRAPHQL_URL.replace(/^http/, 'ws');
// `?transport=sse` forces the Server-Sent Events path (the fallback when WebSocket is blocked).
export const FORCED_TRANSPORT = (params.get('transport') ?? given.transport) as 'ws' | 'sse' | null;
