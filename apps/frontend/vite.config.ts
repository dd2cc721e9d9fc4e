/// <reference types="vitest/config" />
import { defineConfig, type ProxyOptions } from "vite";
import react from "@vitejs/plugin-react";

// Where `vite dev` / `vite preview` forward `/api/*` (the frontend image's nginx does the same in
// a cluster), and the API key they send on each forwarded request: TUNEDIN_API_KEY, read here when
// the server starts, in place of any Authorization the browser sent (none without it). Only this
// Node side reads it: the app never does, so no build contains it.
const apiTarget = process.env.TUNEDIN_API_URL ?? "http://127.0.0.1:8000";
const apiKey = process.env.TUNEDIN_API_KEY ?? "";
const proxy: Record<string, ProxyOptions> = {
  "/api": {
    target: apiTarget,
    changeOrigin: true,
    rewrite: (path: string) => path.replace(/^\/api/, ""),
    configure: (server) => {
      server.on("proxyReq", (proxyReq) => {
        if (apiKey) proxyReq.setHeader("authorization", `Bearer ${apiKey}`);
        else proxyReq.removeHeader("authorization");
      });
    },
  },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  build: { outDir: "dist", sourcemap: true },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}", "vite.config.test.ts"],
    restoreMocks: true,
  },
});
