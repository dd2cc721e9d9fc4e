// GET /v1/model answers as the API gives them, with the report of metrics.json.
import type { ModelInfo } from "../api/types";

const scores = (r: number) => ({
  valid: { "recall@20": r },
  test: { "recall@10": r, "recall@20": r * 1.4, "ndcg@10": r * 0.8, "ndcg@20": r },
  test_fitted_on: "train" as const,
});

export function modelInfo(): ModelInfo {
  const curve = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, epoch_s: 1, elapsed_s: epoch, "valid_recall@20": 0.1 * epoch, "valid_ndcg@20": 0.05 * epoch }));
  return {
    model_id: "20260101T000000Z-abc123",
    created_at: "2026-01-01T00:00:00Z",
    loaded_at: "2026-01-01T00:01:00Z",
    dataset_id: "faa789650a3d5949",
    n_users: 1892,
    n_items: 17632,
    dim: 64,
    metrics: { "recall@20": 0.28 },
    index: {},
    report: {
      dataset_id: "faa789650a3d5949",
      model_id: "20260101T000000Z-abc123",
      created_at: "2026-01-01T00:00:00Z",
      k: [10, 20],
      protocol: "test split",
      metric_definitions: {},
      models: { lightgcn: scores(0.2), most_popular: scores(0.08), ease: scores(0.18) },
      training: { best_epoch: 2, epochs_run: 3, stopped_early: false, refit_epochs: 0, seconds: 12.4, seconds_per_epoch: 4, threads: 2, curve },
    },
  };
}
