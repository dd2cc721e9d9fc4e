import { formatScore } from "../format";
import { useDisplay } from "../store/display";
import { useSimilar } from "../store/similar";
import { useReveal } from "../useReveal";
import { ArtistCover } from "./ArtistCover";
import { LastfmLink } from "./LastfmLink";
import { Empty, ErrorView, Loading } from "./StatusViews";

export function SimilarPanel() {
  const { artist, status, data, error, open, close } = useSimilar();
  const details = useDisplay((s) => s.details);
  // Opening an artist brings the panel into view: on a phone it sits below the whole list.
  const ref = useReveal<HTMLElement>(artist ? String(artist.artist_id) : null);
  if (!artist) {
    return (
      <section className="panel similar" aria-labelledby="similar-title">
        <h2 id="similar-title">Similar artists</h2>
        <Empty>Choose “Similar artists” on a card to see who sounds alike.</Empty>
      </section>
    );
  }
  return (
    <section className="panel similar" aria-labelledby="similar-title" ref={ref} tabIndex={-1}>
      <header className="panel-header">
        <h2 id="similar-title">Similar to {artist.name}</h2>
        <button type="button" className="link" onClick={close} aria-label="Close similar artists">
          Close
        </button>
      </header>
      {status === "loading" && <Loading />}
      {status === "error" && error && <ErrorView error={error} onRetry={() => void open(artist)} />}
      {status === "ready" && data?.items.length === 0 && <Empty>No similar artists found.</Empty>}
      {status === "ready" && data && data.items.length > 0 && (
        <ol className="similar-list">
          {data.items.map((item) => (
            <li key={item.artist_id}>
              <ArtistCover name={item.name} tags={item.tags} size={32} />
              <div className="similar-body">
                <button type="button" className="link" onClick={() => void open(item)}>
                  {item.name}
                </button>
                <small className="hint">{item.reason || item.tags.slice(0, 3).join(", ")}</small>
              </div>
              <LastfmLink name={item.name} url={item.url} />
              {details && <span className="score">{formatScore(item.score)}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
