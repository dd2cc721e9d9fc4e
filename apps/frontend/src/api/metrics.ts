// Turns the model's metrics.json (inside GET /v1/model) into chart rows.

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
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function label(metric: string): string {
  const [name = metric, k = ""] = metric.split("@");
  return `${name === "ndcg" ? "NDCG" : name.charAt(0).toUpperCase() + name.slice(1)}@${k}`;
}

/**
 * The offline report inside GET /v1/model: `metrics` when it is the model's metrics.json
 * (it has `models`), else whichever top-level field holds that report; else `metrics` as is.
 */
export function offlineReport(info: unknown): unknown {
  const top = record(info);
  if (!top) return null;
  if (record(top.metrics)?.models) return top.metrics;
  return Object.values(top).find((value) => record(record(value)?.models) !== null) ?? top.metrics;
}

/**
 * Test Recall/NDCG@{10,20} of every recommender present, one row per metric. Takes the
 * model's metrics.json (`models.<name>.test`), or LightGCN's headline metrics alone
 * (a flat `{"recall@10": …}`) when that is all the API sends.
 */
export function metricRows(metrics: unknown): MetricRow[] {
  const flat = record(metrics);
  const models = record(flat?.models) ?? (flat && typeof flat["recall@20"] === "number" ? { lightgcn: { test: flat } } : null);
  if (!models) return [];
  const rows = CHART_METRICS.map((metric) => {
    const row: MetricRow = { metric: label(metric) };
    for (const { key } of RECOMMENDERS) {
      const value = record(record(models[key])?.test)?.[metric];
      if (typeof value === "number" && Number.isFinite(value)) row[key] = value;
    }
    return row;
  });
  return rows.some((row) => RECOMMENDERS.some(({ key }) => row[key] !== undefined)) ? rows : [];
}

/** Validation Recall@20 by epoch, for the epochs where it was evaluated. */
export function trainingCurve(metrics: unknown): CurvePoint[] {
  const curve = record(record(metrics)?.training)?.curve;
  if (!Array.isArray(curve)) return [];
  const points: CurvePoint[] = [];
  for (const entry of curve) {
    const point = record(entry);
    const epoch = point?.epoch;
    const recall = point?.["valid_recall@20"];
    if (typeof epoch === "number" && typeof recall === "number" && Number.isFinite(recall)) points.push({ epoch, recall });
  }
  return points;
}
