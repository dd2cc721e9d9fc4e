import { useState } from "react";
import { chooseUser } from "../store/actions";
import { randomListener } from "../store/examples";

/** Picks a listener of the data set at random (one with listening of their own). */
export function RandomListener() {
  const [looking, setLooking] = useState(false);
  const [missed, setMissed] = useState(false);
  const pick = async () => {
    setLooking(true);
    setMissed(false);
    const found = await randomListener();
    setLooking(false);
    if (found) await chooseUser(found.userId);
    else setMissed(true);
  };
  return (
    <div className="random-listener">
      <button type="button" className="primary" disabled={looking} onClick={() => void pick()}>
        {looking ? "Finding someone…" : "Surprise me: a random listener"}
      </button>
      {missed && <span className="hint hint-error">No listener found just now: try again.</span>}
    </div>
  );
}
