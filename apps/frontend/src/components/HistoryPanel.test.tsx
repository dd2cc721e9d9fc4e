import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { chooseUser } from "../store/actions";
import { useHistory } from "../store/history";
import { useListener } from "../store/listener";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { inProgressReceipt } from "../test/receipts";
import { resetStores } from "../test/stores";
import { HistoryPanel } from "./HistoryPanel";
import { RecommendationList } from "./RecommendationList";

beforeEach(resetStores);

const blur = { artist_id: 2, name: "Blur", url: "https://www.last.fm/music/Blur", tags: ["britpop"], listeners: 10, plays: 1234 };

describe("HistoryPanel", () => {
  it("lists recent activity and the most played artists with their plays and Last.fm pages", async () => {
    mockApi({
      "GET /v1/users/{id}/history": () =>
        json({ user_id: 5, events: [{ artist_id: 1, name: "Muse", event: "like", at: "2026-01-01T10:00:00Z" }], top_artists: [blur], complete: true }),
      "GET /v1/users/{id}/recommendations": () => json(recs(5, [item(3, "Oasis")])),
    });
    await act(() => chooseUser(5));
    render(<HistoryPanel />);
    expect(screen.getByText("Muse")).toBeInTheDocument();
    expect(screen.getByText("liked")).toBeInTheDocument();
    expect(screen.getByText("1,234 plays")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Blur on Last.fm" })).toHaveAttribute("href", blur.url);
  });

  it("erases after a confirmation: the page goes back to the start and shows the receipt", async () => {
    const receipt = inProgressReceipt(5, { history_events: 1 });
    const api = mockApi({
      "GET /v1/users/{id}/history": () => json({ user_id: 5, events: [], top_artists: [blur], complete: true }),
      "GET /v1/users/{id}/recommendations": () => json(recs(5, [item(3, "Oasis")])),
      "DELETE /v1/users/{id}": () => json(receipt, 202, { Location: `/v1/erasures/${receipt.erasure_id}` }),
    });
    await act(() => chooseUser(5));
    render(
      <>
        <RecommendationList />
        <HistoryPanel />
      </>,
    );
    expect(screen.getByText("Oasis")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Delete my data" }));
    expect(api.calls.some((c) => c.method === "DELETE")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    const shown = await screen.findByRole("status", { name: "Deletion receipt" });
    expect(shown).toHaveTextContent("This request deleted 1 history event");
    expect(screen.queryByText("Oasis")).not.toBeInTheDocument();
    expect(screen.queryByText("1,234 plays")).not.toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Listening history" })).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Find your next favourite artist" })).toBeInTheDocument();
  });

  it("keeps the history and shows the error when the deletion is refused", async () => {
    mockApi({
      "GET /v1/users/{id}/history": () => json({ user_id: 5, events: [], top_artists: [blur], complete: true }),
      "DELETE /v1/users/{id}": () => json({ detail: "the API key lacks the scope users:delete" }, 403),
    });
    useListener.getState().selectUser(5);
    await act(() => useHistory.getState().load(5));
    render(<HistoryPanel />);
    await userEvent.click(screen.getByRole("button", { name: "Delete my data" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    expect(await screen.findByText("the API key lacks the scope users:delete")).toBeInTheDocument();
    expect(screen.queryByRole("status", { name: "Deletion receipt" })).not.toBeInTheDocument();
    expect(screen.getByText("Blur")).toBeInTheDocument();
  });

  it("shows nothing without a listener id", () => {
    const { container } = render(<HistoryPanel />);
    expect(container).toBeEmptyDOMElement();
  });
});
