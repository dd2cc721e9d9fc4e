// @vitest-environment node
// The `/api` proxy of `vite preview` (what `make up` and the browser tests serve the app with),
// from this very vite.config.ts, in front of a local echo server standing in for the API: it
// sends TUNEDIN_API_KEY in place of the browser's Authorization, and a build made while the key
// is set does not contain it.
import { createServer, type Server } from "node:http";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = dirname(fileURLToPath(import.meta.url));
const configFile = join(root, "vite.config.ts");
const KEY = "tdk_t3stk3y0_" + "Zz9-_".repeat(8);

interface Echo {
  path: string;
  /** Every Authorization header the API got (Node's parsed headers would keep only the first). */
  authorization: string[];
}

let upstream: Server;
let upstreamUrl = "";
let outDir = "";

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

/** `vite preview` of the test build with TUNEDIN_API_KEY as given (undefined: unset). */
async function previewWith(key: string | undefined): Promise<PreviewServer> {
  process.env.TUNEDIN_API_URL = upstreamUrl;
  if (key === undefined) delete process.env.TUNEDIN_API_KEY;
  else process.env.TUNEDIN_API_KEY = key;
  return preview({ configFile, root, logLevel: "silent", build: { outDir }, preview: { host: "127.0.0.1", port: 0 } });
}

async function through(server: PreviewServer, path: string, headers: Record<string, string> = {}): Promise<Echo> {
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error("vite preview has no local URL");
  const response = await fetch(new URL(path, base), { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Echo;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    const authorization = req.rawHeaders.filter((_, i) => i % 2 === 1 && req.rawHeaders[i - 1]?.toLowerCase() === "authorization");
    res.end(JSON.stringify({ path: req.url, authorization }));
  });
  upstreamUrl = `http://127.0.0.1:${String(await listen(upstream))}`;
  outDir = mkdtempSync(join(tmpdir(), "tunedin-proxy-build-"));
  process.env.TUNEDIN_API_KEY = KEY;
  await build({ configFile, root, logLevel: "silent", build: { outDir, emptyOutDir: true } });
}, 120_000);

afterAll(() => {
  upstream.close();
  rmSync(outDir, { recursive: true, force: true });
  delete process.env.TUNEDIN_API_KEY;
  delete process.env.TUNEDIN_API_URL;
});

describe("the /api proxy of vite preview", () => {
  it("builds an app that does not contain the key", () => {
    const files = filesUnder(outDir);
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    for (const file of files) expect(readFileSync(file, "latin1").includes(KEY), file).toBe(false);
  });

  it("sends the key in place of the browser's Authorization and strips /api", async () => {
    const server = await previewWith(KEY);
    try {
      const plain = await through(server, "/api/v1/users/2/recommendations?k=5");
      expect(plain.path).toBe("/v1/users/2/recommendations?k=5");
      expect(plain.authorization).toEqual([`Bearer ${KEY}`]);
      const spoofed = await through(server, "/api/v1/model", { Authorization: "Bearer tdk_browser0_not-the-proxys-key" });
      expect(spoofed.authorization).toEqual([`Bearer ${KEY}`]);
    } finally {
      await server.close();
    }
  });

  it("passes no Authorization on without a key", async () => {
    const server = await previewWith(undefined);
    try {
      const echo = await through(server, "/api/v1/model", { Authorization: "Bearer tdk_browser0_not-the-proxys-key" });
      expect(echo.authorization).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
