import { vi } from "vitest";

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** Replaces fetch with a router over "METHOD /path" keys (path without the `/api` base). */
export function mockApi(routes: Record<string, Handler>): { calls: Call[] } {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, "http://localhost");
    const method = init?.method ?? "GET";
    const path = url.pathname.replace(/^\/api/, "");
    const body: unknown = typeof init?.body === "string" ? JSON.parse(init.body) : null;
    const call = { method, path, query: url.searchParams, body };
    calls.push(call);
    for (const [key, handler] of Object.entries(routes)) {
      const [m = "", pattern = ""] = key.split(" ");
      const re = new RegExp(`^${pattern.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      if (m === method && re.test(path)) return handler(call);
    }
    return json({ detail: `no mock for ${method} ${path}` }, 404);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls };
}

export function item(artistId: number, name: string, tags: string[] = ["rock"], score = 1 - artistId / 1000) {
  const url: string | null = `https://www.last.fm/music/${encodeURIComponent(name)}`;
  return { artist_id: artistId, name, url, score, tags, reason: `because you listen to Artist ${artistId + 1}` };
}

export function recs(userId: number, items: ReturnType<typeof item>[], strategy = "model") {
  const recommendation_id = `${userId.toString(16).padStart(4, "0")}${"0".repeat(16)}`;
  return { recommendation_id, experiment_id: null, variant: null, user_id: userId, model_id: "20260101T000000Z-abc123", strategy, items };
}
