import { useHistory } from "../store/history";
import { useListener } from "../store/listener";
import { useModel } from "../store/model";
import { useRecommendations } from "../store/recommendations";
import { useSimilar } from "../store/similar";

const initial = {
  listener: useListener.getState(),
  recommendations: useRecommendations.getState(),
  history: useHistory.getState(),
  similar: useSimilar.getState(),
  model: useModel.getState(),
};

export function resetStores(): void {
  useListener.setState(initial.listener, true);
  useRecommendations.setState(initial.recommendations, true);
  useHistory.setState(initial.history, true);
  useSimilar.setState(initial.similar, true);
  useModel.setState(initial.model, true);
}
