import { render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { ModelPage } from "./ModelPage";

beforeEach(resetStores);

const scores = (r: number) => ({ test: { "recall@10": r, "recall@20": r * 1.4, "ndcg@10": r * 0.8, "ndcg@20": r } });
const model = {
  model_id: "20260101T000000Z-abc123",
  created_at: "2026-01-01T00:00:00Z",
  metrics: {
    models: { lightgcn: scores(0.2), most_popular: scores(0.08), ease: scores(0.18) },
    training: { best_epoch: 3, curve: [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, "valid_recall@20": 0.1 * epoch })) },
  },
  index: {},
};

describe("ModelPage", () => {
  it("shows the model id, the metrics bar chart and the training curve", async () => {
    mockApi({ "GET /v1/model": () => json(model) });
    // jsdom lays nothing out: give the charts' containers a size to draw into.
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(function (this: HTMLElement) {
      return this.classList.contains("recharts-responsive-container") ? new DOMRect(0, 0, 640, 300) : new DOMRect();
    });
    const { container } = render(<ModelPage />);
    expect(await screen.findByTestId("model-id")).toHaveTextContent(model.model_id);
    await waitFor(() => {
      expect(container.querySelectorAll('[data-chart="metrics"] .recharts-bar-rectangle')).toHaveLength(12);
    });
    await waitFor(() => {
      expect(container.querySelector('[data-chart="curve"] .recharts-line-curve')?.getAttribute("d")).toMatch(/^M/);
    });
    expect(screen.getByText(/best epoch 3/)).toBeInTheDocument();
  });

  it("shows an error when the API is down", async () => {
    mockApi({ "GET /v1/model": () => new Response("", { status: 502 }) });
    render(<ModelPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("API unavailable");
  });
});
