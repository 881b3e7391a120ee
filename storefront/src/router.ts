// A few routes need no router library: the History API, and links that push instead of loading.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** The current location; re-renders on every navigation. */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const listener = () => setUrl(new URL(location.href));
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return url;
}

/** Follows same-origin links in-page (a click with a modifier key still opens a new tab). */
export function interceptLinks(event: MouseEvent): void {
  const link = (event.target as Element).closest?.('a');
  if (!link || link.target || link.origin !== location.origin || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.pathname + link.search);
}
