// What the listener picker does: each choice resets the panels that belong to the old listener.
import type { ArtistRef, FeedbackEvent, Recommendation } from "../api/types";
import { useErasure } from "./erasure";
import { useHistory } from "./history";
import { useListener } from "./listener";
import { useRecommendations } from "./recommendations";
import { useSimilar } from "./similar";

export async function chooseUser(userId: number): Promise<void> {
  useListener.getState().selectUser(userId);
  useSimilar.getState().close();
  useErasure.getState().dismiss();
  await Promise.all([useRecommendations.getState().load(), useHistory.getState().load(userId)]);
}

export async function startFresh(): Promise<void> {
  useListener.getState().startFresh();
  useSimilar.getState().close();
  useHistory.getState().reset();
  useErasure.getState().dismiss();
  await useRecommendations.getState().load();
}

/** Back to the start: nobody listening, no list, history or similar artists left on screen. */
export function clearListener(): void {
  useListener.getState().deselect();
  useSimilar.getState().close();
  useHistory.getState().reset();
  useRecommendations.getState().reset();
}

/** Erasing a listener's data; once the API has accepted it, nothing of theirs stays on the page
 * (the receipt is shown on the start page). The API serves them as a newcomer from then on. */
export async function eraseListener(userId: number): Promise<void> {
  const receipt = await useErasure.getState().erase(userId);
  const { listener } = useListener.getState();
  if (receipt && listener.kind === "user" && listener.userId === userId) clearListener();
}

/** A like from someone starting fresh adds the artist to their seeds. */
export async function likeAsSeed(artist: ArtistRef): Promise<void> {
  const listener = useListener.getState();
  listener.addSeed(artist);
  await startFresh();
}

/** Feedback refreshes the list (in the store) and the history panel, where the event shows up. */
export async function giveFeedback(item: Recommendation, event: FeedbackEvent): Promise<void> {
  const { listener } = useListener.getState();
  if (listener.kind !== "user") return;
  await useRecommendations.getState().feedback(item, event);
  if (useRecommendations.getState().status !== "error") await useHistory.getState().load(listener.userId);
}
