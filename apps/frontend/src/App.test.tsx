import { act, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { json, mockApi } from "./test/fetchMock";
import { modelInfo } from "./test/models";
import { resetStores } from "./test/stores";
import { pageFromHash } from "./usePage";

beforeEach(() => {
  resetStores();
  window.location.hash = "";
});

describe("App", () => {
  it("maps the hash to a page", () => {
    expect(pageFromHash("#/model")).toBe("model");
    expect(pageFromHash("")).toBe("listen");
    expect(pageFromHash("#/elsewhere")).toBe("listen");
  });

  it("opens on the listener picker and follows the Model link", async () => {
    mockApi({ "GET /v1/model": () => json({ ...modelInfo(), model_id: "m-1" }), "GET /v1/users/{id}/history": () => json({ user_id: 2, events: [], top_artists: [], complete: true }) });
    render(<App />);
    expect(screen.getByRole("heading", { name: "Who is listening?" })).toBeInTheDocument();
    await act(async () => {
      window.location.hash = "#/model";
      window.dispatchEvent(new HashChangeEvent("hashchange"));
      await Promise.resolve();
    });
    // The model page (and recharts) load lazily: allow for a slow first import.
    expect(await screen.findByTestId("model-id", {}, { timeout: 10_000 })).toHaveTextContent("m-1");
    expect(screen.getByRole("link", { name: "Model" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("heading", { name: "Training curve" })).toBeInTheDocument();
  });
});
