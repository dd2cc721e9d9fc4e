import { useEffect, useRef, type RefObject } from "react";

/**
 * Scrolls `ref` into view and moves the focus to it whenever `key` changes to a new non-null
 * value, so that what a click changed is where the eye (and a screen reader) is, on a phone too.
 */
export function useReveal<T extends HTMLElement>(key: string | null): RefObject<T | null> {
  const ref = useRef<T>(null);
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (key === null || key === shown.current) return;
    shown.current = key;
    const element = ref.current;
    if (!element) return;
    // jsdom (the unit tests) has neither matchMedia nor scrollIntoView.
    const reduce = typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (typeof element.scrollIntoView === "function") element.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block: "start" });
    element.focus({ preventScroll: true });
  }, [key]);
  return ref;
}
