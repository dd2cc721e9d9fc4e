import type { FeedbackEvent, Recommendation } from "../api/types";
import { formatScore } from "../format";
import { ArtistCover } from "./ArtistCover";
import { LastfmLink } from "./LastfmLink";

interface Props {
  item: Recommendation;
  rank: number;
  /** Feedback buttons offered: all three for a listener id, only "like" when starting fresh. */
  events: FeedbackEvent[];
  busy: boolean;
  /** Show the model's score. */
  details: boolean;
  onFeedback: (item: Recommendation, event: FeedbackEvent) => void;
  onSimilar: (item: Recommendation) => void;
}

// What each button does: the API records the event, nothing is played.
const LABELS: Record<FeedbackEvent, string> = { play: "Log a play", like: "♥ Like", skip: "Not for me" };
const TITLES: Record<FeedbackEvent, string> = {
  play: "Record that you played this artist",
  like: "Record that you like this artist",
  skip: "Record that you skipped this artist",
};

export function RecommendationCard({ item, rank, events, busy, details, onFeedback, onSimilar }: Props) {
  return (
    <li className="rec-card" data-artist-id={item.artist_id}>
      <div className="rec-art">
        <ArtistCover name={item.name} tags={item.tags} />
        <span className="rank" aria-label={`number ${rank}`}>
          {rank}
        </span>
      </div>
      <div className="rec-body">
        <h3 className="rec-name">{item.name}</h3>
        {item.reason && <p className="rec-reason">{item.reason}</p>}
        {item.tags.length > 0 && (
          <ul className="tags" aria-label="Tags">
            {item.tags.slice(0, 5).map((tag) => (
              <li key={tag} className="tag">
                {tag}
              </li>
            ))}
          </ul>
        )}
        <div className="rec-links">
          <button type="button" className="link similar-link" onClick={() => { onSimilar(item); }} aria-label={`Artists similar to ${item.name}`}>
            Similar artists
          </button>
          <LastfmLink name={item.name} url={item.url} />
          {details && (
            <span className="score" title="Model score after reranking">
              score {formatScore(item.score)}
            </span>
          )}
        </div>
      </div>
      <div className="feedback" role="group" aria-label={`Feedback on ${item.name}`}>
        {events.map((event) => (
          <button key={event} type="button" className={`fb fb-${event}`} disabled={busy} title={TITLES[event]} aria-label={`${LABELS[event].replace("♥ ", "")}: ${item.name}`} onClick={() => { onFeedback(item, event); }}>
            {LABELS[event]}
          </button>
        ))}
      </div>
    </li>
  );
}
