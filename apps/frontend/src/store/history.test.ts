import { beforeEach, describe, expect, it } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { inProgressReceipt } from "../test/receipts";
import { resetStores } from "../test/stores";
import { useHistory } from "./history";

beforeEach(resetStores);

const receipt = inProgressReceipt(4);

describe("history store", () => {
  it("deletes a user's data, keeps the receipt and reloads the history", async () => {
    let deleted = false;
    const api = mockApi({
      "DELETE /v1/users/{id}": () => {
        deleted = true;
        return json(receipt, 202, { Location: `/v1/erasures/${receipt.erasure_id}` });
      },
      "GET /v1/users/{id}/history": () =>
        json({ user_id: 4, events: deleted ? [] : [{ artist_id: 1, name: "Muse", event: "like", at: "2026-01-01T00:00:00Z" }], top_artists: [], complete: true }),
    });
    await useHistory.getState().load(4);
    expect(useHistory.getState().data?.events).toHaveLength(1);
    expect(await useHistory.getState().deleteData(4)).toEqual(receipt);
    const state = useHistory.getState();
    expect(state.receipt).toEqual(receipt);
    expect(state.receipt?.steps.map((s) => s.status)).toEqual(["done", "done", "pending", "pending", "pending"]);
    expect(state.data?.events).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /v1/users/4/history", "DELETE /v1/users/4", "GET /v1/users/4/history"]);
  });

  it("drops the receipt when another listener's history is loaded", async () => {
    mockApi({
      "DELETE /v1/users/{id}": () => json(receipt, 202),
      "GET /v1/users/{id}/history": (call) => json({ user_id: Number(call.path.split("/")[3]), events: [], top_artists: [], complete: true }),
    });
    await useHistory.getState().deleteData(4);
    expect(useHistory.getState().receipt?.erasure_id).toBe(receipt.erasure_id);
    await useHistory.getState().load(5);
    expect(useHistory.getState().receipt).toBeNull();
  });

  it("reports a failed deletion without a receipt", async () => {
    mockApi({ "DELETE /v1/users/{id}": () => json({ detail: "Redis is unavailable" }, 503) });
    expect(await useHistory.getState().deleteData(4)).toBeNull();
    expect(useHistory.getState().deleteError?.message).toBe("Redis is unavailable");
    expect(useHistory.getState().receipt).toBeNull();
  });
});
