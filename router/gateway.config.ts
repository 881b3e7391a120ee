// Hive Gateway configuration, read from this folder (the working directory) by
//   node_modules/.bin/hive-gateway supergraph <supergraph file> --port 4000 --host 127.0.0.1
// Subgraph URLs come from the supergraph file alone (nothing here names a host or a port).
// Settings come from the environment, as for the subgraphs (shop/stack.py passes them from
// subgraphs/common/settings.py; the defaults here are the same development defaults).
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { defineConfig, type GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError } from 'graphql';
import { adminGraphiQL } from './graphiql';
import { useLiteralLimits } from './literals';
import { useShowcaseCache } from './showcaseCache';

/** A comma-separated list from the environment, or `fallback` when unset. */
const list = (name: string, fallback: string[]) =>
  process.env[name] === undefined ? fallback : process.env[name]!.split(',').map((s) => s.trim()).filter(Boolean);

/** A boolean as pydantic reads one (`0`, `false`, `off`, `no` are false). */
const flag = (name: string, fallback: boolean) => {
  const value = process.env[name]?.trim().toLowerCase();
  return value === undefined || value === '' ? fallback : !['0', 'false', 'off', 'no', 'f', 'n'].includes(value);
};

const SETTINGS = {
  // Browser origins answered with CORS headers (and credentials); any other origin gets none.
  corsOrigins: list('SHOP_CORS_ORIGINS', ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://localhost:5173', 'http://127.0.0.1:5173']),
  // Admins' GraphiQL on GET /graphql; SHOP_GRAPHIQL=false turns it off (and the subgraphs' too).
  graphiql: flag('SHOP_GRAPHIQL', true),
  // Anonymous showcase answers kept this many seconds (showcaseCache.ts); SHOP_SHOWCASE_CACHE=false
  // turns off this cache and the catalog's, SHOP_SHOWCASE_GATEWAY_TTL=0 this one alone.
  showcaseTtlMs: flag('SHOP_SHOWCASE_CACHE', true) ? 1000 * Number(process.env.SHOP_SHOWCASE_GATEWAY_TTL || 0.5) : 0,
  showcaseEntries: Number(process.env.SHOP_SHOWCASE_CACHE_ENTRIES || 2000),
  // Past that short life, an answer is kept up to this many seconds while the catalog's showcase
  // generation, asked at this URL every poll interval with that route's own credential (derived from the
  // service credential, which this process never holds), vouches for it (shop/stack.py passes both;
  // without them: the short life alone).
  showcaseMaxAgeMs: 1000 * Number(process.env.SHOP_SHOWCASE_GATEWAY_MAX_AGE || 30),
  showcasePollMs: 1000 * Number(process.env.SHOP_SHOWCASE_GATEWAY_POLL_INTERVAL || 0.1),
  showcaseGenerationUrl: process.env.SHOP_SHOWCASE_GENERATION_URL,
  pollToken: process.env.SHOP_SHOWCASE_POLL_TOKEN,
};

/** Where the catalog's showcase generation is asked, when the environment says. */
const showcaseGeneration = () =>
  SETTINGS.showcaseGenerationUrl && SETTINGS.pollToken
    ? { url: SETTINGS.showcaseGenerationUrl, token: SETTINGS.pollToken, intervalMs: SETTINGS.showcasePollMs }
    : undefined;

/**
 * Hive Router's query planner and executor, a native addon built for Linux and macOS: about a third
 * less of the gateway's CPU per showcase page than the default stitching runtime (bench/README.md).
 * Where the addon cannot load, the default runtime serves the same supergraph.
 */
const routerRuntime = await import('@graphql-hive/router-query-planner').then(
  // The runtime loads the addon only with the first supergraph: asked first here, a missing one is seen now.
  async () => (await import('@graphql-hive/router-runtime')).unifiedGraphHandler,
  (error: unknown) => void console.warn(`Hive Router's runtime is unavailable here (${error}); the stitching runtime serves instead.`),
);

/** Limits that refuse abusive operations before any subgraph sees them. */
const LIMITS = {
  // The deepest legitimate public query is 7 levels:
  // orders → edges → node → items → product → category → name.
  maxDepth: 10,
  maxTokens: 2000,
  maxAliases: 15,
  maxBodyBytes: Number(process.env.SHOP_MAX_BODY_BYTES || 100 * 1024),
};

/** Gives a graphql-armor rejection the same `extensions.code` Apollo Router's limits answer with. */
const withCode = (code: string) => [(_: unknown, error: GraphQLError) => void Object.assign(error.extensions, { code })];

/**
 * Puts the caller's `Authorization` on the context as `authorization`: the HTTP header, or on
 * WebSocket the `connection_init` payload's `Authorization` (or `authorization`) key.
 */
function useCallerAuthorization(): GatewayPlugin {
  return {
    onContextBuilding({ context, extendContext }) {
      const { request, connectionParams: params = {} } = context as { request?: Request; connectionParams?: Record<string, unknown> };
      const value = params['Authorization'] ?? params['authorization'] ?? request?.headers.get('authorization');
      if (typeof value === 'string' && value !== '') extendContext({ authorization: value } as never);
    },
  };
}

/**
 * Puts the chain of client addresses on the context as `forwardedFor`: the X-Forwarded-For the
 * caller sent, then the address the caller's connection comes from. Users believes the chain only
 * from trusted proxies, right to left, and counts sign-in failures per client address with it.
 */
function useClientAddress(): GatewayPlugin {
  return {
    onContextBuilding({ context, extendContext }) {
      const { request, req } = context as { request?: Request; req?: { socket?: { remoteAddress?: string } } };
      const chain = [request?.headers.get('x-forwarded-for'), req?.socket?.remoteAddress].filter((hop) => hop);
      if (chain.length > 0) extendContext({ forwardedFor: chain.join(', ') } as never);
    },
  };
}

/** CORS for the allowed origins only, with credentials; a foreign origin gets no CORS header at all. */
function corsFor(origins: string[]) {
  const allowed = new Set(origins);
  return (request: Request) =>
    allowed.has(request.headers.get('origin') ?? '')
      ? { origin: origins, credentials: true, methods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 }
      : false;
}

/**
 * Answers 413 to a request body over `maxBytes`: at once when `Content-Length` says so, else (a
 * chunked body) as soon as the streamed bytes pass the limit, before the body is parsed.
 * graphql-yoga has no such limit of its own.
 */
function useRequestBodyLimit(maxBytes: number): GatewayPlugin {
  const message = `Request body is larger than ${maxBytes} bytes.`;
  const tooLarge = () => new GraphQLError(message, { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } } });
  return {
    // WebSocket messages bypass onRequest: bound the operation text itself too.
    onParams({ params }) {
      if ((params.query?.length ?? 0) > maxBytes) throw tooLarge();
    },
    onRequest({ request, setRequest, endResponse, fetchAPI }) {
      if (request.method === 'GET' || request.method === 'HEAD' || !request.body) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (Number(declared) > maxBytes) {
          endResponse(
            fetchAPI.Response.json(
              { errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
              { status: 413, headers: { connection: 'close' } },
            ),
          );
        }
        // Node's HTTP parser never delivers more than the declared length.
        return;
      }
      let seen = 0;
      const counted = request.body.pipeThrough(
        new fetchAPI.TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen += chunk.byteLength;
            if (seen > maxBytes) controller.error(tooLarge());
            else controller.enqueue(chunk);
          },
        }),
      );
      setRequest(
        new fetchAPI.Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: counted,
          signal: request.signal,
          // @ts-expect-error `duplex` is required by Node for a streamed body, missing from the DOM types
          duplex: 'half',
        }),
      );
    },
  };
}

