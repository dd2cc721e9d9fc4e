import { beforeEach, describe, expect, it } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { describeListener, EXAMPLES_SHOWN, randomListener, useExamples } from "./examples";

beforeEach(resetStores);

const artist = (name: string, tags: string[], plays: number) => ({ artist_id: plays, name, url: null, tags, listeners: 1, plays });

function history(userId: number) {
  // Odd ids have no listening of their own (new or erased listeners).
  const top = userId % 2 ? [] : [artist("Duran Duran", ["80s", "new wave"], 900), artist("a-ha", ["80s", "synthpop"], 500), artist("Erasure", ["synthpop"], 450), artist("Muse", ["rock"], 10)];
  return { user_id: userId, events: [], top_artists: top, complete: true };
}

describe("example listeners", () => {
  it("describes a listener by the tags with the most plays and their top artists", () => {
    expect(describeListener(history(2))).toEqual({ userId: 2, tags: ["80s", "synthpop"], artists: ["Duran Duran", "a-ha", "Erasure"] });
    expect(describeListener(history(3))).toBeNull();
  });

  it("offers only listeners with listening of their own", async () => {
    mockApi({ "GET /v1/users/{id}/history": (call) => json(history(Number(call.path.split("/")[3]))) });
    await useExamples.getState().load();
    const { status, examples } = useExamples.getState();
    expect(status).toBe("ready");
    expect(examples.length).toBeLessThanOrEqual(EXAMPLES_SHOWN);
    expect(examples.map((e) => e.userId)).toEqual([2, 4, 6, 8]);
  });

  it("tries random ids until one has listening", async () => {
    const api = mockApi({ "GET /v1/users/{id}/history": (call) => json(history(Number(call.path.split("/")[3]))) });
    const draws = [0.0005, 0.0001]; // ids 3, then 2
    const found = await randomListener(() => draws.shift() ?? 0);
    expect(found?.userId).toBe(2);
    expect(api.calls.map((c) => c.path)).toEqual(["/v1/users/3/history", "/v1/users/2/history"]);
  });
});
