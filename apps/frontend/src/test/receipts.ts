// Erasure receipts as the API writes them (apps/api/tunedin_api/erasure/receipt.py).
import type { DeletionReceipt, ErasureStep } from "../api/types";

export const NOTE =
  "Artist embeddings learned while this user's listening was in the training data keep a trace " +
  "of it until a model trained without the user is served: the erasure is complete only then. " +
  "Until that retrain the API serves the user as a newcomer and nothing from the old model.";

const DESCRIPTIONS: Record<ErasureStep["step"], string> = {
  suppressed:
    "The API serves nothing derived from the user (embedding, listening history, most played artists, cached recommendations), on every worker and replica.",
  caches_purged:
    "Recent history, cached embeddings and recommendations, rate-limit counters and feedback-log entries removed from Redis and from every API process.",
  removed_from_datasets:
    "prepare-data rebuilt the training data without the user and removed every dataset, checkpoint and cached source archive that held them.",
  retrained: "A model trained without the user is served.",
  removed_from_models: "Every model that was trained with the user, rollback models included, is removed.",
};

export const REQUESTED_AT = "2026-03-02T09:15:04.120000Z";
export const DUE_BY = "2026-03-05T09:15:04.120000Z";

function step(name: ErasureStep["step"], at: string | null, detail: string | null = null): ErasureStep {
  return { step: name, status: at === null ? "pending" : "done", at, description: DESCRIPTIONS[name], detail };
}

/** The 202 of a first DELETE: suppressed and purged, the batch pipeline still to run. */
export function inProgressReceipt(userId: number, removed: Record<string, number> = {}): DeletionReceipt {
  return {
    erasure_id: "er-3f9c2a71b0d45e86a1c7",
    status: "in_progress",
    requested_at: REQUESTED_AT,
    due_by: DUE_BY,
    completed_at: null,
    requests: 1,
    steps: [
      step("suppressed", REQUESTED_AT),
      step("caches_purged", "2026-03-02T09:15:04.180000Z"),
      step("removed_from_datasets", null),
      step("retrained", null),
      step("removed_from_models", null),
    ],
    waiting_for: "the next pipeline run (prepare-data to publish)",
    note: NOTE,
    user_id: userId,
    removed: {
      history_events: 3,
      cached_embeddings: 1,
      feedback_log_entries: 3,
      rate_limit_counters: 2,
      in_process_cache_entries: 1,
      ...removed,
    },
  };
}

/** A repeated DELETE after the pipeline has retrained without the user. */
export function completeReceipt(userId: number): DeletionReceipt {
  const completedAt = "2026-03-02T11:40:52.003000Z";
  return {
    ...inProgressReceipt(userId),
    status: "complete",
    completed_at: completedAt,
    requests: 2,
    steps: [
      step("suppressed", REQUESTED_AT),
      step("caches_purged", "2026-03-02T09:15:04.180000Z"),
      step("removed_from_datasets", "2026-03-02T11:02:17.551000Z", "removed datasets: 20260301T020000Z-9a1b2c"),
      step("retrained", completedAt, "model 20260302T110230Z-d4e5f6"),
      step("removed_from_models", completedAt, "removed models: 20260301T021500Z-77aa01"),
    ],
    waiting_for: null,
    removed: { history_events: 0, cached_embeddings: 0, feedback_log_entries: 0, rate_limit_counters: 0, in_process_cache_entries: 0 },
  };
}
