import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CurvePoint } from "../api/metrics";

const fmt = (value: unknown) => (typeof value === "number" ? value.toFixed(4) : String(value));

/** Validation Recall@20 by training epoch. */
export function CurveChart({ points, bestEpoch }: { points: CurvePoint[]; bestEpoch: number | null }) {
  return (
    <figure className="chart" data-chart="curve" aria-label="Validation Recall@20 by epoch">
      <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 640, height: 300 }}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="epoch" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} label={{ value: "epoch", position: "insideBottomRight", offset: -4 }} />
          <YAxis tickFormatter={(v: number) => v.toFixed(2)} width={48} domain={["auto", "auto"]} />
          <Tooltip formatter={fmt} labelFormatter={(epoch: unknown) => `epoch ${typeof epoch === "number" ? epoch : "?"}`} />
          <Line type="monotone" dataKey="recall" name="valid Recall@20" stroke="#d6336c" strokeWidth={2} dot={points.length < 40} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption>
        Validation Recall@20 during training{bestEpoch !== null ? `; best epoch ${bestEpoch}` : ""}.
      </figcaption>
    </figure>
  );
}
