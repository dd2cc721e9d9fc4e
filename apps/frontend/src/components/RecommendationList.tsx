import type { FeedbackEvent, Recommendation } from "../api/types";
import { giveFeedback, likeAsSeed } from "../store/actions";
import { useListener } from "../store/listener";
import { useRecommendations } from "../store/recommendations";
import { useSimilar } from "../store/similar";
import { RecommendationCard } from "./RecommendationCard";
import { Empty, ErrorView, Loading } from "./StatusViews";

const STRATEGY: Record<string, string> = {
  model: "from the trained model",
  history: "from recent listening",
  popular: "popular picks (this listener is new to the model)",
  fold_in: "from the artists you picked",
};

const USER_EVENTS: FeedbackEvent[] = ["play", "like", "skip"];
const FRESH_EVENTS: FeedbackEvent[] = ["like"];
const PAST: Record<FeedbackEvent, string> = { play: "Played", like: "Liked", skip: "Skipped" };

export function RecommendationList() {
  const listener = useListener((s) => s.listener);
  const { status, data, error, note, pending, load } = useRecommendations();
  const openSimilar = useSimilar((s) => s.open);

  if (listener.kind === "none") return <Empty>Choose a listener id, or start fresh from a few artists you like.</Empty>;

  const title = listener.kind === "user" ? `Recommendations for listener ${listener.userId}` : `Because you like ${listener.seeds.map((s) => s.name).join(", ")}`;
  const onFeedback = (item: Recommendation, event: FeedbackEvent) => {
    if (listener.kind === "fresh") void likeAsSeed(item);
    else void giveFeedback(item, event);
  };

  return (
    <section className="panel recs" aria-labelledby="recs-title" aria-busy={status === "loading"}>
      <header className="recs-header">
        <h2 id="recs-title">{title}</h2>
        {data && (
          <p className="meta">
            {data.items.length} artists · {STRATEGY[data.strategy] ?? data.strategy} · model <code>{data.model_id}</code>
          </p>
        )}
      </header>
      {note && status !== "error" && (
        <p className="note" role="status">
          {PAST[note.event]} {note.artist}: the list below is refreshed.
        </p>
      )}
      {status === "loading" && <Loading label={data ? "Refreshing…" : "Finding artists…"} />}
      {status === "error" && error && <ErrorView error={error} onRetry={() => void load()} />}
      {status === "ready" && data?.items.length === 0 && <Empty>No artists match these settings: try fewer tags or turn off hiding listened artists.</Empty>}
      {data && data.items.length > 0 && (
        <ol className="rec-list">
          {data.items.map((item, i) => (
            <RecommendationCard
              key={item.artist_id}
              item={item}
              rank={i + 1}
              events={listener.kind === "user" ? USER_EVENTS : FRESH_EVENTS}
              busy={pending !== null}
              onFeedback={onFeedback}
              onSimilar={(artist) => void openSimilar(artist)}
            />
          ))}
        </ol>
      )}
    </section>
  );
}
