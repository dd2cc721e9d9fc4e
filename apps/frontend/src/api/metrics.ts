// Chart and table data from the model's typed report (GET /v1/model → `report`, its metrics.json).
import type { ModelInfo } from "./types";

export type MetricsReport = ModelInfo["report"];
export type TrainingPoint = MetricsReport["training"]["curve"][number];

export const CHART_METRICS = ["recall@10", "recall@20", "ndcg@10", "ndcg@20"] as const;
export const RECOMMENDERS = [
  { key: "lightgcn", label: "LightGCN" },
  { key: "most_popular", label: "Most popular" },
  { key: "ease", label: "EASE" },
] as const;
export type RecommenderKey = (typeof RECOMMENDERS)[number]["key"];
export type MetricRow = { metric: string } & Partial<Record<RecommenderKey, number>>;

export interface CurvePoint {
  epoch: number;
  recall: number;
  ndcg: number | null;
  loss: number;
}

export function metricLabel(metric: string): string {
  const [name = metric, k = ""] = metric.split("@");
  return `${name === "ndcg" ? "NDCG" : name.charAt(0).toUpperCase() + name.slice(1)}@${k}`;
}

/** Test Recall/NDCG@{10,20} of every recommender the report holds, one row per metric. */
export function metricRows(report: MetricsReport): MetricRow[] {
  const rows = CHART_METRICS.map((metric) => {
    const row: MetricRow = { metric: metricLabel(metric) };
    for (const { key } of RECOMMENDERS) {
      const value = report.models[key]?.test[metric];
      if (typeof value === "number" && Number.isFinite(value)) row[key] = value;
    }
    return row;
  });
  return rows.some((row) => RECOMMENDERS.some(({ key }) => row[key] !== undefined)) ? rows : [];
}

/** The epochs where validation Recall@20 was measured. */
export function trainingCurve(report: MetricsReport): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const point of report.training.curve) {
    const recall = point["valid_recall@20"];
    if (typeof recall === "number" && Number.isFinite(recall)) {
      points.push({ epoch: point.epoch, recall, ndcg: point["valid_ndcg@20"] ?? null, loss: point.loss });
    }
  }
  return points;
}

/** LightGCN's gain over the better baseline on a row, as a fraction (0.25 = 25 % higher). */
export function liftOverBaselines(row: MetricRow): number | null {
  const baseline = Math.max(row.most_popular ?? -Infinity, row.ease ?? -Infinity);
  if (row.lightgcn === undefined || !Number.isFinite(baseline) || baseline <= 0) return null;
  return row.lightgcn / baseline - 1;
}
