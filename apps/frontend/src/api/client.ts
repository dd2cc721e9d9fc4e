// The typed client: one function per endpoint of the API, nothing else talks HTTP.
import { apiBase } from "./config";
import { errorFromResponse, toApiError } from "./errors";
import { sessionKey } from "./session";
import type {
  ArtistSearch,
  ColdStartBody,
  ColdStartRecommendations,
  DeletionReceipt,
  FeedbackBody,
  History,
  ModelInfo,
  RecommendationsQuery,
  SimilarArtists,
  UserRecommendations,
} from "./types";

type Query = Record<string, string | number | boolean | null | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const qs = params.toString();
  return `${apiBase()}${path}${qs ? `?${qs}` : ""}`;
}

async function request<T>(method: string, path: string, init: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path, init.query), {
      method,
      headers: init.body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: init.signal ?? null,
    });
  } catch (error) {
    throw toApiError(error);
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return {} as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export interface RecommendationOptions {
  k: number;
  diversity: number;
  excludeListened: boolean;
  tags: string[];
}

export function getRecommendations(userId: number, options: RecommendationOptions, signal?: AbortSignal): Promise<UserRecommendations> {
  const query: RecommendationsQuery = {
    k: options.k,
    diversity: options.diversity,
    exclude_listened: options.excludeListened,
    tags: options.tags.length ? options.tags.join(",") : null,
  };
  return request("GET", `/v1/users/${userId}/recommendations`, { query, signal });
}

export function coldStart(artistIds: number[], options: Omit<RecommendationOptions, "excludeListened">, signal?: AbortSignal): Promise<ColdStartRecommendations> {
  const body: ColdStartBody = {
    artist_ids: artistIds,
    k: options.k,
    diversity: options.diversity,
    tags: options.tags.length ? options.tags : null,
    session_id: sessionKey(),
  };
  return request("POST", "/v1/recommendations", { body, signal });
}

export function searchArtists(q: string, limit = 10, signal?: AbortSignal): Promise<ArtistSearch> {
  return request("GET", "/v1/artists", { query: { q, limit }, signal });
}

export function similarArtists(artistId: number, k = 10, signal?: AbortSignal): Promise<SimilarArtists> {
  return request("GET", `/v1/artists/${artistId}/similar`, { query: { k }, signal });
}

export function getHistory(userId: number, signal?: AbortSignal): Promise<History> {
  return request("GET", `/v1/users/${userId}/history`, { signal });
}

export function sendFeedback(body: FeedbackBody): Promise<unknown> {
  return request("POST", "/v1/feedback", { body });
}

/** Erases the user: the API answers 202 with the erasure receipt (complete only after a retrain). */
export function deleteUser(userId: number): Promise<DeletionReceipt> {
  return request("DELETE", `/v1/users/${userId}`);
}

export function getModel(signal?: AbortSignal): Promise<ModelInfo> {
  return request("GET", "/v1/model", { signal });
}
