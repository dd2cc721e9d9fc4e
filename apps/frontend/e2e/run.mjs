// End-to-end suite: the built app in Debian's Chromium (playwright-core) against the real API,
// a real Redis and the published model. Screenshots of every step go to test-output/e2e/.
//   node e2e/run.mjs            (from apps/frontend, after `vite build`)
// Env: TUNEDIN_ARTIFACTS (default <repo>/artifacts), E2E_OUTPUT (default <repo>/test-output/e2e),
//      E2E_ONLY=name,name (run some scenarios), CHROMIUM (default /usr/bin/chromium).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { scenarios } from "./scenarios.mjs";
import { Stack } from "./stack.mjs";

const frontendDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(frontendDir, "..", "..");
const artifacts = resolve(process.env.TUNEDIN_ARTIFACTS ?? join(repoRoot, "artifacts"));
const outputDir = resolve(process.env.E2E_OUTPUT ?? join(repoRoot, "test-output", "e2e"));
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const only = (process.env.E2E_ONLY ?? "").split(",").filter(Boolean);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

class Failure extends Error {}
const expect = (ok, message) => {
  if (!ok) throw new Failure(message);
};

/** A listener the model was trained on, with a full page of recommendations. */
async function trainedUser(stack) {
  for (let id = 2; id < 200; id++) {
    const response = await stack.apiFetch(`/v1/users/${id}/recommendations?k=20`);
    if (!response.ok) continue;
    const body = await response.json();
    if (body.strategy === "model" && body.items.length === 20) return id;
  }
  throw new Error("no trained listener among ids 2-199");
}

async function main() {
  if (!existsSync(join(frontendDir, "dist", "index.html"))) throw new Error("no build in dist/: run `npm run build` first");
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: run scripts/install-system-deps.sh --browser`);
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const stack = new Stack({ repoRoot, artifacts, outputDir });
  const userDataDir = mkdtempSync(join(tmpdir(), "tunedin-e2e-chromium-"));
  let context = null;
  const results = [];
  try {
    await stack.startRedis();
    await stack.startApi();
    await stack.startFrontend(frontendDir);
    const ctx = { stack, userId: await trainedUser(stack) };
    console.log(`e2e: app ${stack.webUrl}, API ${stack.apiUrl}, model ${stack.modelId}, listener ${ctx.userId}`);
    context = await chromium.launchPersistentContext(userDataDir, { executablePath, args: ARGS, headless: true, viewport: { width: 1366, height: 900 } });
    const chosen = scenarios.filter((s) => only.length === 0 || only.includes(s.name));
    for (const [i, scenario] of chosen.entries()) {
      const shot = join(outputDir, `${String(i + 1).padStart(2, "0")}-${scenario.name}`);
      const page = await context.newPage();
      await page.setViewportSize(scenario.viewport ?? { width: 1366, height: 900 });
      const started = Date.now();
      try {
        await scenario.run(page, ctx, expect);
        await page.screenshot({ path: `${shot}.png`, fullPage: true });
        results.push({ name: scenario.name, ok: true });
        console.log(`  ✓ ${scenario.title} (${Date.now() - started} ms)`);
      } catch (error) {
        await page.screenshot({ path: `${shot}-FAILED.png`, fullPage: true }).catch(() => undefined);
        results.push({ name: scenario.name, ok: false });
        console.log(`  ✗ ${scenario.title}: ${error instanceof Failure ? error.message : (error?.stack ?? error)}`);
      } finally {
        await page.close();
      }
    }
  } finally {
    if (context) await context.close();
    await stack.stopAll();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed; screenshots and logs in ${outputDir}`);
  return failed.length === 0 && results.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`e2e: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
