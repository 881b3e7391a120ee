// The gateway's copy of anonymous showcase answers, in front of the catalog's own cache.
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
// Freshness, two rules; an entry is served while either holds:
// - Short life (the floor, and all there is when the catalog cannot be asked): `ttlMs` from the
//   moment its request arrived (0.5 s by default), plus the catalog's own staleness (its cache is
//   emptied by PostgreSQL NOTIFY at every product, stock or category change, reservations included).
// - Long life, up to `maxAgeMs` (30 s): the catalog's showcase generation (generation.ts polls it every
//   `intervalMs`: one process's boot id and a counter that moves at every change it hears of, at a
//   local write, and when its LISTEN is lost or regained) is the one the entry was tagged with, the
//   last poll that answered was sent less than STALE intervals ago and said `listening`. A moved
//   generation empties the copy. Each entry is tagged with the generation trusted when its request
//   arrived, and only if every catalog answer to it carried that same generation in
//   `x-showcase-generation` (the catalog sends it only while its LISTEN is up: for a hit, its current
//   generation; for a computed answer, the one at the computation's start).
// Why a change never outlives the poll that follows its NOTIFY: say the polled process P hears of a
// change at time n and moves from generation G to G'. An answer carrying G began before n, in P
// (the boot id names the process), so it may miss the change; the first poll P answers after n says
// G', which empties the copy, or, if it comes before that answer, moves `epoch` so the answer is not
// kept; G never comes back (the counter only grows, a restart draws another boot id). An answer
// carrying G' began after n, so after the change committed (NOTIFY is sent at commit): it shows it.
// So past the short life a change shows within P's NOTIFY delay plus one poll (interval and round
// trip), and when polls fail or P stops listening, within the short life. An answer computed by
// another process Q carries Q's boot id, never P's generation, and gets the short life only: nothing
// rests on two processes hearing a NOTIFY at the same moment.
// Several catalog processes: what is polled is the one URL given (stack.py: the catalog's own).
// Node's fetch keeps its connection, so behind uvicorn workers or a balancer that keeps connections
// the polls stay with one process and that process's answers get the long life, the others' the
// short one. A balancer that spreads the polls makes the generation seem to move at every other poll:
// still correct, but the copy is emptied each time; give the gateway one process to poll instead.
// A mutation through this gateway that changed the showcase (a SHOWCASE_WRITES field answered) also
// empties the copy, as its result comes and as its answer leaves, and an answer computed meanwhile is
// not kept: whoever writes through one gateway and reads next sees it at once. Any other mutation, or
// one refused as a whole (anonymous, a bad token), empties nothing, so nobody can keep the copy empty
// by sending mutations. Identical misses arriving together wait for the first one's answer rather than each
// planning and fetching it (under load, such a herd outlasted the short life and the copy never
// answered). Past half its life (the long one while it holds, else the short one) an entry is renewed
// by the first request for it while the others are still answered with it, so under steady traffic no
// request waits for an expiry.
import type { GatewayPlugin } from '@graphql-hive/gateway';
import {
  getOperationAST, Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { followGeneration, GENERATION_HEADER, type GenerationSource } from './generation';

/** Root fields whose answers are the same for every anonymous caller and may be kept. */
export const SHOWCASE_FIELDS = new Set(['products', 'product', 'categories', 'searchSuggestions', '__typename']);
/** Larger bodies pass through untouched (a showcase query is well under 4 kB). */
const MAX_BODY = 32 * 1024;
/** The response header saying whether the cache answered (`hit`) or will keep this answer (`miss`). */
export const CACHE_HEADER = 'x-showcase-cache';

export interface ShowcaseCacheOptions {
  /** The GraphQL endpoint's path. */
  endpoint: string;
  /** How long an answer is kept whatever the catalog says, in milliseconds; 0 keeps nothing. */
  ttlMs: number;
  /** The most answers kept; the oldest go first. */
  entries: number;
  /** How long an answer may live while the catalog's generation vouches for it (0: the short life alone). */
  maxAgeMs: number;
  /** Where the catalog's generation is asked (absent: the short life alone). */
  generation?: GenerationSource;
}

interface Entry {
  /** Past this, the short life is over. */
  expires: number;
  /** Past this, the first request computes the next answer while the others are still answered with this one. */
  renew: number;
  /** The catalog generation vouching for it (absent: the short life only), up to `lasts`, renewed from `refresh`. */
  tag?: string;
  lasts: number;
  refresh: number;
  body: string;
  contentType: string;
}

interface Miss {
  key: string;
  epoch: number;
  arrived: number;
  /** The catalog generation trusted when the request arrived. */
  known?: string;
  /** True once a catalog answer carried `known`, false as soon as one did not (or another subgraph answered). */
  vouched?: boolean;
  cacheable: boolean;
  /** Hands the answer, once kept (else undefined), to the requests waiting for it. */
  settle: (entry: Entry | undefined) => void;
}

/**
 * The root fields of the operation, through fragments; undefined when that cannot be told for sure
 * (no such operation, a spread of an unknown fragment, or one spread twice).
 */
function rootFields(document: DocumentNode, operationName: string | null | undefined): { operation: OperationDefinitionNode; fields: FieldNode[] } | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): FieldNode[] | undefined => {
    const fields: FieldNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        fields.push(selection);
        continue;
      }
      let inner: SelectionSetNode | undefined = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : undefined;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (seen.has(name)) return undefined;
        seen.add(name);
        inner = fragments.get(name)?.selectionSet;
      }
      const more = inner === undefined ? undefined : walk(inner);
      if (more === undefined) return undefined;
      fields.push(...more);
    }
    return fields;
  };
  const fields = walk(operation.selectionSet);
  return fields === undefined ? undefined : { operation, fields };
}

