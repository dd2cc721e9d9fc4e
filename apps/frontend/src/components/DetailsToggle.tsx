import { useDisplay } from "../store/display";

/** Shows or hides the model's numbers (scores, model id). */
export function DetailsToggle() {
  const details = useDisplay((s) => s.details);
  const toggle = useDisplay((s) => s.toggleDetails);
  return (
    <button type="button" className="link details-toggle" aria-pressed={details} onClick={toggle}>
      {details ? "Hide details" : "Show details"}
    </button>
  );
}
