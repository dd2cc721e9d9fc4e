import type { DeletionReceipt } from "../api/types";

const words = (key: string) => key.replace(/_/g, " ");

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "nothing" : value.map(show).join(", ");
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => `${words(k)}: ${show(v)}`)
      .join("; ");
  }
  return String(value);
}

/** The deletion endpoint's receipt, field by field, whatever it lists. */
export function Receipt({ receipt }: { receipt: DeletionReceipt }) {
  return (
    <div className="receipt" role="status" aria-label="Deletion receipt">
      <h3>Deletion receipt</h3>
      <dl>
        {Object.entries(receipt).map(([key, value]) => (
          <div key={key} className="receipt-row">
            <dt>{words(key)}</dt>
            <dd>{show(value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
