import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { useListener } from "../store/listener";
import { useRecommendations } from "../store/recommendations";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { ListenerPicker } from "./ListenerPicker";

beforeEach(resetStores);

const artist = (artist_id: number, name: string) => ({ artist_id, name, tags: ["rock"], listeners: 100 });

describe("ListenerPicker", () => {
  it("loads a listener id's recommendations and history", async () => {
    const api = mockApi({
      "GET /v1/users/{id}/recommendations": () => json(recs(12, [item(1, "Muse")])),
      "GET /v1/users/{id}/history": () => json({ user_id: 12, events: [], top_artists: [], complete: true }),
    });
    render(<ListenerPicker />);
    await userEvent.type(screen.getByLabelText("Last.fm listener id"), "12");
    await userEvent.click(screen.getByRole("button", { name: "Show recommendations" }));
    expect(useListener.getState().listener).toEqual({ kind: "user", userId: 12 });
    expect(api.calls.map((c) => c.path).sort()).toEqual(["/v1/users/12/history", "/v1/users/12/recommendations"]);
  });

  it("refuses an id that is not a whole number", async () => {
    const api = mockApi({});
    render(<ListenerPicker />);
    await userEvent.type(screen.getByLabelText("Last.fm listener id"), "abc");
    await userEvent.click(screen.getByRole("button", { name: "Show recommendations" }));
    expect(screen.getByText(/whole number/)).toBeInTheDocument();
    expect(api.calls).toHaveLength(0);
  });

  it("autocompletes artists and starts fresh from the picked ones", async () => {
    const api = mockApi({
      "GET /v1/artists": (call) => json({ query: call.query.get("q"), items: call.query.get("q")?.startsWith("radio") ? [artist(10, "Radiohead"), artist(11, "Radio Dept.")] : [] }),
      "POST /v1/recommendations": () => json({ model_id: "m", strategy: "fold_in", items: [item(3, "Muse")] }),
    });
    render(<ListenerPicker />);
    const search = screen.getByRole("combobox");
    await userEvent.type(search, "radio");
    await userEvent.click(await screen.findByRole("option", { name: /Radiohead/ }));
    expect(screen.getByRole("list", { name: "Chosen artists" })).toHaveTextContent("Radiohead");

    await userEvent.type(search, "radio");
    await screen.findByRole("option", { name: /Radio Dept/ });
    await userEvent.keyboard("{ArrowDown}{Enter}");
    expect(useListener.getState().draftSeeds.map((s) => s.name)).toEqual(["Radiohead", "Radio Dept."]);

    await userEvent.click(screen.getByRole("button", { name: "Recommend from 2 artists" }));
    expect(api.calls.find((c) => c.method === "POST")?.body).toMatchObject({ artist_ids: [10, 11] });
    expect(useRecommendations.getState().data?.items[0]?.name).toBe("Muse");
  });

  it("says when no artist matches", async () => {
    mockApi({ "GET /v1/artists": () => json({ query: "zzz", items: [] }) });
    render(<ListenerPicker />);
    await userEvent.type(screen.getByRole("combobox"), "zzz");
    expect(await screen.findByText(/No artist matches/)).toBeInTheDocument();
  });
});
