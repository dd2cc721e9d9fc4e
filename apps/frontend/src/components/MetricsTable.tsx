import { liftOverBaselines, RECOMMENDERS, type MetricRow } from "../api/metrics";

const pct = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 0, signDisplay: "always" });

/** The exact test metrics behind the bar chart, the best of each row in bold. */
export function MetricsTable({ rows }: { rows: MetricRow[] }) {
  return (
    <div className="table-scroll" role="region" aria-label="Exact test metrics" tabIndex={0}>
    <table className="metrics-table" data-table="metrics">
      <caption>Exact values (test split)</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          {RECOMMENDERS.map(({ key, label }) => (
            <th key={key} scope="col">
              {label}
            </th>
          ))}
          <th scope="col">LightGCN vs best baseline</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const best = Math.max(...RECOMMENDERS.map(({ key }) => row[key] ?? -Infinity));
          const lift = liftOverBaselines(row);
          return (
            <tr key={row.metric}>
              <th scope="row">{row.metric}</th>
              {RECOMMENDERS.map(({ key }) => {
                const value = row[key];
                return (
                  <td key={key} className={value === best ? "best" : undefined}>
                    {value === undefined ? "—" : value.toFixed(4)}
                  </td>
                );
              })}
              <td>{lift === null ? "—" : pct.format(lift)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </div>
  );
}