/** True when the operation is a query reading nothing but showcase root fields. */
export function readsShowcaseOnly(document: DocumentNode, operationName?: string | null): boolean {
  const root = rootFields(document, operationName);
  return root !== undefined && root.operation.operation === 'query' && root.fields.every((field) => SHOWCASE_FIELDS.has(field.name.value));
}

/**
 * Mutation root fields that can change a showcase answer: the catalog's own, and the orders' that
 * reserve or give back stock (tests/test_shape.py keeps this list equal to the supergraph's).
 */
export const SHOWCASE_WRITES = new Set(['createCategory', 'createProduct', 'updateProduct', 'deleteProduct', 'adjustStock', 'placeOrder', 'cancelOrder']);

/**
 * True when a showcase-changing field of the mutation answered (it ran: refused as a whole, its
 * value is null), or when its root fields cannot be told. Other mutations (a cart line, a sign-in,
 * `__typename`) never change a showcase answer, so they leave the copy: nobody can keep it empty by
 * sending them.
 */
function wroteShowcase(document: DocumentNode, operationName: string | null | undefined, result: unknown): boolean {
  const root = rootFields(document, operationName);
  if (root === undefined) return true;
  const keys = root.fields.filter((field) => SHOWCASE_WRITES.has(field.name.value)).map((field) => field.alias?.value ?? field.name.value);
  const single = result as { data?: Record<string, unknown> | null; [Symbol.asyncIterator]?: unknown };
  if (single[Symbol.asyncIterator] !== undefined) return keys.length > 0;
  return keys.some((key) => single.data?.[key] !== null && single.data?.[key] !== undefined);
}

/** The plugin; it answers repeated anonymous showcase reads before any parsing, planning or subgraph call. */
export function useShowcaseCache({ endpoint, ttlMs, entries, maxAgeMs, generation }: ShowcaseCacheOptions): GatewayPlugin {
  const cache = new Map<string, Entry>();
  // Misses being computed, by key: the same request arriving meanwhile waits for that answer instead
  // of planning and fetching it again (under load, a herd of identical misses would outlast the TTL).
  const computing = new Map<string, Promise<Entry | undefined>>();
  const misses = new WeakMap<Request, Miss>();
  const writes = new WeakSet<Request>();
  // Moves whenever the copy is emptied: an answer computed across it is not kept.
  let epoch = 0;
  const forget = () => {
    epoch += 1;
    cache.clear();
    computing.clear();
  };
  const catalog = ttlMs > 0 && maxAgeMs > 0 && generation !== undefined ? followGeneration(generation, forget) : undefined;
  const vouched = (entry: Entry, now: number) => entry.tag !== undefined && entry.lasts > now && catalog?.trusted(now) === entry.tag;
  const servable = (entry: Entry, now: number) => entry.expires > now || vouched(entry, now);
  const due = (entry: Entry, now: number) => (vouched(entry, now) ? entry.refresh : entry.renew) <= now;

  return {
    onRequest({ request, url, endResponse, setRequest, fetchAPI }) {
      if (ttlMs <= 0 || request.method !== 'POST' || url.pathname !== endpoint) return;
      const { headers } = request;
      const length = Number(headers.get('content-length') ?? NaN);
      if (headers.has('authorization') || headers.has('cookie') || !(length <= MAX_BODY)) return;
      if (!(headers.get('content-type') ?? '').startsWith('application/json')) return;
      const arrived = performance.now();
      const known = catalog?.trusted(arrived);
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
        misses.set(again, { key, epoch, arrived, known, cacheable: false, settle });
        setRequest(again);
      };
      return request.text().then((text) => {
        const key = `${headers.get('accept') ?? ''}\n${text}`;
        const entry = cache.get(key);
        const leader = computing.get(key);
        if (entry !== undefined && servable(entry, arrived)) {
          return due(entry, arrived) && leader === undefined ? compute(key, text, true) : hit(entry);
        }
        if (entry !== undefined) cache.delete(key);
        if (leader === undefined) return compute(key, text, true);
        return leader.then((kept) => (kept !== undefined && servable(kept, arrived) ? hit(kept) : compute(key, text, false)));
      });
    },
    onFetch({ context }) {
      // Each subgraph answer of a miss says whether the catalog vouches for it with the generation
      // trusted at its arrival; an answer of any other subgraph (no such header) does not.
      const request = (context as { request?: Request }).request;
      const miss = request === undefined ? undefined : misses.get(request);
      if (miss === undefined || miss.known === undefined) return;
      return ({ response }) => {
        miss.vouched = miss.vouched !== false && response.headers.get(GENERATION_HEADER) === miss.known;
      };
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation === 'mutation') {
        return {
          onExecuteDone({ result }) {
            if (!wroteShowcase(args.document, args.operationName, result)) return;
            forget();
            if (request !== undefined) writes.add(request);
          },
        };
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
      if (!miss.cacheable || !plain || response.status !== 200 || miss.epoch !== epoch) return miss.settle(undefined);
      return response.text().then((body) => {
        const { arrived } = miss;
        const entry: Entry = {
          expires: arrived + ttlMs, renew: arrived + ttlMs / 2,
          tag: miss.vouched === true ? miss.known : undefined, lasts: arrived + maxAgeMs, refresh: arrived + maxAgeMs / 2,
          body, contentType,
        };
        if (miss.epoch === epoch) {
          cache.delete(miss.key); // a renewed answer goes to the back of the line: the oldest go first
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
    onDispose() {
      catalog?.stop();
    },
  };
}
