import type { FeedbackEvent, Recommendation } from "../api/types";
import { giveFeedback, likeAsSeed } from "../store/actions";
import { useDisplay } from "../store/display";
import { useListener, type Listener } from "../store/listener";
import { useRecommendations } from "../store/recommendations";
import { useSimilar } from "../store/similar";
import { useReveal } from "../useReveal";
import { DetailsToggle } from "./DetailsToggle";
import { RecommendationCard } from "./RecommendationCard";
import { Empty, ErrorView, Loading } from "./StatusViews";
import { Welcome } from "./Welcome";

const STRATEGY: Record<string, string> = {
  model: "picked for this listener's taste",
  history: "from recent listening",
  popular: "popular picks (this listener is new to the model)",
  fold_in: "from the artists you picked",
};

const USER_EVENTS: FeedbackEvent[] = ["play", "like", "skip"];
const FRESH_EVENTS: FeedbackEvent[] = ["like"];
const PAST: Record<FeedbackEvent, string> = { play: "Logged a play of", like: "Liked", skip: "Skipped" };

function listenerKey(listener: Listener): string | null {
  if (listener.kind === "user") return `user:${listener.userId}`;
  if (listener.kind === "fresh") return `fresh:${listener.seeds.map((s) => s.artist_id).join(",")}`;
  return null;
}

export function RecommendationList() {
  const listener = useListener((s) => s.listener);
  const { status, data, error, note, pending, load } = useRecommendations();
  const details = useDisplay((s) => s.details);
  const openSimilar = useSimilar((s) => s.open);
  // The list is brought into view once per listener, when their first answer (or error) arrives.
  const key = listenerKey(listener);
  const ref = useReveal<HTMLElement>(key !== null && (status === "ready" || status === "error") ? key : null);

  if (listener.kind === "none") return <Welcome />;

  const title = listener.kind === "user" ? `Recommendations for listener ${listener.userId}` : `Because you like ${listener.seeds.map((s) => s.name).join(", ")}`;
  const onFeedback = (item: Recommendation, event: FeedbackEvent) => {
    if (listener.kind === "fresh") void likeAsSeed(item);
    else void giveFeedback(item, event);
  };

  return (
    <section className="panel recs" aria-labelledby="recs-title" aria-busy={status === "loading"} ref={ref} tabIndex={-1}>
      <header className="recs-header">
        <h2 id="recs-title">{title}</h2>
        <DetailsToggle />
      </header>
      {data && (
        <p className="meta">
          {data.items.length} artists · {STRATEGY[data.strategy] ?? data.strategy}
          {details && (
            <>
              {" "}
              · model <code>{data.model_id}</code>
            </>
          )}
        </p>
      )}
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
              details={details}
              onFeedback={onFeedback}
              onSimilar={(artist) => void openSimilar(artist)}
            />
          ))}
        </ol>
      )}
    </section>
  );
}
