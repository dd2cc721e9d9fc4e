/** A link to the artist's Last.fm page, when the data has one. */
export function LastfmLink({ name, url }: { name: string; url: string | null | undefined }) {
  if (!url) return null;
  return (
    <a className="lastfm" href={url} target="_blank" rel="noreferrer noopener" aria-label={`${name} on Last.fm`}>
      Last.fm ↗
    </a>
  );
}
