import { create } from "zustand";
import { getHistory } from "../api/client";
import type { History } from "../api/types";
import { failed, idle, sequencer, type AsyncSlot } from "./async";

interface HistoryState extends AsyncSlot<History> {
  userId: number | null;
  load: (userId: number) => Promise<void>;
  reset: () => void;
}

const requests = sequencer();

export const useHistory = create<HistoryState>()((set, get) => ({
  ...idle<History>(),
  userId: null,
  load: async (userId) => {
    const ticket = requests.next();
    const keep = get().userId === userId;
    set({ status: "loading", error: null, userId, ...(keep ? {} : { data: null }) });
    try {
      const data = await getHistory(userId);
      if (requests.isLatest(ticket)) set({ status: "ready", data, error: null });
    } catch (error) {
      if (requests.isLatest(ticket)) set(failed<History>(error));
    }
  },
  reset: () => {
    requests.next();
    set({ ...idle<History>(), userId: null });
  },
}));
