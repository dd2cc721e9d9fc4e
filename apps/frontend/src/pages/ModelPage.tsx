import { useEffect } from "react";
import { metricRows, trainingCurve } from "../api/metrics";
import { CurveChart } from "../components/CurveChart";
import { CurveTable } from "../components/CurveTable";
import { MetricsChart } from "../components/MetricsChart";
import { MetricsTable } from "../components/MetricsTable";
import { ModelFacts } from "../components/ModelFacts";
import { Empty, ErrorView, Loading } from "../components/StatusViews";
import { useModel } from "../store/model";

export function ModelPage() {
  const { status, data, error, load } = useModel();
  useEffect(() => {
    if (useModel.getState().status === "idle") void load();
  }, [load]);
  if (status === "error" && error) return <ErrorView error={error} onRetry={() => void load()} />;
  if (!data) return <Loading label="Loading the served model…" />;
  const rows = metricRows(data.report);
  const curve = trainingCurve(data.report);
  const bestEpoch = data.report.training.best_epoch;
  return (
    <div className="model-page">
      <section className="panel model-summary" aria-labelledby="model-title">
        <h2 id="model-title">The model behind your recommendations</h2>
        <p className="lede">
          LightGCN learns a taste vector for every listener and artist from who plays what. Below: how well it finds the artists listeners went on to play, against two simple baselines, and how training went.
        </p>
        <ModelFacts model={data} />
      </section>
      <section className="panel" aria-labelledby="metrics-title">
        <h2 id="metrics-title">LightGCN against the baselines</h2>
        {rows.length > 0 ? (
          <>
            <MetricsChart rows={rows} />
            <MetricsTable rows={rows} />
          </>
        ) : (
          <Empty>This model&apos;s report holds no test metrics.</Empty>
        )}
      </section>
      <section className="panel" aria-labelledby="curve-title">
        <h2 id="curve-title">Training curve</h2>
        {curve.length > 0 ? (
          <>
            <CurveChart points={curve} bestEpoch={bestEpoch} />
            <CurveTable points={curve} bestEpoch={bestEpoch} />
          </>
        ) : (
          <Empty>The report has no validation measurements by epoch.</Empty>
        )}
      </section>
    </div>
  );
}
