import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/errors";
import { ErrorView } from "./StatusViews";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ErrorView", () => {
  it("counts a Retry-After down and then allows the retry", () => {
    const onRetry = vi.fn();
    render(<ErrorView error={new ApiError("rate_limited", "Too many requests.", 429, 3)} onRetry={onRetry} />);
    expect(screen.getByText("You can retry in 3 s.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeDisabled();
    act(() => {
      vi.advanceTimersByTime(2000);
    });
    expect(screen.getByText("You can retry in 1 s.")).toBeInTheDocument();
    act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(screen.getByText("You can retry now.")).toBeInTheDocument();
    act(() => {
      screen.getByRole("button", { name: "Retry" }).click();
    });
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it("names the kind of failure", () => {
    render(<ErrorView error={new ApiError("unreachable", "The TunedIn API is not reachable.")} />);
    expect(screen.getByRole("alert")).toHaveTextContent("API unavailable");
    expect(screen.queryByRole("button")).toBeNull();
  });
});
