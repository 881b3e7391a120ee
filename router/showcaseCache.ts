// The gateway's short-lived copy of anonymous showcase answers, in front of the catalog's own cache.
//
// Who is served from it: a POST to the GraphQL endpoint with a JSON body of at most MAX_BODY bytes,
// without `Authorization` and without `Cookie`. A request carrying either is never answered from
// it and its answer is never kept, so what a signed-in caller sees reaches nobody else, and a
// signed-in caller (a revoked token included) always gets its own answer.
// What is kept: the answer to a query whose root fields are all showcase fields (SHOWCASE_FIELDS),
// status 200, JSON, without `errors`, keyed by the exact body (document, variables, operation
// name) and the `Accept` header (which picks the response's content type). The subgraphs never
// see cookies and the catalog reads nothing else of a request, so nothing else changes the answer.
//
// Freshness: an entry lives `ttlMs` from the moment its request arrived (0.5 s by default), so an
// answer is never older than that plus the catalog's own staleness (its cache is emptied by
// PostgreSQL NOTIFY at every product, stock or category change, reservations included). A mutation
// through this gateway also empties it, as it starts and as its answer leaves, and an answer
// computed meanwhile is not kept: whoever writes through one gateway and reads next sees it at once.
// The catalog does not tell the gateway of changes: the short life bounds staleness for every
// other path (another gateway replica, the order saga's recovery, a change made in the database).
// Identical misses arriving together wait for the first one's answer rather than each planning and
// fetching it (under load, such a herd outlasted the TTL and the copy never answered). Past half its
// life an entry is renewed by the first request for it while the others are still answered with it,
// so under steady traffic no request waits for an expiry; nothing older than the TTL is ever served.
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { getOperationAST, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** Root fields whose answers are the same for every anonymous caller and may be kept. */
export const SHOWCASE_FIELDS = new Set(['products', 'product', 'categories', 'searchSuggestions', '__typename']);
/** Larger bodies pass through untouched (a showcase query is well under 4 kB). */
const MAX_BODY = 32 * 1024;
/** The response header saying whether the cache answered (`hit`) or will keep this answer (`miss`). */
export const CACHE_HEADER = 'x-showcase-cache';

export interface ShowcaseCacheOptions {
  /** The GraphQL endpoint's path. */
  endpoint: string;
  /** How long an answer is kept, in milliseconds; 0 keeps nothing. */
  ttlMs: number;
  /** The most answers kept; the oldest go first. */
  entries: number;
}

interface Entry {
  /** No request arriving later is answered with it. */
  expires: number;
  /** The first request arriving later computes the next answer; the others are still answered with this one. */
  renew: number;
  body: string;
  contentType: string;
}

interface Miss {
  key: string;
  generation: number;
  arrived: number;
  cacheable: boolean;
  /** Hands the answer, once kept (else undefined), to the requests waiting for it. */
  settle: (entry: Entry | undefined) => void;
}

/** True when every root selection of the set (through fragments) is a showcase field. */
function showcaseOnly(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): boolean {
  return set.selections.every((selection) => {
    if (selection.kind === Kind.FIELD) return SHOWCASE_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return showcaseOnly(selection.selectionSet, fragments, seen);
    const name = selection.name.value;
    const fragment = fragments.get(name);
    if (fragment === undefined || seen.has(name)) return false;
    seen.add(name);
    return showcaseOnly(fragment.selectionSet, fragments, seen);
  });
}

/** True when the operation is a query reading nothing but showcase root fields. */
export function readsShowcaseOnly(document: DocumentNode, operationName?: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined || operation.operation !== 'query') return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return showcaseOnly(operation.selectionSet, fragments);
}

