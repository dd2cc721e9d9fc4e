import { describe, expect, it } from "vitest";
import { detailMessage, errorFromResponse, parseRetryAfter } from "./errors";

describe("detailMessage", () => {
  it("reads a string detail", () => {
    expect(detailMessage({ detail: "unknown artist id: 7" })).toBe("unknown artist id: 7");
  });
  it("joins validation issues with their field", () => {
    const body = { detail: [{ loc: ["query", "k"], msg: "Input should be less than or equal to 100" }, { loc: ["body"], msg: "bad" }] };
    expect(detailMessage(body)).toBe("k: Input should be less than or equal to 100; bad");
  });
  it("gives null without a detail", () => {
    expect(detailMessage({ error: "x" })).toBeNull();
    expect(detailMessage("nope")).toBeNull();
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("7")).toBe(7);
    expect(parseRetryAfter("1.2")).toBe(2);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

describe("errorFromResponse", () => {
  it("turns a 429 into a rate-limit error carrying Retry-After", async () => {
    const error = await errorFromResponse(new Response('{"detail":"rate limit"}', { status: 429, headers: { "Retry-After": "12" } }));
    expect(error.kind).toBe("rate_limited");
    expect(error.retryAfter).toBe(12);
    expect(error.message).toBe("Too many requests (rate limit).");
  });
  it("shows a 4xx's detail", async () => {
    const error = await errorFromResponse(new Response('{"detail":"unknown artist ids: [9]"}', { status: 422 }));
    expect(error).toMatchObject({ kind: "client", status: 422, message: "unknown artist ids: [9]" });
  });
  it("treats a proxy's bodyless 502 as the API being unreachable", async () => {
    const error = await errorFromResponse(new Response("", { status: 502 }));
    expect(error.kind).toBe("unreachable");
  });
  it("keeps the API's own 503 message", async () => {
    const error = await errorFromResponse(new Response('{"detail":"Redis is unavailable"}', { status: 503 }));
    expect(error).toMatchObject({ kind: "server", message: "Redis is unavailable" });
  });
});
