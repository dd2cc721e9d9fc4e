import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { chooseUser } from "../store/actions";
import { useHistory } from "../store/history";
import { useListener } from "../store/listener";
import { useRecommendations } from "../store/recommendations";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { inProgressReceipt } from "../test/receipts";
import { resetStores } from "../test/stores";
import { HistoryPanel } from "./HistoryPanel";

beforeEach(resetStores);

describe("HistoryPanel", () => {
  it("lists the history and erases the data after a confirmation, showing the receipt", async () => {
    let deleted = false;
    const receipt = inProgressReceipt(5, { history_events: 1 });
    const api = mockApi({
      "GET /v1/users/{id}/history": () =>
        json({
          user_id: 5,
          events: deleted ? [] : [{ artist_id: 1, name: "Muse", event: "like", at: "2026-01-01T10:00:00Z" }],
          top_artists: deleted ? [] : [{ artist_id: 2, name: "Blur", tags: ["britpop"], listeners: 10 }],
          complete: true,
        }),
      "GET /v1/users/{id}/recommendations": () =>
        json(deleted ? recs(5, [{ ...item(7, "Coldplay"), reason: "popular with listeners" }], "popular") : recs(5, [item(3, "Oasis")])),
      "DELETE /v1/users/{id}": () => {
        deleted = true;
        return json(receipt, 202, { Location: `/v1/erasures/${receipt.erasure_id}` });
      },
    });
    await act(() => chooseUser(5));
    render(<HistoryPanel />);
    expect(screen.getByText("Muse")).toBeInTheDocument();
    expect(screen.getByText("Blur")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Delete my data" }));
    expect(api.calls.some((c) => c.method === "DELETE")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    const shown = await screen.findByRole("status", { name: "Deletion receipt" });
    expect(within(shown).getByRole("heading", { name: "Your data is being erased" })).toBeInTheDocument();
    expect(within(shown).getByText("in progress")).toBeInTheDocument();
    expect(within(shown).getAllByRole("listitem")).toHaveLength(5);
    expect(shown).toHaveTextContent("history events: 1");
    expect(await screen.findByText("No listening history for this listener.")).toBeInTheDocument();
    expect(screen.queryByText("Muse")).not.toBeInTheDocument();
    expect(screen.queryByText("Blur")).not.toBeInTheDocument();
    // The list is asked for again: the API now serves the listener as a newcomer.
    await waitFor(() => { expect(useRecommendations.getState().data?.strategy).toBe("popular"); });
    const order = api.calls.map((c) => `${c.method} ${c.path}`);
    expect(order.lastIndexOf("GET /v1/users/5/recommendations")).toBeGreaterThan(order.indexOf("DELETE /v1/users/5"));
  });

  it("keeps the history and shows the error when the deletion is refused", async () => {
    mockApi({
      "GET /v1/users/{id}/history": () => json({ user_id: 5, events: [], top_artists: [{ artist_id: 2, name: "Blur", tags: [], listeners: 10 }], complete: true }),
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
