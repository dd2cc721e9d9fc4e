// The client's types, looked up by path in the generated `schema.ts` so that a regenerated
// schema keeps these names whatever the API calls its components.
import type { paths } from "./schema";

type Json<R> = R extends { content: { "application/json": infer T } } ? T : never;
type Ok<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer S }
    ? Json<S>
    : R extends { 202: infer S }
      ? Json<S>
      : never
  : never;
type Body<Op> = Op extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

type RecsOp = paths["/v1/users/{user_id}/recommendations"]["get"];
export type RecommendationsQuery = NonNullable<RecsOp["parameters"]["query"]>;
export type UserRecommendations = Ok<RecsOp>;
export type ColdStartBody = Body<paths["/v1/recommendations"]["post"]>;
export type ColdStartRecommendations = Ok<paths["/v1/recommendations"]["post"]>;
/** A listener's recommendations, or a fresh start's (no user id, strategy `fold_in`). */
export type Recommendations = UserRecommendations | ColdStartRecommendations;
export type Recommendation = Recommendations["items"][number];
export type ArtistSearch = Ok<paths["/v1/artists"]["get"]>;
export type Artist = ArtistSearch["items"][number];
export type SimilarArtists = Ok<paths["/v1/artists/{artist_id}/similar"]["get"]>;
export type History = Ok<paths["/v1/users/{user_id}/history"]["get"]>;
export type HistoryEvent = History["events"][number];
export type TopArtist = History["top_artists"][number];
export type FeedbackBody = Body<paths["/v1/feedback"]["post"]>;
export type FeedbackEvent = FeedbackBody["event"];
/** The 202 of `DELETE /v1/users/{id}`: the erasure receipt and what this request removed. */
export type DeletionReceipt = Ok<paths["/v1/users/{user_id}"]["delete"]>;
export type ErasureStep = DeletionReceipt["steps"][number];
export type ModelInfo = Ok<paths["/v1/model"]["get"]>;

/** An artist as the UI passes it around (search hit, recommendation, history entry). */
export interface ArtistRef {
  artist_id: number;
  name: string;
}
