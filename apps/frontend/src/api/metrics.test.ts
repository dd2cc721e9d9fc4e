import { describe, expect, it } from "vitest";
import { metricRows, offlineReport, trainingCurve } from "./metrics";

const report = {
  models: {
    lightgcn: { test: { "recall@10": 0.2, "recall@20": 0.3, "ndcg@10": 0.15, "ndcg@20": 0.2 } },
    most_popular: { test: { "recall@10": 0.08, "recall@20": 0.12, "ndcg@10": 0.06, "ndcg@20": 0.08 } },
    ease: { test: { "recall@10": 0.19, "recall@20": 0.28, "ndcg@10": 0.14, "ndcg@20": 0.19 } },
  },
  training: {
    curve: [
      { epoch: 1, loss: 0.6, "valid_recall@20": null },
      { epoch: 2, loss: 0.5, "valid_recall@20": 0.21 },
      { epoch: 4, loss: 0.4, "valid_recall@20": 0.25 },
    ],
  },
};

describe("metricRows", () => {
  it("gives one row per metric with every recommender", () => {
    const rows = metricRows(report);
    expect(rows.map((r) => r.metric)).toEqual(["Recall@10", "Recall@20", "NDCG@10", "NDCG@20"]);
    expect(rows[1]).toEqual({ metric: "Recall@20", lightgcn: 0.3, most_popular: 0.12, ease: 0.28 });
  });
  it("falls back to LightGCN's flat headline metrics", () => {
    const rows = metricRows({ "recall@10": 0.2, "recall@20": 0.3, "ndcg@10": 0.1, "ndcg@20": 0.2 });
    expect(rows[0]).toEqual({ metric: "Recall@10", lightgcn: 0.2 });
  });
  it("is empty without metrics", () => {
    expect(metricRows({})).toEqual([]);
    expect(metricRows(null)).toEqual([]);
  });
});

describe("trainingCurve", () => {
  it("keeps the evaluated epochs", () => {
    expect(trainingCurve(report)).toEqual([
      { epoch: 2, recall: 0.21 },
      { epoch: 4, recall: 0.25 },
    ]);
    expect(trainingCurve({ training: {} })).toEqual([]);
  });
});

describe("offlineReport", () => {
  it("finds metrics.json under metrics or another field of the model info", () => {
    expect(offlineReport({ model_id: "m", metrics: report })).toBe(report);
    expect(offlineReport({ model_id: "m", metrics: { "recall@20": 0.3 }, offline: report })).toBe(report);
    expect(offlineReport({ model_id: "m", metrics: { "recall@20": 0.3 } })).toEqual({ "recall@20": 0.3 });
  });
});
