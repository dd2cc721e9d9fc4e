import { create } from "zustand";
import { coldStart, getRecommendations, sendFeedback, type RecommendationOptions } from "../api/client";
import type { FeedbackEvent, Recommendation, Recommendations } from "../api/types";
import { failed, idle, sequencer, type AsyncSlot } from "./async";
import { useListener } from "./listener";

export const K_CHOICES = [10, 20, 50] as const;
export const DEFAULT_CONTROLS: RecommendationOptions = { k: 20, diversity: 0, excludeListened: true, tags: [] };

export interface FeedbackNote {
  artist: string;
  event: FeedbackEvent;
}

interface RecommendationsState extends AsyncSlot<Recommendations> {
  controls: RecommendationOptions;
  /** The last feedback sent, shown above the refreshed list. */
  note: FeedbackNote | null;
  /** Artist id whose feedback is being sent. */
  pending: number | null;
  /** The tags offered as filter chips, in a fixed order: taken from a list without tag filter,
   * so that choosing a chip never moves the others. */
  tagOffer: string[];
  setControls: (change: Partial<RecommendationOptions>) => Promise<void>;
  toggleTag: (tag: string) => Promise<void>;
  load: () => Promise<void>;
  feedback: (item: Recommendation, event: FeedbackEvent) => Promise<void>;
  reset: () => void;
}

const requests = sequencer();

export const useRecommendations = create<RecommendationsState>()((set, get) => ({
  ...idle<Recommendations>(),
  controls: DEFAULT_CONTROLS,
  note: null,
  pending: null,
  tagOffer: [],

  setControls: (change) => {
    set({ controls: { ...get().controls, ...change } });
    return get().load();
  },

  toggleTag: (tag) => {
    const tags = get().controls.tags;
    return get().setControls({ tags: tags.includes(tag) ? tags.filter((t) => t !== tag) : [...tags, tag] });
  },

  load: async () => {
    const { listener } = useListener.getState();
    if (listener.kind === "none") {
      set({ ...idle<Recommendations>(), note: null });
      return;
    }
    const ticket = requests.next();
    const { controls, data } = get();
    set({ status: "loading", error: null });
    try {
      const result =
        listener.kind === "user"
          ? await getRecommendations(listener.userId, controls)
          : await coldStart(listener.seeds.map((s) => s.artist_id), controls);
      if (!requests.isLatest(ticket)) return;
      const offer = controls.tags.length === 0 || get().tagOffer.length === 0 ? tagChoices(result.items, []) : get().tagOffer;
      set({ status: "ready", data: result, error: null, tagOffer: offer });
    } catch (error) {
      if (requests.isLatest(ticket)) set(failed(error, data));
    }
  },

  feedback: async (item, event) => {
    const { listener } = useListener.getState();
    if (listener.kind !== "user") return;
    set({ pending: item.artist_id });
    try {
      // Cite the list the artist was shown in: the API attributes the event to it (an experiment's figures).
      const shown = get().data;
      const cited = shown && "recommendation_id" in shown && shown.items.includes(item) ? { recommendation_id: shown.recommendation_id } : {};
      await sendFeedback({ user_id: listener.userId, artist_id: item.artist_id, event, ...cited });
      set({ note: { artist: item.name, event } });
      await get().load();
    } catch (error) {
      set({ ...failed(error, get().data), note: null });
    } finally {
      set({ pending: null });
    }
  },

  reset: () => {
    requests.next();
    set({ ...idle<Recommendations>(), controls: DEFAULT_CONTROLS, note: null, pending: null, tagOffer: [] });
  },
}));

/** The tags on offer as filter chips: the most frequent among the current items, then the chosen ones. */
export function tagChoices(items: Recommendation[], chosen: string[], limit = 12): string[] {
  const counts = new Map<string, number>();
  for (const item of items) for (const tag of item.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  const frequent = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([tag]) => tag)
    .filter((tag) => !chosen.includes(tag))
    .slice(0, Math.max(0, limit - chosen.length));
  return [...chosen, ...frequent];
}

/** The chips shown: the offer in its order, then any chosen tag the offer lacks. */
export function chipTags(offer: string[], chosen: string[]): string[] {
  return [...offer, ...chosen.filter((tag) => !offer.includes(tag))];
}
