import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CurvePoint } from "../api/metrics";

const fmt = (value: unknown) => (typeof value === "number" ? value.toFixed(4) : String(value));

/** Validation Recall@20 by training epoch, the selected epoch marked. */
export function CurveChart({ points, bestEpoch }: { points: CurvePoint[]; bestEpoch: number }) {
  // The marker's label sits on the side of the line with room for it.
  const epochs = points.map((p) => p.epoch);
  const lateBest = epochs.length > 0 && bestEpoch > (Math.min(...epochs) + Math.max(...epochs)) / 2;
  return (
    <figure className="chart" data-chart="curve" aria-label="Validation Recall@20 by epoch">
      <ResponsiveContainer width="100%" height={280} initialDimension={{ width: 640, height: 280 }}>
        <LineChart data={points} margin={{ top: 16, right: 16, bottom: 24, left: 12 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="epoch" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} label={{ value: "Epoch", position: "insideBottom", offset: -12 }} />
          <YAxis tickFormatter={(v: number) => v.toFixed(2)} width={56} domain={["auto", "auto"]} label={{ value: "Valid Recall@20", angle: -90, position: "insideLeft", offset: 0, style: { textAnchor: "middle" } }} />
          <Tooltip formatter={fmt} labelFormatter={(epoch: unknown) => `epoch ${typeof epoch === "number" ? epoch : "?"}`} />
          <ReferenceLine x={bestEpoch} stroke="#2f9e44" strokeDasharray="4 3" label={{ value: `best: epoch ${bestEpoch}`, position: lateBest ? "insideTopRight" : "insideTopLeft", fill: "#2b8a3e", fontSize: 12 }} />
          <Line type="monotone" dataKey="recall" name="valid Recall@20" stroke="#d6336c" strokeWidth={2} dot={points.length < 40} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption>Validation Recall@20 during training; the model is the one of epoch {bestEpoch} (dashed line).</figcaption>
    </figure>
  );
}
