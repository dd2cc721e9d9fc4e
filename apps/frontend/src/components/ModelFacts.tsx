import type { ModelInfo } from "../api/types";
import { formatDateTime, plural } from "../format";

/** The served model in a few facts. */
export function ModelFacts({ model }: { model: ModelInfo }) {
  const training = model.report.training;
  const facts: [string, React.ReactNode][] = [
    ["Model id", <code key="id" data-testid="model-id">{model.model_id}</code>],
    ["Trained", formatDateTime(model.created_at)],
    ["Learned from", `${plural(model.n_users, "listener")} × ${plural(model.n_items, "artist")}`],
    ["Embedding size", String(model.dim)],
    ["Training", `${plural(training.epochs_run, "epoch")}${training.stopped_early ? " (stopped early)" : ""}, ${Math.round(training.seconds)} s`],
    ["Best epoch", String(training.best_epoch)],
  ];
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
