import { beforeEach, describe, expect, it } from "vitest";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { chooseUser, startFresh } from "./actions";
import { useListener } from "./listener";
import { tagChoices, useRecommendations } from "./recommendations";

beforeEach(resetStores);

describe("recommendations store", () => {
  it("loads a chosen listener's list with the controls", async () => {
    const api = mockApi({
      "GET /v1/users/{id}/recommendations": () => json(recs(7, [item(1, "Muse"), item(2, "Blur")])),
      "GET /v1/users/{id}/history": () => json({ user_id: 7, events: [], top_artists: [], complete: true }),
    });
    await chooseUser(7);
    const state = useRecommendations.getState();
    expect(state.status).toBe("ready");
    expect(state.data?.items.map((i) => i.name)).toEqual(["Muse", "Blur"]);
    expect(api.calls.find((c) => c.path.endsWith("/recommendations"))?.query.get("k")).toBe("20");
  });

  it("keeps only the newest of overlapping responses", async () => {
    let release: (() => void) | null = null;
    mockApi({
      "GET /v1/users/{id}/recommendations": (call) =>
        call.query.get("diversity") === "0"
          ? new Promise<Response>((resolve) => {
              release = () => {
                resolve(json(recs(1, [item(1, "Slow answer")])));
              };
            })
          : json(recs(1, [item(2, "Fresh answer")])),
    });
    useListener.getState().selectUser(1);
    const slow = useRecommendations.getState().load();
    await useRecommendations.getState().setControls({ diversity: 0.5 });
    (release as (() => void) | null)?.();
    await slow;
    expect(useRecommendations.getState().data?.items[0]?.name).toBe("Fresh answer");
  });

  it("sends feedback, then refreshes the list", async () => {
    let liked = false;
    const api = mockApi({
      "POST /v1/feedback": () => {
        liked = true;
        return json({ accepted: true, user_id: 3, artist_id: 2, event: "like", history_length: 1 }, 202);
      },
      "GET /v1/users/{id}/recommendations": () => json(recs(3, liked ? [item(9, "Neighbour")] : [item(2, "Blur")])),
    });
    useListener.getState().selectUser(3);
    await useRecommendations.getState().load();
    const blur = useRecommendations.getState().data?.items[0];
    if (!blur) throw new Error("no item");
    await useRecommendations.getState().feedback(blur, "like");
    expect(api.calls.find((c) => c.method === "POST")?.body).toEqual({
      user_id: 3,
      artist_id: 2,
      event: "like",
      recommendation_id: "00030000000000000000",
    });
    expect(useRecommendations.getState().data?.items[0]?.name).toBe("Neighbour");
    expect(useRecommendations.getState().note).toEqual({ artist: "Blur", event: "like" });
  });

  it("keeps the last list when a refresh fails", async () => {
    let fail = false;
    mockApi({
      "GET /v1/users/{id}/recommendations": () => (fail ? json({ detail: "slow down" }, 429, { "Retry-After": "5" }) : json(recs(3, [item(2, "Blur")]))),
    });
    useListener.getState().selectUser(3);
    await useRecommendations.getState().load();
    fail = true;
    await useRecommendations.getState().setControls({ k: 10 });
    const state = useRecommendations.getState();
    expect(state.status).toBe("error");
    expect(state.error?.retryAfter).toBe(5);
    expect(state.data?.items).toHaveLength(1);
  });

  it("asks for a cold start from the chosen artists", async () => {
    const api = mockApi({ "POST /v1/recommendations": () => json({ model_id: "m", strategy: "fold_in", items: [item(5, "Coldplay")] }) });
    useListener.getState().addSeed({ artist_id: 1, name: "Radiohead" });
    useListener.getState().addSeed({ artist_id: 2, name: "Muse" });
    await startFresh();
    expect(api.calls[0]?.body).toMatchObject({ artist_ids: [1, 2], k: 20 });
    expect(useRecommendations.getState().data?.strategy).toBe("fold_in");
  });
});

describe("tagChoices", () => {
  it("offers chosen tags first, then the most frequent", () => {
    const items = [item(1, "a", ["rock", "indie"]), item(2, "b", ["rock", "pop"]), item(3, "c", ["jazz", "rock", "pop"])];
    expect(tagChoices(items, ["jazz"], 3)).toEqual(["jazz", "rock", "pop"]);
  });
});
