import { useSyncExternalStore } from "react";

export type Page = "listen" | "model";

export function pageFromHash(hash: string): Page {
  return hash.replace(/^#\/?/, "") === "model" ? "model" : "listen";
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => {
    window.removeEventListener("hashchange", onChange);
  };
}

/** The page shown, from the URL's hash (`#/model`), so that pages can be linked and reloaded. */
export function usePage(): Page {
  return useSyncExternalStore(subscribe, () => pageFromHash(window.location.hash));
}
