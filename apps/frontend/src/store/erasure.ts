import { create } from "zustand";
import { deleteUser } from "../api/client";
import { toApiError, type ApiError } from "../api/errors";
import type { DeletionReceipt } from "../api/types";

interface ErasureState {
  /** The listener whose erasure was asked for last. */
  userId: number | null;
  receipt: DeletionReceipt | null;
  deleting: boolean;
  error: ApiError | null;
  erase: (userId: number) => Promise<DeletionReceipt | null>;
  dismiss: () => void;
}

export const useErasure = create<ErasureState>()((set) => ({
  userId: null,
  receipt: null,
  deleting: false,
  error: null,
  erase: async (userId) => {
    set({ userId, receipt: null, deleting: true, error: null });
    try {
      const receipt = await deleteUser(userId);
      set({ receipt, deleting: false });
      return receipt;
    } catch (error) {
      set({ deleting: false, error: toApiError(error) });
      return null;
    }
  },
  dismiss: () => { set({ userId: null, receipt: null, deleting: false, error: null }); },
}));
