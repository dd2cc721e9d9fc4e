import { render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { json, mockApi } from "../test/fetchMock";
import { modelInfo } from "../test/models";
import { resetStores } from "../test/stores";
import { ModelPage } from "./ModelPage";

beforeEach(resetStores);

describe("ModelPage", () => {
  it("shows the model, both charts with their exact values and the best epoch marked", async () => {
    const model = modelInfo();
    mockApi({ "GET /v1/model": () => json(model) });
    // jsdom lays nothing out: give the charts' containers a size to draw into.
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(function (this: HTMLElement) {
      return this.classList.contains("recharts-responsive-container") ? new DOMRect(0, 0, 640, 300) : new DOMRect();
    });
    const { container } = render(<ModelPage />);
    expect(await screen.findByTestId("model-id")).toHaveTextContent(model.model_id);
    expect(screen.getByText("1,892 listeners × 17,632 artists")).toBeInTheDocument();
    await waitFor(() => {
      expect(container.querySelectorAll('[data-chart="metrics"] .recharts-bar-rectangle')).toHaveLength(12);
    });
    await waitFor(() => {
      expect(container.querySelector('[data-chart="curve"] .recharts-line-curve')?.getAttribute("d")).toMatch(/^M/);
    });
    const metrics = container.querySelector<HTMLTableElement>('[data-table="metrics"]');
    if (!metrics) throw new Error("no metrics table");
    const recall20 = within(metrics).getByRole("row", { name: /Recall@20/ });
    expect(recall20).toHaveTextContent("0.2800");
    expect(recall20).toHaveTextContent("+11%");
    expect(within(recall20).getByText("0.2800")).toHaveClass("best");
    const curve = container.querySelector<HTMLTableElement>('[data-table="curve"]');
    if (!curve) throw new Error("no curve table");
    expect(within(curve).getAllByRole("row")).toHaveLength(4);
    expect(curve.querySelector('[aria-current="true"]')).toHaveTextContent(/^2 ★ best/);
    expect(screen.getByText(/the model is the one of epoch 2/)).toBeInTheDocument();
  });

  it("shows an error when the API is down", async () => {
    mockApi({ "GET /v1/model": () => new Response("", { status: 502 }) });
    render(<ModelPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("API unavailable");
  });
});
