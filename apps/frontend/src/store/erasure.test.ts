import { beforeEach, describe, expect, it } from "vitest";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { inProgressReceipt } from "../test/receipts";
import { resetStores } from "../test/stores";
import { chooseUser, eraseListener } from "./actions";
import { useErasure } from "./erasure";
import { useHistory } from "./history";
import { useListener } from "./listener";
import { useRecommendations } from "./recommendations";
import { useSimilar } from "./similar";

beforeEach(resetStores);

describe("erasing a listener", () => {
  it("keeps the receipt and clears everything of the listener from the page", async () => {
    const receipt = inProgressReceipt(4);
    mockApi({
      "GET /v1/users/{id}/recommendations": () => json(recs(4, [item(1, "Muse")])),
      "GET /v1/users/{id}/history": () => json({ user_id: 4, events: [], top_artists: [], complete: true }),
      "GET /v1/artists/{id}/similar": () => json({ artist_id: 1, model_id: "m", items: [item(2, "Blur")] }),
      "DELETE /v1/users/{id}": () => json(receipt, 202),
    });
    await chooseUser(4);
    await useSimilar.getState().open({ artist_id: 1, name: "Muse" });
    await eraseListener(4);
    expect(useErasure.getState()).toMatchObject({ userId: 4, receipt, deleting: false, error: null });
    expect(useListener.getState().listener).toEqual({ kind: "none" });
    expect(useRecommendations.getState().data).toBeNull();
    expect(useHistory.getState().data).toBeNull();
    expect(useSimilar.getState().artist).toBeNull();
  });

  it("keeps the listener's page and reports a refused deletion", async () => {
    mockApi({
      "GET /v1/users/{id}/recommendations": () => json(recs(4, [item(1, "Muse")])),
      "GET /v1/users/{id}/history": () => json({ user_id: 4, events: [], top_artists: [], complete: true }),
      "DELETE /v1/users/{id}": () => json({ detail: "Redis is unavailable" }, 503),
    });
    await chooseUser(4);
    await eraseListener(4);
    expect(useErasure.getState().error?.message).toBe("Redis is unavailable");
    expect(useErasure.getState().receipt).toBeNull();
    expect(useRecommendations.getState().data?.items).toHaveLength(1);
  });

  it("forgets the receipt when a listener is chosen", async () => {
    mockApi({
      "DELETE /v1/users/{id}": () => json(inProgressReceipt(4), 202),
      "GET /v1/users/{id}/recommendations": () => json(recs(5, [item(1, "Muse")])),
      "GET /v1/users/{id}/history": () => json({ user_id: 5, events: [], top_artists: [], complete: true }),
    });
    await useErasure.getState().erase(4);
    await chooseUser(5);
    expect(useErasure.getState().receipt).toBeNull();
  });
});
