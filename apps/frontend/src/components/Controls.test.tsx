import { act, fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { useListener } from "../store/listener";
import { useRecommendations } from "../store/recommendations";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { Controls } from "./Controls";

beforeEach(resetStores);

async function withList() {
  const api = mockApi({
    "GET /v1/users/{id}/recommendations": () => json(recs(2, [item(1, "Muse", ["rock", "britpop"]), item(2, "Blur", ["britpop"])])),
  });
  useListener.getState().selectUser(2);
  await act(() => useRecommendations.getState().load());
  render(<Controls />);
  return api;
}

describe("Controls", () => {
  it("reloads with the diversity the slider is moved to", async () => {
    const api = await withList();
    await act(async () => {
      fireEvent.change(screen.getByRole("slider"), { target: { value: "0.6" } });
      await Promise.resolve();
    });
    expect(api.calls.at(-1)?.query.get("diversity")).toBe("0.6");
    expect(screen.getByText("0.6")).toBeInTheDocument();
  });

  it("changes the number of results and the exclude-listened toggle", async () => {
    const api = await withList();
    await userEvent.selectOptions(screen.getByRole("combobox"), "50");
    expect(api.calls.at(-1)?.query.get("k")).toBe("50");
    await userEvent.click(screen.getByRole("checkbox"));
    expect(api.calls.at(-1)?.query.get("exclude_listened")).toBe("false");
  });

  it("offers the list's tags as chips that filter", async () => {
    const api = await withList();
    const chip = screen.getByRole("button", { name: "britpop" });
    expect(chip).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(chip);
    expect(api.calls.at(-1)?.query.get("tags")).toBe("britpop");
    expect(screen.getByRole("button", { name: "britpop" })).toHaveAttribute("aria-pressed", "true");
  });
});
