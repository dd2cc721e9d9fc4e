import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { useSimilar } from "../store/similar";
import { item, json, mockApi } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { SimilarPanel } from "./SimilarPanel";

beforeEach(resetStores);

describe("SimilarPanel", () => {
  it("lists an artist's similar artists and follows them", async () => {
    const api = mockApi({
      "GET /v1/artists/{id}/similar": (call) =>
        json({ artist_id: Number(call.path.split("/")[3]), model_id: "m", items: call.path.includes("/154/") ? [item(155, "Thom Yorke")] : [item(9, "Atoms for Peace")] }),
    });
    render(<SimilarPanel />);
    expect(screen.getByText(/who sounds alike/)).toBeInTheDocument();
    await act(() => useSimilar.getState().open({ artist_id: 154, name: "Radiohead" }));
    expect(screen.getByRole("heading", { name: "Similar to Radiohead" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Thom Yorke" }));
    expect(await screen.findByText("Atoms for Peace")).toBeInTheDocument();
    expect(api.calls.map((c) => c.path)).toEqual(["/v1/artists/154/similar", "/v1/artists/155/similar"]);
    await userEvent.click(screen.getByRole("button", { name: "Close similar artists" }));
    expect(useSimilar.getState().artist).toBeNull();
  });

  it("shows the API's 404 message", async () => {
    mockApi({ "GET /v1/artists/{id}/similar": () => json({ detail: "unknown artist id: 5" }, 404) });
    render(<SimilarPanel />);
    await act(() => useSimilar.getState().open({ artist_id: 5, name: "Nobody" }));
    expect(screen.getByRole("alert")).toHaveTextContent("unknown artist id: 5");
  });
});
