import { useState } from "react";
import { chooseUser, clearListener, startFresh } from "../store/actions";
import { MAX_SEEDS, useListener } from "../store/listener";
import { ArtistSearch } from "./ArtistSearch";

/** The start-fresh search box, which the start page's "start from artists" focuses. */
export const FRESH_SEARCH_ID = "fresh-search";

function UserForm() {
  const listener = useListener((s) => s.listener);
  const chosen = listener.kind === "user" ? listener.userId : null;
  const [value, setValue] = useState(chosen === null ? "" : String(chosen));
  const [invalid, setInvalid] = useState(false);
  // A listener chosen elsewhere (an example, a random one) shows up in the field.
  const [shownFor, setShownFor] = useState(chosen);
  if (chosen !== shownFor) {
    setShownFor(chosen);
    if (chosen !== null) {
      setValue(String(chosen));
      setInvalid(false);
    }
  }
  const submit = (event: React.SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const userId = Number(value.trim());
    if (value.trim() === "" || !Number.isInteger(userId) || userId < 0) {
      setInvalid(true);
      // The lists on screen belong to the last valid id: they go rather than look like this one's.
      clearListener();
      return;
    }
    setInvalid(false);
    void chooseUser(userId);
  };
  return (
    <form className="user-form" onSubmit={submit} noValidate>
      <label htmlFor="user-id">Last.fm listener id</label>
      <div className="row">
        <input
          id="user-id"
          inputMode="numeric"
          placeholder="e.g. 2"
          value={value}
          aria-invalid={invalid}
          aria-describedby={invalid ? "user-id-error" : undefined}
          onChange={(e) => {
            setValue(e.target.value);
          }}
        />
        <button type="submit">Show recommendations</button>
      </div>
      {invalid && (
        <span id="user-id-error" className="hint hint-error">
          A listener id is a whole number, 0 or more.
        </span>
      )}
    </form>
  );
}

function FreshForm() {
  const seeds = useListener((s) => s.draftSeeds);
  const addSeed = useListener((s) => s.addSeed);
  const removeSeed = useListener((s) => s.removeSeed);
  return (
    <div className="fresh-form">
      <ArtistSearch onPick={addSeed} label="Start fresh: pick a few artists you like" inputId={FRESH_SEARCH_ID} />
      {seeds.length > 0 && (
        <ul className="chips seeds" aria-label="Chosen artists">
          {seeds.map((seed) => (
            <li key={seed.artist_id}>
              <span className="chip chip-on">
                {seed.name}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${seed.name}`}
                  onClick={() => {
                    removeSeed(seed.artist_id);
                  }}
                >
                  ×
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <button type="button" disabled={seeds.length === 0} onClick={() => void startFresh()}>
        {seeds.length === 0 ? "Recommend" : `Recommend from ${seeds.length} artist${seeds.length === 1 ? "" : "s"}`}
      </button>
      <span className="hint">Up to {MAX_SEEDS} artists.</span>
    </div>
  );
}

export function ListenerPicker() {
  return (
    <section className="panel picker" aria-labelledby="picker-title">
      <h2 id="picker-title">Who is listening?</h2>
      <UserForm />
      <div className="divider" role="separator">
        or
      </div>
      <FreshForm />
    </section>
  );
}
