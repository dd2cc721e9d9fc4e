import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { useHistory } from "../store/history";
import { useListener } from "../store/listener";
import { json, mockApi } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { HistoryPanel } from "./HistoryPanel";

beforeEach(resetStores);

describe("HistoryPanel", () => {
  it("lists the history and deletes the data after a confirmation, showing the receipt", async () => {
    let deleted = false;
    const api = mockApi({
      "GET /v1/users/{id}/history": () =>
        json({
          user_id: 5,
          events: deleted ? [] : [{ artist_id: 1, name: "Muse", event: "like", at: "2026-01-01T10:00:00Z" }],
          top_artists: [{ artist_id: 2, name: "Blur", tags: ["britpop"], listeners: 10 }],
          complete: true,
        }),
      "DELETE /v1/users/{id}": () => {
        deleted = true;
        return json({ user_id: 5, removed: { history_events: 1, cached_embeddings: 1 }, stores: ["redis", "process"], note: "model data unchanged" });
      },
    });
    useListener.getState().selectUser(5);
    await act(() => useHistory.getState().load(5));
    render(<HistoryPanel />);
    expect(screen.getByText("Muse")).toBeInTheDocument();
    expect(screen.getByText("Blur")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Delete my data" }));
    expect(api.calls.some((c) => c.method === "DELETE")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    const receipt = await screen.findByRole("status", { name: "Deletion receipt" });
    expect(receipt).toHaveTextContent("history events: 1");
    expect(receipt).toHaveTextContent("redis, process");
    expect(screen.queryByText("Muse")).not.toBeInTheDocument();
  });

  it("shows nothing without a listener id", () => {
    const { container } = render(<HistoryPanel />);
    expect(container).toBeEmptyDOMElement();
  });
});
