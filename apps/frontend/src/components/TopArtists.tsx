import type { TopArtist } from "../api/types";
import { plural } from "../format";
import { ArtistCover } from "./ArtistCover";
import { LastfmLink } from "./LastfmLink";

/** The listener's most played artists, with their play counts. */
export function TopArtists({ artists }: { artists: TopArtist[] }) {
  if (artists.length === 0) return null;
  return (
    <>
      <h3>Most played</h3>
      <ol className="history-list history-top">
        {artists.map((a) => (
          <li key={a.artist_id}>
            <ArtistCover name={a.name} tags={a.tags} size={32} />
            <span className="top-name">{a.name}</span>
            <span className="plays">{plural(a.plays, "play")}</span>
            <LastfmLink name={a.name} url={a.url} />
          </li>
        ))}
      </ol>
    </>
  );
}
