import { describe, expect, it } from "vitest";
import { apiBase } from "./config";

describe("apiBase", () => {
  it("defaults to the same origin's /api", () => {
    expect(apiBase({})).toBe("/api");
    expect(apiBase({ VITE_API_BASE: "  " })).toBe("/api");
  });
  it("takes VITE_API_BASE without a trailing slash", () => {
    expect(apiBase({ VITE_API_BASE: "https://api.example.test/" })).toBe("https://api.example.test");
  });
});