/** The plugin; it answers repeated anonymous showcase reads before any parsing, planning or subgraph call. */
export function useShowcaseCache({ endpoint, ttlMs, entries }: ShowcaseCacheOptions): GatewayPlugin {
  const cache = new Map<string, Entry>();
  // Misses being computed, by key: the same request arriving meanwhile waits for that answer instead
  // of planning and fetching it again (under load, a herd of identical misses would outlast the TTL).
  const computing = new Map<string, Promise<Entry | undefined>>();
  const misses = new WeakMap<Request, Miss>();
  const writes = new WeakSet<Request>();
  let generation = 0;
  const forget = () => {
    generation += 1;
    cache.clear();
    computing.clear();
  };

  return {
    onRequest({ request, url, endResponse, setRequest, fetchAPI }) {
      if (ttlMs <= 0 || request.method !== 'POST' || url.pathname !== endpoint) return;
      const { headers } = request;
      const length = Number(headers.get('content-length') ?? NaN);
      if (headers.has('authorization') || headers.has('cookie') || !(length <= MAX_BODY)) return;
      if (!(headers.get('content-type') ?? '').startsWith('application/json')) return;
      const arrived = performance.now();
      const hit = (entry: Entry) =>
        endResponse(new fetchAPI.Response(entry.body, { status: 200, headers: { 'content-type': entry.contentType, [CACHE_HEADER]: 'hit' } }));
      const compute = (key: string, text: string, lead: boolean) => {
        let settle: (entry: Entry | undefined) => void = () => {};
        if (lead) {
          const answer = new Promise<Entry | undefined>((resolve) => {
            // A leader whose answer never comes (it failed before any response) frees its followers.
            const timer = setTimeout(() => resolve(undefined), 10_000);
            settle = (entry) => {
              clearTimeout(timer);
              if (computing.get(key) === answer) computing.delete(key);
              resolve(entry);
            };
          });
          computing.set(key, answer);
        }
        // The body is read: the rest of the gateway gets the same request with the text as its body.
        const again = new fetchAPI.Request(request.url, { method: 'POST', headers, body: text, signal: request.signal });
        misses.set(again, { key, generation, arrived, cacheable: false, settle });
        setRequest(again);
      };
      return request.text().then((text) => {
        const key = `${headers.get('accept') ?? ''}\n${text}`;
        const entry = cache.get(key);
        const leader = computing.get(key);
        if (entry !== undefined && entry.expires > arrived) {
          return entry.renew <= arrived && leader === undefined ? compute(key, text, true) : hit(entry);
        }
        if (entry !== undefined) cache.delete(key);
        if (leader === undefined) return compute(key, text, true);
        return leader.then((kept) => (kept !== undefined && kept.expires > arrived ? hit(kept) : compute(key, text, false)));
      });
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation === 'mutation') {
        forget();
        if (request !== undefined) writes.add(request);
        return;
      }
      const miss = request === undefined ? undefined : misses.get(request);
      if (miss === undefined || !readsShowcaseOnly(args.document, args.operationName)) return;
      return {
        onExecuteDone({ result }) {
          // An incremental (@defer/@stream) result is an async iterable: not kept.
          const single = result as { errors?: readonly unknown[]; [Symbol.asyncIterator]?: unknown };
          miss.cacheable = single[Symbol.asyncIterator] === undefined && !single.errors?.length;
        },
      };
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (writes.has(request)) forget();
      const miss = misses.get(request);
      if (miss === undefined) return;
      const contentType = response.headers.get('content-type') ?? '';
      const plain = contentType.includes('json') && !response.headers.has('content-encoding') && !response.headers.has('set-cookie');
      if (!miss.cacheable || !plain || response.status !== 200 || miss.generation !== generation) return miss.settle(undefined);
      return response.text().then((body) => {
        const entry = { expires: miss.arrived + ttlMs, renew: miss.arrived + ttlMs / 2, body, contentType };
        if (miss.generation === generation) {
          cache.set(miss.key, entry);
          while (cache.size > entries) cache.delete(cache.keys().next().value as string);
          miss.settle(entry);
        } else {
          miss.settle(undefined);
        }
        const headers = new fetchAPI.Headers(response.headers);
        headers.set(CACHE_HEADER, 'miss');
        setResponse(new fetchAPI.Response(body, { status: response.status, headers }));
      });
    },
  };
}
