// The API's base URL is fixed at build time (VITE_API_BASE); by default the same origin's
// `/api`, which the ingress (and `vite dev` / `vite preview`) forward to the API.
export function apiBase(env: Record<string, unknown> = import.meta.env): string {
  const configured = env.VITE_API_BASE;
  const base = typeof configured === "string" && configured.trim() !== "" ? configured.trim() : "/api";
  return base.replace(/\/+$/, "");
}
