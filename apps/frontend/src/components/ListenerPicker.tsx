import { useState } from "react";
import { chooseUser, startFresh } from "../store/actions";
import { MAX_SEEDS, useListener } from "../store/listener";
import { ArtistSearch } from "./ArtistSearch";

function UserForm() {
  const listener = useListener((s) => s.listener);
  const [value, setValue] = useState(listener.kind === "user" ? String(listener.userId) : "");
  const [invalid, setInvalid] = useState(false);
  const submit = (event: React.SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const userId = Number(value.trim());
    if (value.trim() === "" || !Number.isInteger(userId) || userId < 0) {
      setInvalid(true);
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
      <ArtistSearch onPick={addSeed} label="Start fresh: pick a few artists you like" />
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
