import { lazy, Suspense } from "react";
import { Loading } from "./components/StatusViews";
import { ListenPage } from "./pages/ListenPage";
import { usePage } from "./usePage";

// The charts (recharts) load only with the model page.
const ModelPage = lazy(() => import("./pages/ModelPage").then((m) => ({ default: m.ModelPage })));

export function App() {
  const page = usePage();
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          TunedIn
        </a>
        <nav aria-label="Pages">
          <a href="#/" aria-current={page === "listen" ? "page" : undefined}>
            Listen
          </a>
          <a href="#/model" aria-current={page === "model" ? "page" : undefined}>
            Model
          </a>
        </nav>
      </header>
      <main>
        {page === "model" ? (
          <Suspense fallback={<Loading label="Loading the model page…" />}>
            <ModelPage />
          </Suspense>
        ) : (
          <ListenPage />
        )}
      </main>
    </div>
  );
}
