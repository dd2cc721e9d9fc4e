import { beforeEach, describe, expect, it } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { useHistory } from "./history";

beforeEach(resetStores);

const history = (userId: number, names: string[]) => ({
  user_id: userId,
  events: names.map((name, i) => ({ artist_id: i + 1, name, event: "like", at: "2026-01-01T00:00:00Z" })),
  top_artists: [],
  complete: true,
});

describe("history store", () => {
  it("loads a listener's history and forgets it on reset", async () => {
    mockApi({ "GET /v1/users/{id}/history": () => json(history(4, ["Muse"])) });
    await useHistory.getState().load(4);
    expect(useHistory.getState().data?.events).toHaveLength(1);
    useHistory.getState().reset();
    expect(useHistory.getState()).toMatchObject({ status: "idle", data: null, userId: null });
  });

  it("drops the last listener's history as soon as another one's is asked for", async () => {
    mockApi({ "GET /v1/users/{id}/history": (call) => json(history(Number(call.path.split("/")[3]), ["Blur"])) });
    await useHistory.getState().load(4);
    const loading = useHistory.getState().load(5);
    expect(useHistory.getState().data).toBeNull();
    await loading;
    expect(useHistory.getState().data?.user_id).toBe(5);
  });
});