export const gatewayConfig = defineConfig({
  ...(routerRuntime ? { unifiedGraphHandler: routerRuntime } : {}),
  // GET /graphql in a browser: GraphiQL (Hive Laboratory) with the admins' ready operations. POST application/json: GraphQL.
  graphqlEndpoint: '/graphql',
  graphiql: SETTINGS.graphiql ? adminGraphiQL : false,
  // graphql-yoga's default reflects any origin with credentials.
  cors: corsFor(SETTINGS.corsOrigins),
  landingPage: false,
  // Errors a subgraph answers (GraphQL errors, with their `extensions.code`: UNAUTHENTICATED,
  // FORBIDDEN, BAD_USER_INPUT, …) reach clients unchanged, plus `extensions.serviceName`. Masking,
  // on by default, hides only the gateway's own unexpected errors (a subgraph that is down
  // answers "Unexpected error.", not its address and the request body).
  maskedErrors: true,
  // Same rule as Apollo Router's default CSRF prevention: a request that a browser would send
  // without a CORS preflight (GET, form posts) must carry one of these headers.
  csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'x-graphql-yoga-csrf'] },
  maxTokens: LIMITS.maxTokens,
  // Subgraphs authenticate every request themselves: the gateway only forwards the caller's token,
  // and the chain of its addresses (users throttles sign-ins per client address).
  propagateHeaders: {
    fromClientToSubgraphs: ({ context }) => {
      const { authorization, forwardedFor } = context as { authorization?: string; forwardedFor?: string };
      return { authorization, 'x-forwarded-for': forwardedFor };
    },
  },
  transportEntries: {
    '*': {
      options: {
        // Merging identical in-flight queries costs a structured clone of every answer, merged or
        // not (3% of the gateway's CPU a page); repeated anonymous reads are the showcase cache's.
        deduplicateInflightRequests: false,
        // Strawberry's SSE framing yields no events through Hive Gateway: subscribe to subgraphs
        // over WebSocket on their /graphql path, carrying the caller's credentials both in the
        // upgrade request's headers and in the connection_init payload.
        subscriptions: {
          kind: 'ws',
          location: '/graphql',
          headers: [['authorization', '{context.authorization}']],
          options: { connectionParams: { Authorization: '{context.authorization}' } },
        },
      },
    },
  },
  plugins: () => [
    useRequestBodyLimit(LIMITS.maxBodyBytes),
    ...(SETTINGS.showcaseTtlMs > 0
      ? [
          useShowcaseCache({
            endpoint: '/graphql', ttlMs: SETTINGS.showcaseTtlMs, entries: SETTINGS.showcaseEntries,
            maxAgeMs: SETTINGS.showcaseMaxAgeMs, generation: showcaseGeneration(),
          }),
        ]
      : []),
    useCallerAuthorization(),
    useClientAddress(),
    maxDepthPlugin({ n: LIMITS.maxDepth, onReject: withCode('MAX_DEPTH_LIMIT') }) as GatewayPlugin,
    maxAliasesPlugin({ n: LIMITS.maxAliases, onReject: withCode('MAX_ALIASES_LIMIT') }) as GatewayPlugin,
    useLiteralLimits(),
  ],
});
