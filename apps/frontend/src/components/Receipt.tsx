import type { DeletionReceipt, ErasureStep } from "../api/types";
import { formatDateTime, plural } from "../format";

const STATUS: Record<DeletionReceipt["status"], string> = {
  in_progress: "in progress",
  overdue: "overdue",
  complete: "complete",
};

/** Each step in the words of the person it is about. */
const STEPS: Record<ErasureStep["step"], string> = {
  suppressed: "TunedIn stopped using your listening: you are treated as a new listener.",
  caches_purged: "Your recent activity and everything cached about you was deleted.",
  removed_from_datasets: "Your plays are taken out of the training data.",
  retrained: "A new model is trained without you and put in service.",
  removed_from_models: "Older models that learned from you are deleted.",
};

function When({ at }: { at: string }) {
  return <time dateTime={at}>{formatDateTime(at)}</time>;
}

function Step({ step }: { step: ErasureStep }) {
  const done = step.status === "done";
  return (
    <li className={`receipt-step receipt-step-${step.status}`} data-step={step.step}>
      <span className="receipt-step-state">
        <span aria-hidden="true">{done ? "✓ " : "○ "}</span>
        {done ? "Done" : "Pending"}
        {done && step.at !== null && (
          <>
            {" "}
            <When at={step.at} />
          </>
        )}
      </span>
      <span className="receipt-step-text">{STEPS[step.step]}</span>
      {step.detail && <small className="hint">{step.detail}</small>}
    </li>
  );
}

/** "3 history events, 1 cached embedding and 2 rate limit counters": what this request deleted. */
export function removedSentence(removed: DeletionReceipt["removed"]): string {
  const found = Object.entries(removed)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => {
      const words = kind.replace(/_/g, " ");
      return plural(count, words.replace(/ies$/, "y").replace(/s$/, ""), words);
    });
  if (found.length === 0) return "There was nothing left to delete: an earlier request had already done it.";
  const list = found.length === 1 ? found[0] : `${found.slice(0, -1).join(", ")} and ${found.at(-1) ?? ""}`;
  return `This request deleted ${list}.`;
}

/** The erasure receipt, written for the person whose data it is. */
export function Receipt({ receipt, userId }: { receipt: DeletionReceipt; userId: number }) {
  const complete = receipt.status === "complete";
  return (
    <section className={`receipt receipt-${receipt.status}`} role="status" aria-label="Deletion receipt">
      <h3>{complete ? "Your data is erased" : "Your data is being erased"}</h3>
      <p>
        You asked on <When at={receipt.requested_at} /> to erase listener {userId}. Status: <strong className="receipt-status">{STATUS[receipt.status]}</strong>.
      </p>
      <p className="receipt-due">
        {complete && receipt.completed_at ? (
          <>
            It was completed on <When at={receipt.completed_at} />.
          </>
        ) : (
          <>
            It is complete once a model trained without you is served, {receipt.status === "overdue" ? "which was due" : "at the latest"} by <When at={receipt.due_by} />.
          </>
        )}
      </p>
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
      <p className="receipt-removed">{removedSentence(receipt.removed)}</p>
      <details className="receipt-more">
        <summary>Why it takes a retrain</summary>
        <p className="receipt-note">{receipt.note}</p>
        <p className="hint">
          Reference <code>{receipt.erasure_id}</code>
        </p>
      </details>
    </section>
  );
}
