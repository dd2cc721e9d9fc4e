import { create } from "zustand";
import type { ArtistRef } from "../api/types";

export type Listener = { kind: "none" } | { kind: "user"; userId: number } | { kind: "fresh"; seeds: ArtistRef[] };

export const MAX_SEEDS = 10;

interface ListenerState {
  listener: Listener;
  /** Artists picked on the "start fresh" form, before and after asking for recommendations. */
  draftSeeds: ArtistRef[];
  selectUser: (userId: number) => void;
  addSeed: (artist: ArtistRef) => void;
  removeSeed: (artistId: number) => void;
  startFresh: () => void;
  /** Nobody listening; the artists picked on the form stay. */
  deselect: () => void;
  clear: () => void;
}

export const useListener = create<ListenerState>()((set, get) => ({
  listener: { kind: "none" },
  draftSeeds: [],
  selectUser: (userId) => {
    if (!Number.isInteger(userId) || userId < 0) throw new RangeError(`not a user id: ${userId}`);
    set({ listener: { kind: "user", userId } });
  },
  addSeed: (artist) => {
    const { draftSeeds } = get();
    if (draftSeeds.length >= MAX_SEEDS || draftSeeds.some((s) => s.artist_id === artist.artist_id)) return;
    set({ draftSeeds: [...draftSeeds, { artist_id: artist.artist_id, name: artist.name }] });
  },
  removeSeed: (artistId) => { set({ draftSeeds: get().draftSeeds.filter((s) => s.artist_id !== artistId) }); },
  startFresh: () => {
    const seeds = get().draftSeeds;
    if (seeds.length === 0) return;
    set({ listener: { kind: "fresh", seeds } });
  },
  deselect: () => { set({ listener: { kind: "none" } }); },
  clear: () => { set({ listener: { kind: "none" }, draftSeeds: [] }); },
}));
