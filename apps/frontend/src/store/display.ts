import { create } from "zustand";

interface DisplayState {
  /** Show the model's numbers (scores, model id) next to the music. */
  details: boolean;
  toggleDetails: () => void;
}

export const useDisplay = create<DisplayState>()((set, get) => ({
  details: false,
  toggleDetails: () => { set({ details: !get().details }); },
}));
