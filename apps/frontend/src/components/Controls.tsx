import { chipTags, K_CHOICES, useRecommendations } from "../store/recommendations";
import { useListener } from "../store/listener";

function TagChips() {
  const offer = useRecommendations((s) => s.tagOffer);
  const chosen = useRecommendations((s) => s.controls.tags);
  const toggleTag = useRecommendations((s) => s.toggleTag);
  const tags = chipTags(offer, chosen);
  if (tags.length === 0) return null;
  return (
    <fieldset className="tag-chips">
      <legend>Only these tags</legend>
      <ul className="chips">
        {tags.map((tag) => {
          const on = chosen.includes(tag);
          return (
            <li key={tag}>
              <button type="button" className={on ? "chip chip-on" : "chip"} aria-pressed={on} onClick={() => void toggleTag(tag)}>
                {tag}
              </button>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

export function Controls() {
  const controls = useRecommendations((s) => s.controls);
  const setControls = useRecommendations((s) => s.setControls);
  const fresh = useListener((s) => s.listener.kind === "fresh");
  return (
    <section className="panel controls" aria-labelledby="controls-title">
      <h2 id="controls-title">Tune the list</h2>
      <label className="control">
        <span>Results</span>
        <select value={controls.k} onChange={(e) => void setControls({ k: Number(e.target.value) })}>
          {K_CHOICES.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label className="control">
        <span>
          Diversity <output>{controls.diversity.toFixed(1)}</output>
        </span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.1}
          value={controls.diversity}
          aria-describedby="diversity-help"
          onChange={(e) => void setControls({ diversity: Number(e.target.value) })}
        />
        <small id="diversity-help">0 = pure model ranking</small>
      </label>
      <label className="control control-inline">
        <input
          type="checkbox"
          checked={controls.excludeListened}
          disabled={fresh}
          onChange={(e) => void setControls({ excludeListened: e.target.checked })}
        />
        <span>Hide artists already listened to</span>
      </label>
      {fresh && <p className="hint">A fresh start never lists the artists it starts from.</p>}
      <TagChips />
    </section>
  );
}
