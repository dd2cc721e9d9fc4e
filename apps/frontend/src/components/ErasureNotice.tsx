import { useErasure } from "../store/erasure";
import { useReveal } from "../useReveal";
import { Receipt } from "./Receipt";

/** The receipt of the last erasure, on the start page the listener is sent back to. */
export function ErasureNotice() {
  const { userId, receipt, dismiss } = useErasure();
  const ref = useReveal<HTMLDivElement>(receipt ? receipt.erasure_id : null);
  if (!receipt || userId === null) return null;
  return (
    <div className="erasure-notice" ref={ref} tabIndex={-1}>
      <Receipt receipt={receipt} userId={userId} />
      <button type="button" className="link" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
