// Paths under /app, in the browser's history (the server answers index.html for all of them).
import { useEffect, useState } from "preact/hooks";

const BASE = "/app";

function current(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "/";
  return path === "" ? "/" : path;
}

export function navigate(path: string): void {
  history.pushState(null, "", BASE + path);
  window.dispatchEvent(new Event("maillage:navigate"));
}

export function href(path: string): string {
  return BASE + path;
}

export function usePath(): string {
  const [path, setPath] = useState(current());
  useEffect(() => {
    const update = (): void => setPath(current());
    window.addEventListener("popstate", update);
    window.addEventListener("maillage:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("maillage:navigate", update);
    };
  }, []);
  return path;
}

/** A link that stays in the app (no reload); ctrl-click still opens a new tab. */
export function onLink(event: MouseEvent, path: string): void {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(path);
}
