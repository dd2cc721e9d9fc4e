import { describe, expect, it } from "vitest";
import { modelInfo } from "../test/models";
import { liftOverBaselines, metricRows, trainingCurve } from "./metrics";

describe("model report → charts", () => {
  it("gives one row per test metric with every recommender", () => {
    const rows = metricRows(modelInfo().report);
    expect(rows.map((r) => r.metric)).toEqual(["Recall@10", "Recall@20", "NDCG@10", "NDCG@20"]);
    expect(rows[0]).toEqual({ metric: "Recall@10", lightgcn: 0.2, most_popular: 0.08, ease: 0.18 });
  });

  it("leaves out a recommender the report lacks, and gives no rows without any", () => {
    const report = modelInfo().report;
    delete report.models.ease;
    const row = metricRows(report)[1];
    expect(Object.keys(row ?? {}).sort()).toEqual(["lightgcn", "metric", "most_popular"]);
    expect(row?.lightgcn).toBeCloseTo(0.28);
    expect(metricRows({ ...report, models: {} })).toEqual([]);
  });

  it("keeps the epochs with a validation measurement", () => {
    const report = modelInfo().report;
    report.training.curve.push({ epoch: 4, loss: 0.2, epoch_s: 1, elapsed_s: 4, "valid_recall@20": null });
    expect(trainingCurve(report).map((p) => [p.epoch, p.recall])).toEqual([[1, 0.1], [2, 0.2], [3, 0.30000000000000004]]);
  });

  it("measures LightGCN against the better baseline", () => {
    expect(liftOverBaselines({ metric: "m", lightgcn: 0.3, most_popular: 0.1, ease: 0.2 })).toBeCloseTo(0.5);
    expect(liftOverBaselines({ metric: "m", lightgcn: 0.3 })).toBeNull();
  });
});
