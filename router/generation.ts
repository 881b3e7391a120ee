// The catalog's showcase generation as this gateway last heard it (showcaseCache.ts says what it vouches for).
//
// One poll at a time: the next is sent an interval after the previous one was, or as soon as it ends
// if it took longer, and each gives up after STALE intervals (an answer that late could no longer vouch
// for anything). The timer does not hold the process open, and a catalog that is down, slow or refuses
// the credential only means that nothing is vouched for until it answers again.

/** The header with which the catalog says which generation an answer was computed in. */
export const GENERATION_HEADER = 'x-showcase-generation';
/** A generation is trusted while the last poll that answered was sent less than this many intervals ago. */
export const STALE = 3;

export interface GenerationSource {
  /** The catalog's `GET /internal/showcase/generation` (subgraphs/common/contract.py: SHOWCASE_GENERATION). */
  url: string;
  /** The internal routes' credential, sent as `X-Service-Token`. */
  token: string;
  /** Milliseconds between polls. */
  intervalMs: number;
}

export interface Generation {
  /** The generation that vouches for answers now, or undefined when none does. */
  trusted(now: number): string | undefined;
  stop(): void;
}

interface Heard {
  value: string;
  listening: boolean;
  /** When the poll that brought it was sent (its answer says what held at some moment after that). */
  asked: number;
}

/** Polls `source` until stopped; `moved` is called, before anything else sees it, when the generation changes. */
export function followGeneration({ url, token, intervalMs }: GenerationSource, moved: () => void): Generation {
  let heard: Heard | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    const asked = performance.now();
    try {
      const response = await fetch(url, { headers: { 'x-service-token': token }, signal: AbortSignal.timeout(STALE * intervalMs) });
      const answer = (await response.json()) as { generation?: unknown; listening?: unknown };
      if (response.ok && typeof answer.generation === 'string' && typeof answer.listening === 'boolean') {
        if (heard?.value !== answer.generation) moved();
        heard = { value: answer.generation, listening: answer.listening, asked };
      }
    } catch {
      // Unreachable, too slow or not JSON: the last generation heard stops vouching after STALE intervals.
    }
    if (stopped) return;
    timer = setTimeout(poll, Math.max(0, intervalMs - (performance.now() - asked)));
    timer.unref();
  };
  void poll();
  return {
    trusted(now) {
      return heard !== undefined && heard.listening && now - heard.asked < STALE * intervalMs ? heard.value : undefined;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
