import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "../format";
import { completeReceipt, DUE_BY, inProgressReceipt, NOTE, REQUESTED_AT } from "../test/receipts";
import { Receipt, removedSentence } from "./Receipt";

describe("Receipt", () => {
  it("tells a person where their erasure stands, in sentences with readable dates", () => {
    render(<Receipt receipt={inProgressReceipt(4)} userId={4} />);
    const receipt = screen.getByRole("status", { name: "Deletion receipt" });
    expect(within(receipt).getByRole("heading", { name: "Your data is being erased" })).toBeInTheDocument();
    expect(receipt).toHaveTextContent(`You asked on ${formatDateTime(REQUESTED_AT)} to erase listener 4. Status: in progress.`);
    expect(receipt).toHaveTextContent(`It is complete once a model trained without you is served, at the latest by ${formatDateTime(DUE_BY)}.`);
    expect(receipt).not.toHaveTextContent("2026-03-02T09:15");
    expect(within(receipt).getByText("in progress")).toHaveClass("receipt-status");

    const steps = within(within(receipt).getByRole("list", { name: "Erasure steps" })).getAllByRole("listitem");
    expect(steps.map((s) => s.dataset.step)).toEqual(["suppressed", "caches_purged", "removed_from_datasets", "retrained", "removed_from_models"]);
    expect(steps[0]).toHaveTextContent(`Done ${formatDateTime(REQUESTED_AT)}`);
    expect(steps[0]).toHaveTextContent("TunedIn stopped using your listening");
    for (const pending of steps.slice(2)) {
      expect(pending).toHaveTextContent(/^○ Pending/);
      expect(pending.querySelector("time")).toBeNull();
    }
    expect(within(receipt).getByText(/the next pipeline run/).closest("p")).toHaveTextContent("Waiting for: the next pipeline run (prepare-data to publish)");
    expect(within(receipt).getByText(NOTE)).toBeInTheDocument();
    expect(receipt).toHaveTextContent(
      "This request deleted 3 history events, 1 cached embedding, 3 feedback log entries, 2 rate limit counters and 1 in process cache entry.",
    );
  });

  it("says erased once complete, with the completion date, each step done and nothing waiting", () => {
    const done = completeReceipt(4);
    render(<Receipt receipt={done} userId={4} />);
    const receipt = screen.getByRole("status", { name: "Deletion receipt" });
    expect(within(receipt).getByRole("heading", { name: "Your data is erased" })).toBeInTheDocument();
    expect(receipt).toHaveTextContent(`It was completed on ${formatDateTime(done.completed_at ?? "")}.`);
    const steps = within(receipt).getAllByRole("listitem");
    expect(steps.every((s) => /Done/.test(s.textContent) && s.querySelector("time") !== null)).toBe(true);
    expect(within(receipt).getByText("model 20260302T110230Z-d4e5f6")).toBeInTheDocument();
    expect(within(receipt).queryByText(/Waiting for/)).not.toBeInTheDocument();
    expect(receipt).toHaveTextContent("There was nothing left to delete");
  });

  it("shows an overdue erasure as overdue, still waiting", () => {
    render(<Receipt receipt={{ ...inProgressReceipt(4), status: "overdue" }} userId={4} />);
    const receipt = screen.getByRole("status", { name: "Deletion receipt" });
    expect(within(receipt).getByText("overdue")).toHaveClass("receipt-status");
    expect(receipt).toHaveTextContent("which was due by");
    expect(receipt).toHaveTextContent("Waiting for:");
  });

  it("names only the kinds of data a request found, singular or plural", () => {
    expect(removedSentence({ history_events: 0, cached_embeddings: 2, rate_limit_counters: 1 })).toBe("This request deleted 2 cached embeddings and 1 rate limit counter.");
    expect(removedSentence({ history_events: 1 })).toBe("This request deleted 1 history event.");
  });
});
