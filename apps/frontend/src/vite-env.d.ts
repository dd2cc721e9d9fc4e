/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the TunedIn API, fixed at build time; defaults to the same origin's `/api`. */
  readonly VITE_API_BASE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
