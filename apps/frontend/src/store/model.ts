import { create } from "zustand";
import { getModel } from "../api/client";
import type { ModelInfo } from "../api/types";
import { failed, idle, type AsyncSlot } from "./async";

interface ModelState extends AsyncSlot<ModelInfo> {
  load: () => Promise<void>;
}

export const useModel = create<ModelState>()((set) => ({
  ...idle<ModelInfo>(),
  load: async () => {
    set({ status: "loading", error: null });
    try {
      set({ status: "ready", data: await getModel() });
    } catch (error) {
      set(failed<ModelInfo>(error));
    }
  },
}));
