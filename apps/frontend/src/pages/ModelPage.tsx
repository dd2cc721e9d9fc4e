import { useEffect } from "react";
import { metricRows, offlineReport, trainingCurve } from "../api/metrics";
import { CurveChart } from "../components/CurveChart";
import { MetricsChart } from "../components/MetricsChart";
import { Empty, ErrorView, Loading } from "../components/StatusViews";
import { useModel } from "../store/model";

function bestEpoch(metrics: unknown): number | null {
  if (typeof metrics !== "object" || metrics === null || !("training" in metrics)) return null;
  const training: unknown = metrics.training;
  if (typeof training !== "object" || training === null || !("best_epoch" in training)) return null;
  return typeof training.best_epoch === "number" ? training.best_epoch : null;
}

export function ModelPage() {
  const { status, data, error, load } = useModel();
  useEffect(() => {
    if (useModel.getState().status === "idle") void load();
  }, [load]);

  if (status === "error" && error) return <ErrorView error={error} onRetry={() => void load()} />;
  if (!data) return <Loading label="Loading the served model…" />;
  const report = offlineReport(data);
  const rows = metricRows(report);
  const curve = trainingCurve(report);
  return (
    <div className="model-page">
      <section className="panel" aria-labelledby="model-title">
        <h2 id="model-title">Served model</h2>
        <dl className="facts">
          <div>
            <dt>Model id</dt>
            <dd>
              <code data-testid="model-id">{data.model_id}</code>
            </dd>
          </div>
          {data.created_at && (
            <div>
              <dt>Created</dt>
              <dd>{new Date(data.created_at).toLocaleString()}</dd>
            </div>
          )}
        </dl>
      </section>
      <section className="panel" aria-labelledby="metrics-title">
        <h2 id="metrics-title">LightGCN against the baselines</h2>
        {rows.length > 0 ? <MetricsChart rows={rows} /> : <Empty>This model carries no offline metrics.</Empty>}
        {rows.length > 0 && !rows.some((row) => row.most_popular !== undefined || row.ease !== undefined) && (
          <p className="hint">The API sent LightGCN&apos;s headline metrics only, without the baselines of metrics.json.</p>
        )}
      </section>
      <section className="panel" aria-labelledby="curve-title">
        <h2 id="curve-title">Training curve</h2>
        {curve.length > 0 ? <CurveChart points={curve} bestEpoch={bestEpoch(report)} /> : <Empty>The API sent no training curve (metrics.json `training.curve`) for this model.</Empty>}
      </section>
    </div>
  );
}
