import type { CurvePoint } from "../api/metrics";

/** The training curve's numbers, the epoch the model was selected at marked. */
export function CurveTable({ points, bestEpoch }: { points: CurvePoint[]; bestEpoch: number }) {
  return (
    <div className="table-scroll" role="region" aria-label="Exact values by epoch" tabIndex={0}>
    <table className="metrics-table" data-table="curve">
      <caption>Exact values by epoch</caption>
      <thead>
        <tr>
          <th scope="col">Epoch</th>
          <th scope="col">Valid Recall@20</th>
          <th scope="col">Valid NDCG@20</th>
          <th scope="col">Loss</th>
        </tr>
      </thead>
      <tbody>
        {points.map((p) => (
          <tr key={p.epoch} className={p.epoch === bestEpoch ? "best-row" : undefined} aria-current={p.epoch === bestEpoch ? "true" : undefined}>
            <th scope="row">
              {p.epoch}
              {p.epoch === bestEpoch && <span className="best-mark"> ★ best</span>}
            </th>
            <td>{p.recall.toFixed(4)}</td>
            <td>{p.ndcg === null ? "—" : p.ndcg.toFixed(4)}</td>
            <td>{p.loss.toFixed(4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
