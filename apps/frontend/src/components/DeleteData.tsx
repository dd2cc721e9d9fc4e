import { useState } from "react";
import { eraseListener } from "../store/actions";
import { useErasure } from "../store/erasure";
import { ErrorView, Loading } from "./StatusViews";

/** "Delete my data", confirmed first; the receipt then shows on the start page. */
export function DeleteData({ userId }: { userId: number }) {
  const { deleting, error, userId: erasing } = useErasure();
  const [confirming, setConfirming] = useState(false);
  return (
    <div className="delete-data">
      {!confirming ? (
        <button type="button" className="danger" onClick={() => { setConfirming(true); }}>
          Delete my data
        </button>
      ) : (
        <div className="confirm" role="group" aria-label="Confirm deletion">
          <span>Delete everything TunedIn holds about listener {userId}?</span>
          <button type="button" className="danger" disabled={deleting} onClick={() => { setConfirming(false); void eraseListener(userId); }}>
            Yes, delete
          </button>
          <button type="button" onClick={() => { setConfirming(false); }}>
            Cancel
          </button>
        </div>
      )}
      {deleting && <Loading label="Deleting…" />}
      {error && erasing === userId && <ErrorView error={error} />}
    </div>
  );
}
