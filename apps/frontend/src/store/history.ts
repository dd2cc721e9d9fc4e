import { create } from "zustand";
import { deleteUser, getHistory } from "../api/client";
import { ApiError, toApiError } from "../api/errors";
import type { DeletionReceipt, History } from "../api/types";
import { failed, idle, sequencer, type AsyncSlot } from "./async";

interface HistoryState extends AsyncSlot<History> {
  userId: number | null;
  receipt: DeletionReceipt | null;
  deleting: boolean;
  deleteError: ApiError | null;
  load: (userId: number) => Promise<void>;
  deleteData: (userId: number) => Promise<DeletionReceipt | null>;
  reset: () => void;
}

const requests = sequencer();

export const useHistory = create<HistoryState>()((set, get) => ({
  ...idle<History>(),
  userId: null,
  receipt: null,
  deleting: false,
  deleteError: null,

  load: async (userId) => {
    const ticket = requests.next();
    const keep = get().userId === userId;
    set({ status: "loading", error: null, userId, ...(keep ? {} : { data: null, receipt: null, deleteError: null }) });
    try {
      const data = await getHistory(userId);
      if (requests.isLatest(ticket)) set({ status: "ready", data, error: null });
    } catch (error) {
      if (requests.isLatest(ticket)) set(failed<History>(error));
    }
  },

  deleteData: async (userId) => {
    // The panel is this user's from here on, so the reload below keeps the receipt.
    set({ deleting: true, deleteError: null, receipt: null, ...(get().userId === userId ? {} : { userId, data: null }) });
    try {
      const receipt = await deleteUser(userId);
      set({ receipt, deleting: false });
      await get().load(userId);
      return receipt;
    } catch (error) {
      set({ deleting: false, deleteError: toApiError(error) });
      return null;
    }
  },

  reset: () => { set({ ...idle<History>(), userId: null, receipt: null, deleting: false, deleteError: null }); },
}));
