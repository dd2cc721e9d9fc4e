import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { chooseUser } from "../store/actions";
import { item, json, mockApi, recs } from "../test/fetchMock";
import { resetStores } from "../test/stores";
import { RecommendationList } from "./RecommendationList";

beforeEach(resetStores);

const history = () => json({ user_id: 2, events: [], top_artists: [], complete: true });

describe("RecommendationList", () => {
  it("opens on example listeners described by their listening", async () => {
    mockApi({
      "GET /v1/users/{id}/history": (call) =>
        json({ user_id: Number(call.path.split("/")[3]), events: [], top_artists: [{ artist_id: 1, name: "a-ha", url: null, tags: ["80s", "synthpop"], listeners: 9, plays: 40 }], complete: true }),
    });
    render(<RecommendationList />);
    expect(await screen.findByRole("button", { name: /Listener 2 — 80s, synthpop/ })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Surprise me: a random listener" })).toBeInTheDocument();
  });

  it("shows names, tags, score and reason, and refreshes after a like", async () => {
    let liked = false;
    const api = mockApi({
      "GET /v1/users/{id}/history": history,
      "GET /v1/users/{id}/recommendations": () => json(recs(2, liked ? [item(8, "Kasabian")] : [item(1, "Muse", ["alternative", "rock"], 0.9123)])),
      "POST /v1/feedback": () => {
        liked = true;
        return json({ accepted: true, user_id: 2, artist_id: 1, event: "like", history_length: 1 }, 202);
      },
    });
    render(<RecommendationList />);
    await act(() => chooseUser(2));
    const card = (await screen.findByText("Muse")).closest("li");
    if (!card) throw new Error("no card");
    expect(within(card).getByText("alternative")).toBeInTheDocument();
    expect(within(card).queryByText(/0\.912/)).not.toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "Muse on Last.fm" })).toHaveAttribute("href", "https://www.last.fm/music/Muse");
    expect(within(card).getByRole("button", { name: "Log a play: Muse" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Show details" }));
    expect(within(card).getByText("score 0.912")).toBeInTheDocument();
    expect(screen.getByText("20260101T000000Z-abc123")).toBeInTheDocument();
    expect(within(card).getByText("because you listen to Artist 2")).toBeInTheDocument();

    await userEvent.click(within(card).getByRole("button", { name: "Like: Muse" }));
    expect(await screen.findByText("Kasabian")).toBeInTheDocument();
    expect(screen.getByText(/Liked Muse/)).toBeInTheDocument();
    expect(api.calls.filter((c) => c.path.endsWith("/recommendations"))).toHaveLength(2);
  });

  it("shows an empty state for an empty list", async () => {
    mockApi({ "GET /v1/users/{id}/history": history, "GET /v1/users/{id}/recommendations": () => json(recs(2, [])) });
    render(<RecommendationList />);
    await act(() => chooseUser(2));
    expect(await screen.findByText(/no artists match/i)).toBeInTheDocument();
  });

  it("shows a 429 with its Retry-After and holds the retry button", async () => {
    mockApi({
      "GET /v1/users/{id}/history": history,
      "GET /v1/users/{id}/recommendations": () => json({ detail: "rate limit exceeded" }, 429, { "Retry-After": "30" }),
    });
    render(<RecommendationList />);
    await act(() => chooseUser(2));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Too many requests (rate limit exceeded).");
    expect(alert).toHaveTextContent(/retry in 30 s/);
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeDisabled();
  });

  it("shows a 4xx's message", async () => {
    mockApi({
      "GET /v1/users/{id}/history": history,
      "GET /v1/users/{id}/recommendations": () => json({ detail: [{ loc: ["query", "k"], msg: "Input should be less than or equal to 100" }] }, 422),
    });
    render(<RecommendationList />);
    await act(() => chooseUser(2));
    expect(await screen.findByRole("alert")).toHaveTextContent("k: Input should be less than or equal to 100");
  });
});
