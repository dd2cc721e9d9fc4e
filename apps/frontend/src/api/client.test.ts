import { describe, expect, it, vi } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { inProgressReceipt } from "../test/receipts";
import { coldStart, deleteUser, getRecommendations, searchArtists } from "./client";
import { ApiError } from "./errors";

describe("client", () => {
  it("sends the recommendation controls as query parameters", async () => {
    const api = mockApi({ "GET /v1/users/{id}/recommendations": () => json({ user_id: 5, model_id: "m", strategy: "model", items: [] }) });
    await getRecommendations(5, { k: 10, diversity: 0.4, excludeListened: false, tags: ["rock", "indie"] });
    const [call] = api.calls;
    expect(call?.path).toBe("/v1/users/5/recommendations");
    expect(Object.fromEntries(call?.query ?? [])).toEqual({ k: "10", diversity: "0.4", exclude_listened: "false", tags: "rock,indie" });
  });

  it("leaves out an empty tag filter and posts cold starts as JSON", async () => {
    const api = mockApi({
      "GET /v1/users/{id}/recommendations": () => json({ user_id: 1, model_id: "m", strategy: "model", items: [] }),
      "POST /v1/recommendations": () => json({ model_id: "m", strategy: "fold_in", items: [] }),
    });
    await getRecommendations(1, { k: 20, diversity: 0, excludeListened: true, tags: [] });
    await coldStart([3, 4], { k: 20, diversity: 0.2, tags: [] });
    await coldStart([5], { k: 20, diversity: 0.2, tags: [] });
    expect(api.calls[0]?.query.has("tags")).toBe(false);
    const session = (api.calls[1]?.body as { session_id?: unknown }).session_id;
    expect(api.calls[1]?.body).toEqual({ artist_ids: [3, 4], k: 20, diversity: 0.2, tags: null, session_id: session });
    // One session key for the tab, so an experiment keeps the newcomer in one variant.
    expect(typeof session === "string" && session.length > 0).toBe(true);
    expect((api.calls[2]?.body as { session_id?: unknown }).session_id).toBe(session);
  });

  it("takes the deletion's 202 and its erasure receipt", async () => {
    const receipt = inProgressReceipt(3);
    const api = mockApi({ "DELETE /v1/users/{id}": () => json(receipt, 202, { Location: `/v1/erasures/${receipt.erasure_id}` }) });
    const answer = await deleteUser(3);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["DELETE /v1/users/3"]);
    expect(api.calls[0]?.body).toBeNull();
    expect(answer).toEqual(receipt);
    expect(answer.status).toBe("in_progress");
    expect(answer.steps[0]).toMatchObject({ step: "suppressed", status: "done", at: receipt.requested_at });
  });

  it("raises ApiError with the API's message", async () => {
    mockApi({ "DELETE /v1/users/{id}": () => json({ detail: "Redis is unavailable: try again later" }, 503) });
    await expect(deleteUser(3)).rejects.toMatchObject({ kind: "server", message: "Redis is unavailable: try again later" });
  });

  it("reports a refused connection as the API being unreachable", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))));
    const error: unknown = await searchArtists("radio").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("unreachable");
  });
});
