import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { completeReceipt, DUE_BY, inProgressReceipt, NOTE, REQUESTED_AT } from "../test/receipts";
import { Receipt, removedLine } from "./Receipt";

describe("Receipt", () => {
  it("shows an erasure in progress: its dates, the steps done with their times and the ones pending", () => {
    render(<Receipt receipt={inProgressReceipt(4)} />);
    const receipt = screen.getByRole("status", { name: "Deletion receipt" });
    expect(within(receipt).getByRole("heading", { name: "Your data is being erased" })).toBeInTheDocument();
    expect(within(receipt).getByText("in progress")).toHaveClass("receipt-status");
    const times = [...receipt.querySelectorAll("dl time")].map((t) => t.getAttribute("dateTime"));
    expect(times).toEqual([REQUESTED_AT, DUE_BY]);
    expect(within(receipt).queryByText("Completed")).not.toBeInTheDocument();

    const steps = within(within(receipt).getByRole("list", { name: "Erasure steps" })).getAllByRole("listitem");
    expect(steps.map((s) => s.dataset.step)).toEqual(["suppressed", "caches_purged", "removed_from_datasets", "retrained", "removed_from_models"]);
    expect(steps[0]).toHaveTextContent(/done/);
    expect(steps[0]?.querySelector("time")?.getAttribute("dateTime")).toBe(REQUESTED_AT);
    expect(steps[0]).toHaveTextContent(/serves nothing derived from the user/);
    for (const pending of steps.slice(2)) {
      expect(pending).toHaveTextContent(/pending/);
      expect(pending.querySelector("time")).toBeNull();
    }
    expect(within(receipt).getByText(/the next pipeline run/).closest("p")).toHaveTextContent("Waiting for: the next pipeline run (prepare-data to publish)");
    expect(within(receipt).getByText(NOTE)).toBeInTheDocument();
    expect(receipt).toHaveTextContent(
      "Removed by this request: history events: 3, cached embeddings: 1, feedback log entries: 3, rate limit counters: 2, in process cache entries: 1",
    );
  });

  it("says Erased once complete, with the completion time, each step's detail and nothing waiting", () => {
    const done = completeReceipt(4);
    render(<Receipt receipt={done} />);
    const receipt = screen.getByRole("status", { name: "Deletion receipt" });
    expect(within(receipt).getByRole("heading", { name: "Erased" })).toBeInTheDocument();
    expect(within(receipt).getByText("complete")).toHaveClass("receipt-status");
    expect(within(receipt).getByText("Completed").nextElementSibling?.querySelector("time")?.getAttribute("dateTime")).toBe(done.completed_at);
    const steps = within(receipt).getAllByRole("listitem");
    expect(steps.every((s) => /done/.test(s.textContent) && s.querySelector("time") !== null)).toBe(true);
    expect(within(receipt).getByText("model 20260302T110230Z-d4e5f6")).toBeInTheDocument();
    expect(within(receipt).queryByText(/Waiting for/)).not.toBeInTheDocument();
    expect(receipt).toHaveTextContent("Removed by this request: nothing (nothing was left to remove)");
  });

  it("shows an overdue erasure as overdue, still waiting", () => {
    render(<Receipt receipt={{ ...inProgressReceipt(4), status: "overdue" }} />);
    const receipt = screen.getByRole("status", { name: "Deletion receipt" });
    expect(within(receipt).getByRole("heading", { name: "Your data is being erased" })).toBeInTheDocument();
    expect(within(receipt).getByText("overdue")).toHaveClass("receipt-status");
    expect(receipt).toHaveTextContent("Waiting for:");
  });

  it("lists only the kinds of data a request found", () => {
    expect(removedLine({ history_events: 0, cached_embeddings: 2, rate_limit_counters: 1 })).toBe("cached embeddings: 2, rate limit counters: 1");
  });
});
