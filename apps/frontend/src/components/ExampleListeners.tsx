import { useEffect } from "react";
import { chooseUser } from "../store/actions";
import { useExamples } from "../store/examples";
import { Loading } from "./StatusViews";

/** A few listeners of the data set, each described by what they play most. */
export function ExampleListeners() {
  const { status, examples, load } = useExamples();
  useEffect(() => {
    if (useExamples.getState().status === "idle") void load();
  }, [load]);
  if (status !== "ready") return <Loading label="Finding example listeners…" />;
  if (examples.length === 0) return null;
  return (
    <ul className="examples" aria-label="Example listeners">
      {examples.map((example) => (
        <li key={example.userId}>
          <button type="button" className="example" onClick={() => void chooseUser(example.userId)}>
            <strong>
              Listener {example.userId}
              {example.tags.length > 0 && ` — ${example.tags.join(", ")}`}
            </strong>
            <small>{example.artists.join(", ")}</small>
          </button>
        </li>
      ))}
    </ul>
  );
}
