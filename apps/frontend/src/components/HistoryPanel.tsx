import type { HistoryEvent } from "../api/types";
import { formatDateTime } from "../format";
import { useHistory } from "../store/history";
import { useListener } from "../store/listener";
import { DeleteData } from "./DeleteData";
import { Empty, ErrorView, Loading } from "./StatusViews";
import { TopArtists } from "./TopArtists";

const SHOWN = 15;
const EVENT_WORDS: Record<HistoryEvent["event"], string> = { play: "played", like: "liked", skip: "skipped" };

function Events({ events }: { events: HistoryEvent[] }) {
  if (events.length === 0) return null;
  return (
    <>
      <h3>Recent activity</h3>
      <ol className="history-list history-events">
        {events.slice(0, SHOWN).map((e, i) => (
          <li key={`${e.artist_id}-${e.at}-${i}`}>
            <small className={`event event-${e.event}`}>{EVENT_WORDS[e.event]}</small>
            <span>{e.name ?? `artist ${e.artist_id}`}</span>
            <time className="hint" dateTime={e.at}>
              {formatDateTime(e.at)}
            </time>
          </li>
        ))}
      </ol>
    </>
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
