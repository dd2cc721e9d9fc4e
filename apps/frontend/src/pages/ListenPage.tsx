import { Controls } from "../components/Controls";
import { HistoryPanel } from "../components/HistoryPanel";
import { ListenerPicker } from "../components/ListenerPicker";
import { RecommendationList } from "../components/RecommendationList";
import { SimilarPanel } from "../components/SimilarPanel";

export function ListenPage() {
  return (
    <div className="listen-page">
      <aside className="column column-left">
        <ListenerPicker />
        <Controls />
      </aside>
      <div className="column column-main">
        <RecommendationList />
      </div>
      <aside className="column column-right">
        <SimilarPanel />
        <HistoryPanel />
      </aside>
    </div>
  );
}
