import { useState } from "react";
import type { HistoryEvent, TopArtist } from "../api/types";
import { eraseListener } from "../store/actions";
import { useHistory } from "../store/history";
import { useListener } from "../store/listener";
import { Receipt } from "./Receipt";
import { Empty, ErrorView, Loading } from "./StatusViews";

const SHOWN = 15;

function Events({ events }: { events: HistoryEvent[] }) {
  if (events.length === 0) return null;
  return (
    <>
      <h3>Recent activity</h3>
      <ol className="history-list history-events">
        {events.slice(0, SHOWN).map((e, i) => (
          <li key={`${e.artist_id}-${e.at}-${i}`}>
            <small className={`event event-${e.event}`}>{e.event}</small>
            <span>{e.name ?? `artist ${e.artist_id}`}</span>
            <time className="hint" dateTime={e.at}>
              {new Date(e.at).toLocaleTimeString()}
            </time>
          </li>
        ))}
      </ol>
    </>
  );
}

function TopArtists({ artists }: { artists: TopArtist[] }) {
  if (artists.length === 0) return null;
  return (
    <>
      <h3>Most played</h3>
      <ol className="history-list history-top">
        {artists.map((a) => (
          <li key={a.artist_id}>
            <span>{a.name}</span>
            {a.tags.length > 0 && <small className="hint">{a.tags.slice(0, 2).join(", ")}</small>}
          </li>
        ))}
      </ol>
    </>
  );
}

function DeleteData({ userId }: { userId: number }) {
  const { deleting, deleteError, receipt } = useHistory();
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
      {deleteError && <ErrorView error={deleteError} />}
      {receipt && <Receipt receipt={receipt} />}
    </div>
  );
}

export function HistoryPanel() {
  const listener = useListener((s) => s.listener);
  const { status, data, error, load } = useHistory();
  if (listener.kind !== "user") return null;
  const empty = status === "ready" && data && data.events.length === 0 && data.top_artists.length === 0;
  return (
    <section className="panel history" aria-labelledby="history-title">
      <h2 id="history-title">Listening history</h2>
      {status === "loading" && <Loading />}
      {status === "error" && error && <ErrorView error={error} onRetry={() => void load(listener.userId)} />}
      {empty && <Empty>No listening history for this listener.</Empty>}
      {data && (
        <>
          {!data.complete && <p className="hint">Recent activity is unavailable right now.</p>}
          <Events events={data.events} />
          <TopArtists artists={data.top_artists} />
        </>
      )}
      <DeleteData userId={listener.userId} />
    </section>
  );
}
