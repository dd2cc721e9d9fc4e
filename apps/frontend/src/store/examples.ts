// Example listeners for the start page, described by their own listening (GET .../history):
// the tags most played among their top artists, and those artists.
import { create } from "zustand";
import { getHistory } from "../api/client";
import type { History } from "../api/types";

/** Last.fm HetRec listener ids run from 2 to 2100; the first few make the examples. */
export const FIRST_ID = 2;
export const LAST_ID = 2100;
export const EXAMPLE_CANDIDATES = [2, 3, 4, 5, 6, 7, 8, 9];
export const EXAMPLES_SHOWN = 4;
const RANDOM_TRIES = 8;

export interface ExampleListener {
  userId: number;
  /** The two tags with the most plays among the listener's top artists. */
  tags: string[];
  /** Their three most played artists. */
  artists: string[];
}

/** How a listener reads on the start page, or null for one without listening (new or erased). */
export function describeListener(history: History): ExampleListener | null {
  const top = history.top_artists;
  if (top.length === 0) return null;
  const weight = new Map<string, number>();
  for (const artist of top) {
    for (const tag of artist.tags.slice(0, 3)) weight.set(tag.toLowerCase(), (weight.get(tag.toLowerCase()) ?? 0) + artist.plays);
  }
  const tags = [...weight.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 2)
    .map(([tag]) => tag);
  return { userId: history.user_id, tags, artists: top.slice(0, 3).map((a) => a.name) };
}

async function describe(userId: number): Promise<ExampleListener | null> {
  try {
    return describeListener(await getHistory(userId));
  } catch {
    return null;
  }
}

/** A random listener id with listening of their own (a few tries), or null. */
export async function randomListener(random: () => number = Math.random): Promise<ExampleListener | null> {
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const found = await describe(FIRST_ID + Math.floor(random() * (LAST_ID - FIRST_ID + 1)));
    if (found) return found;
  }
  return null;
}

interface ExamplesState {
  status: "idle" | "loading" | "ready";
  examples: ExampleListener[];
  load: () => Promise<void>;
}

export const useExamples = create<ExamplesState>()((set) => ({
  status: "idle",
  examples: [],
  load: async () => {
    set({ status: "loading" });
    const found = await Promise.all(EXAMPLE_CANDIDATES.map(describe));
    const examples = found.filter((e): e is ExampleListener => e !== null).slice(0, EXAMPLES_SHOWN);
    set({ status: "ready", examples });
  },
}));
