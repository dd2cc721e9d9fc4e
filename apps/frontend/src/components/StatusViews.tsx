import { useEffect, useState } from "react";
import type { ApiError } from "../api/errors";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="status status-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="status status-empty">{children}</p>;
}

/** Seconds left of a Retry-After, counted from when the error arrived. */
function useCountdown(error: ApiError): number | null {
  const [now, setNow] = useState(() => Date.now());
  const seconds = error.retryAfter;
  useEffect(() => {
    if (seconds === null || seconds <= 0) return;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, [seconds]);
  if (seconds === null) return null;
  return Math.max(0, seconds - Math.floor((now - error.receivedAt) / 1000));
}

const TITLES: Record<ApiError["kind"], string> = {
  unreachable: "API unavailable",
  rate_limited: "Slow down",
  client: "Request refused",
  server: "Something went wrong",
};

export function ErrorView({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const left = useCountdown(error);
  const waiting = error.kind === "rate_limited" && left !== null && left > 0;
  return (
    <div className={`status status-error error-${error.kind}`} role="alert">
      <strong>{TITLES[error.kind]}</strong>
      <span className="error-message">{error.message}</span>
      {error.kind === "rate_limited" && left !== null && (
        <span className="retry-after">{waiting ? `You can retry in ${left} s.` : "You can retry now."}</span>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry} disabled={waiting}>
          Retry
        </button>
      )}
    </div>
  );
}
