// What can go wrong talking to the API, as one error type the UI knows how to show.

export type ApiErrorKind = "unreachable" | "rate_limited" | "client" | "server";

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  /** Seconds from the 429's Retry-After header, when the API sent one. */
  readonly retryAfter: number | null;
  /** When the error arrived (ms since the epoch), to count Retry-After down from. */
  readonly receivedAt: number = Date.now();

  constructor(kind: ApiErrorKind, message: string, status: number | null = null, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

interface ValidationIssue {
  loc?: unknown;
  msg?: unknown;
}

/** FastAPI's `detail` is a string, or a list of validation issues; make one readable line. */
export function detailMessage(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("detail" in body)) return null;
  const detail: unknown = body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((issue: ValidationIssue) => {
      const loc = Array.isArray(issue.loc) ? issue.loc.filter((p) => p !== "body" && p !== "query").join(".") : "";
      const msg = typeof issue.msg === "string" ? issue.msg : "invalid";
      return loc ? `${loc}: ${msg}` : msg;
    });
    return parts.join("; ");
  }
  return null;
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const detail = detailMessage(body);
  const status = response.status;
  if (status === 429) {
    const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
    const message = `Too many requests${detail ? ` (${detail})` : ""}.${retryAfter === null ? " Try again in a moment." : ""}`;
    return new ApiError("rate_limited", message, status, retryAfter);
  }
  if (status >= 400 && status < 500) {
    return new ApiError("client", detail ?? `The API refused the request (HTTP ${status}).`, status);
  }
  if (detail === null && [502, 503, 504].includes(status)) {
    return new ApiError("unreachable", `The TunedIn API is not reachable (HTTP ${status}).`, status);
  }
  return new ApiError("server", detail ?? `The API failed (HTTP ${status}).`, status);
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === "AbortError") throw error;
  return new ApiError("unreachable", "The TunedIn API is not reachable: check that it is running.");
}
