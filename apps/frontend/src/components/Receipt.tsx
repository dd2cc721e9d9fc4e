import type { DeletionReceipt, ErasureStep } from "../api/types";

const STATUS: Record<DeletionReceipt["status"], string> = {
  in_progress: "in progress",
  overdue: "overdue",
  complete: "complete",
};

const STEP_TITLES: Record<ErasureStep["step"], string> = {
  suppressed: "No longer served",
  caches_purged: "Caches purged",
  removed_from_datasets: "Removed from the training data",
  retrained: "Retrained without you",
  removed_from_models: "Older models removed",
};

function When({ at }: { at: string }) {
  return <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}

function Step({ step }: { step: ErasureStep }) {
  const done = step.status === "done" && step.at !== null;
  return (
    <li className={`receipt-step receipt-step-${step.status}`} data-step={step.step}>
      <span className="receipt-step-state">
        {done && step.at !== null ? (
          <>
            <span aria-hidden="true">✓ </span>done <When at={step.at} />
          </>
        ) : (
          <>
            <span aria-hidden="true">… </span>pending
          </>
        )}
      </span>
      <strong>{STEP_TITLES[step.step]}</strong>
      <span className="receipt-step-description">{step.description}</span>
      {step.detail && <small className="hint">{step.detail}</small>}
    </li>
  );
}

/** "history events: 3, cached embeddings: 1" — the kinds of data this request found and removed. */
export function removedLine(removed: DeletionReceipt["removed"]): string {
  const found = Object.entries(removed).filter(([, count]) => count > 0);
  if (found.length === 0) return "nothing (nothing was left to remove)";
  return found.map(([kind, count]) => `${kind.replace(/_/g, " ")}: ${String(count)}`).join(", ");
}

/** The erasure receipt the deletion answers with: where the erasure stands, store by store. */
export function Receipt({ receipt }: { receipt: DeletionReceipt }) {
  const complete = receipt.status === "complete";
  return (
    <section className={`receipt receipt-${receipt.status}`} role="status" aria-label="Deletion receipt">
      <h3>{complete ? "Erased" : "Your data is being erased"}</h3>
      <dl className="receipt-facts">
        <div className="receipt-row">
          <dt>Status</dt>
          <dd className="receipt-status">{STATUS[receipt.status]}</dd>
        </div>
        <div className="receipt-row">
          <dt>Requested</dt>
          <dd>
            <When at={receipt.requested_at} />
          </dd>
        </div>
        <div className="receipt-row">
          <dt>{complete ? "Was due by" : "Due by"}</dt>
          <dd>
            <When at={receipt.due_by} />
          </dd>
        </div>
        {receipt.completed_at && (
          <div className="receipt-row">
            <dt>Completed</dt>
            <dd>
              <When at={receipt.completed_at} />
            </dd>
          </div>
        )}
        <div className="receipt-row">
          <dt>Reference</dt>
          <dd>
            <code>{receipt.erasure_id}</code>
          </dd>
        </div>
      </dl>
      <ol className="receipt-steps" aria-label="Erasure steps">
        {receipt.steps.map((step) => (
          <Step key={step.step} step={step} />
        ))}
      </ol>
      {!complete && receipt.waiting_for && (
        <p className="receipt-waiting">
          <strong>Waiting for:</strong> {receipt.waiting_for}
        </p>
      )}
      <p className="receipt-note">{receipt.note}</p>
      <p className="hint receipt-removed">Removed by this request: {removedLine(receipt.removed)}</p>
    </section>
  );
}
