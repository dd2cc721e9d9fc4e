import { useDisplay } from "../store/display";
import { useErasure } from "../store/erasure";
import { useExamples } from "../store/examples";
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
  erasure: useErasure.getState(),
  examples: useExamples.getState(),
  display: useDisplay.getState(),
};

export function resetStores(): void {
  useListener.setState(initial.listener, true);
  useRecommendations.setState(initial.recommendations, true);
  useHistory.setState(initial.history, true);
  useSimilar.setState(initial.similar, true);
  useModel.setState(initial.model, true);
  useErasure.setState(initial.erasure, true);
  useExamples.setState(initial.examples, true);
  useDisplay.setState(initial.display, true);
}
