import { useSimilar } from "../store/similar";
import { Empty, ErrorView, Loading } from "./StatusViews";

export function SimilarPanel() {
  const { artist, status, data, error, open, close } = useSimilar();
  if (!artist) {
    return (
      <section className="panel similar" aria-labelledby="similar-title">
        <h2 id="similar-title">Similar artists</h2>
        <Empty>Pick an artist&apos;s name to see who sounds alike.</Empty>
      </section>
    );
  }
  return (
    <section className="panel similar" aria-labelledby="similar-title">
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
              <button type="button" className="link" onClick={() => void open(item)}>
                {item.name}
              </button>
              <span className="score">{item.score.toFixed(3)}</span>
              {item.tags.length > 0 && <small className="hint">{item.tags.slice(0, 3).join(", ")}</small>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
