import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { RECOMMENDERS, type MetricRow } from "../api/metrics";

const COLORS = { lightgcn: "#d6336c", most_popular: "#868e96", ease: "#1c7ed6" } as const;
const fmt = (value: unknown) => (typeof value === "number" ? value.toFixed(4) : String(value));

/** Test Recall and NDCG at 10 and 20: LightGCN against the baselines. */
export function MetricsChart({ rows }: { rows: MetricRow[] }) {
  const present = RECOMMENDERS.filter(({ key }) => rows.some((row) => row[key] !== undefined));
  return (
    <figure className="chart" data-chart="metrics" aria-label="Offline metrics by recommender">
      <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 640, height: 300 }}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 24, left: 12 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="metric" interval={0} tick={{ fontSize: 12 }} label={{ value: "Metric (test split)", position: "insideBottom", offset: -12 }} />
          <YAxis tickFormatter={(v: number) => v.toFixed(2)} width={56} label={{ value: "Score (higher is better)", angle: -90, position: "insideLeft", style: { textAnchor: "middle" } }} />
          <Tooltip formatter={fmt} />
          <Legend position="top" />
          {present.map(({ key, label }) => (
            <Bar key={key} dataKey={key} name={label} fill={COLORS[key]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <figcaption>Test split, training and validation artists masked; higher is better.</figcaption>
    </figure>
  );
}
