import { create } from "zustand";
import { similarArtists } from "../api/client";
import type { ArtistRef, SimilarArtists } from "../api/types";
import { failed, idle, sequencer, type AsyncSlot } from "./async";

interface SimilarState extends AsyncSlot<SimilarArtists> {
  artist: ArtistRef | null;
  open: (artist: ArtistRef) => Promise<void>;
  close: () => void;
}

const SIMILAR_K = 10;
const requests = sequencer();

export const useSimilar = create<SimilarState>()((set) => ({
  ...idle<SimilarArtists>(),
  artist: null,
  open: async (artist) => {
    const ticket = requests.next();
    set({ artist: { artist_id: artist.artist_id, name: artist.name }, status: "loading", data: null, error: null });
    try {
      const data = await similarArtists(artist.artist_id, SIMILAR_K);
      if (requests.isLatest(ticket)) set({ status: "ready", data });
    } catch (error) {
      if (requests.isLatest(ticket)) set(failed<SimilarArtists>(error));
    }
  },
  close: () => {
    requests.next();
    set({ ...idle<SimilarArtists>(), artist: null });
  },
}));
