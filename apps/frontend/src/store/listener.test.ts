import { beforeEach, describe, expect, it } from "vitest";
import { resetStores } from "../test/stores";
import { MAX_SEEDS, useListener } from "./listener";

beforeEach(resetStores);

describe("listener store", () => {
  it("selects a user by id and refuses non-ids", () => {
    useListener.getState().selectUser(42);
    expect(useListener.getState().listener).toEqual({ kind: "user", userId: 42 });
    expect(() => {
      useListener.getState().selectUser(-1);
    }).toThrow(RangeError);
  });

  it("collects distinct seeds up to the limit", () => {
    const { addSeed } = useListener.getState();
    addSeed({ artist_id: 1, name: "Radiohead" });
    addSeed({ artist_id: 1, name: "Radiohead" });
    for (let i = 2; i < 20; i++) addSeed({ artist_id: i, name: `A${i}` });
    expect(useListener.getState().draftSeeds).toHaveLength(MAX_SEEDS);
    useListener.getState().removeSeed(1);
    expect(useListener.getState().draftSeeds.some((s) => s.artist_id === 1)).toBe(false);
  });

  it("starts fresh only with seeds", () => {
    useListener.getState().startFresh();
    expect(useListener.getState().listener.kind).toBe("none");
    useListener.getState().addSeed({ artist_id: 3, name: "Muse" });
    useListener.getState().startFresh();
    expect(useListener.getState().listener).toEqual({ kind: "fresh", seeds: [{ artist_id: 3, name: "Muse" }] });
  });
});
