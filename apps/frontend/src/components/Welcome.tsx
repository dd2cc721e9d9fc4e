import { ErasureNotice } from "./ErasureNotice";
import { ExampleListeners } from "./ExampleListeners";
import { FRESH_SEARCH_ID } from "./ListenerPicker";
import { RandomListener } from "./RandomListener";

/** The start page: example listeners, a random one, or a fresh start from artists. */
export function Welcome() {
  const startFromArtists = () => {
    const input = document.getElementById(FRESH_SEARCH_ID);
    if (input && "scrollIntoView" in input) input.scrollIntoView({ block: "center" });
    input?.focus();
  };
  return (
    <section className="panel welcome" aria-labelledby="welcome-title">
      <ErasureNotice />
      <h2 id="welcome-title">Find your next favourite artist</h2>
      <p className="lede">
        TunedIn learns which artists Last.fm listeners play together. Step into one of their shoes, or tell it a few artists you love.
      </p>
      <h3>Listen as…</h3>
      <ExampleListeners />
      <RandomListener />
      <h3>Or start from your own taste</h3>
      <button type="button" onClick={startFromArtists}>
        Pick artists you like
      </button>
    </section>
  );
}
