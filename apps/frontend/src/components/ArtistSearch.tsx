import { useEffect, useId, useState } from "react";
import { searchArtists } from "../api/client";
import { ApiError, toApiError } from "../api/errors";
import type { Artist, ArtistRef } from "../api/types";

const DEBOUNCE_MS = 200;
const LIMIT = 8;

interface Props {
  onPick: (artist: ArtistRef) => void;
  label?: string;
  /** The input's id, for a control elsewhere that moves the focus here. */
  inputId?: string;
}

/** Artist name autocomplete over GET /v1/artists?q=. */
export function ArtistSearch({ onPick, label = "Artists you like", inputId }: Props) {
  const generated = useId();
  const id = inputId ?? generated;
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<Artist[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [searching, setSearching] = useState(false);
  const q = query.trim();

  useEffect(() => {
    if (q === "") return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setSearching(true);
      searchArtists(q, LIMIT, controller.signal)
        .then((result) => {
          setHits(result.items);
          setActive(0);
          setError(null);
        })
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setError(toApiError(e));
        })
        .finally(() => {
          if (!controller.signal.aborted) setSearching(false);
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q]);

  const shown = q === "" ? [] : hits;
  const pick = (artist: Artist) => {
    onPick({ artist_id: artist.artist_id, name: artist.name });
    setQuery("");
    setHits([]);
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") setActive((a) => Math.min(a + 1, shown.length - 1));
    else if (event.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
    else if (event.key === "Enter" && shown[active]) {
      event.preventDefault();
      pick(shown[active]);
    } else return;
    event.preventDefault();
  };

  return (
    <div className="artist-search">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        role="combobox"
        aria-expanded={shown.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        autoComplete="off"
        placeholder="Search artists, e.g. Radiohead"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      {q !== "" && searching && <span className="hint">Searching…</span>}
      {error && <span className="hint hint-error" role="alert">{error.message}</span>}
      {q !== "" && !searching && !error && shown.length === 0 && <span className="hint">No artist matches “{q}”.</span>}
      <ul id={`${id}-list`} role="listbox" className="suggestions" hidden={shown.length === 0}>
        {shown.map((artist, i) => (
          <li
            key={artist.artist_id}
            role="option"
            aria-selected={i === active}
            className={i === active ? "active" : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(artist);
            }}
          >
            {artist.name}
            {artist.tags.length > 0 && <small> · {artist.tags.slice(0, 2).join(", ")}</small>}
          </li>
        ))}
      </ul>
    </div>
  );
}
