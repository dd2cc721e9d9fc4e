import type { FeedbackEvent, Recommendation } from "../api/types";

interface Props {
  item: Recommendation;
  rank: number;
  /** Feedback buttons offered: all three for a listener id, only "like" when starting fresh. */
  events: FeedbackEvent[];
  busy: boolean;
  onFeedback: (item: Recommendation, event: FeedbackEvent) => void;
  onSimilar: (item: Recommendation) => void;
}

const LABELS: Record<FeedbackEvent, string> = { play: "▶ Play", like: "♥ Like", skip: "× Skip" };

export function RecommendationCard({ item, rank, events, busy, onFeedback, onSimilar }: Props) {
  return (
    <li className="rec-card" data-artist-id={item.artist_id}>
      <span className="rank" aria-hidden="true">
        {rank}
      </span>
      <div className="rec-body">
        <h3 className="rec-name">
          <button type="button" className="link" onClick={() => { onSimilar(item); }} title="Show similar artists">
            {item.name}
          </button>
        </h3>
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
      </div>
      <div className="rec-side">
        <span className="score" title="Model score">
          {item.score.toFixed(3)}
        </span>
        <div className="feedback" role="group" aria-label={`Feedback on ${item.name}`}>
          {events.map((event) => (
            <button key={event} type="button" className={`fb fb-${event}`} disabled={busy} aria-label={`${event} ${item.name}`} onClick={() => { onFeedback(item, event); }}>
              {LABELS[event]}
            </button>
          ))}
        </div>
      </div>
    </li>
  );
}
