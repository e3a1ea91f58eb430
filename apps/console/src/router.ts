/**
 * A small history router for the console's client routes under /console (the api answers
 * index.html for each of them, so a reload or a shared link lands on the same screen).
 */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

/** Goes to a console path ("/accounts/S/orders"), adding it to the history. */
export const navigate = (path: string, replace = false): void => {
  const url = `${BASE}${path}`;
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  notify();
};

/** The current console path (without /console) and its query. */
export const useLocation = (): { path: string; params: URLSearchParams } => {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((tick) => tick + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path, params: new URLSearchParams(location.search) };
};

/** Decoded path segments, for matching routes. */
export const segments = (path: string): string[] => path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));

/** Sends a same-origin link click through the router instead of reloading the page. */
export const onLinkClick = (event: MouseEvent): void => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as HTMLElement | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.origin !== location.origin || !anchor.pathname.startsWith(BASE)) return;
  event.preventDefault();
  navigate(anchor.pathname.slice(BASE.length) + anchor.search);
};
