import { ApiError, toApiError } from "../api/errors";

export type Status = "idle" | "loading" | "ready" | "error";

export interface AsyncSlot<T> {
  status: Status;
  data: T | null;
  error: ApiError | null;
}

export function idle<T>(): AsyncSlot<T> {
  return { status: "idle", data: null, error: null };
}

export function failed<T>(error: unknown, data: T | null = null): AsyncSlot<T> {
  return { status: "error", data, error: error instanceof ApiError ? error : toApiError(error) };
}

/** Hands out tickets so that only the newest of overlapping requests lands in the store. */
export function sequencer(): { next: () => number; isLatest: (ticket: number) => boolean } {
  let latest = 0;
  return { next: () => ++latest, isLatest: (ticket) => ticket === latest };
}
