import { beforeEach, describe, expect, it } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { useHistory } from "./history";

beforeEach(resetStores);

const receipt = { user_id: 4, removed: { history_events: 3 }, stores: ["redis", "process"], note: "n" };

describe("history store", () => {
  it("deletes a user's data, keeps the receipt and reloads the history", async () => {
    let deleted = false;
    const api = mockApi({
      "DELETE /v1/users/{id}": () => {
        deleted = true;
        return json(receipt);
      },
      "GET /v1/users/{id}/history": () =>
        json({ user_id: 4, events: deleted ? [] : [{ artist_id: 1, name: "Muse", event: "like", at: "2026-01-01T00:00:00Z" }], top_artists: [], complete: true }),
    });
    await useHistory.getState().load(4);
    expect(useHistory.getState().data?.events).toHaveLength(1);
    await useHistory.getState().deleteData(4);
    const state = useHistory.getState();
    expect(state.receipt).toEqual(receipt);
    expect(state.data?.events).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /v1/users/4/history", "DELETE /v1/users/4", "GET /v1/users/4/history"]);
  });

  it("reports a failed deletion without a receipt", async () => {
    mockApi({ "DELETE /v1/users/{id}": () => json({ detail: "Redis is unavailable" }, 503) });
    expect(await useHistory.getState().deleteData(4)).toBeNull();
    expect(useHistory.getState().deleteError?.message).toBe("Redis is unavailable");
    expect(useHistory.getState().receipt).toBeNull();
  });
});
