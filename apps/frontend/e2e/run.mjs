// End-to-end suite: the built app in Debian's Chromium (playwright-core) against the real API,
// a real Redis and the published model. Every scenario runs at a desktop and a phone
// viewport; screenshots (<scenario>-<viewport>.png) go to test-output/e2e/ and e2e/screenshots/.
//   node e2e/run.mjs            (from apps/frontend, after `vite build`)
// Env: TUNEDIN_ARTIFACTS (default <repo>/artifacts), E2E_OUTPUT (default <repo>/test-output/e2e),
//      E2E_ONLY=name,name (run some scenarios), CHROMIUM (default /usr/bin/chromium).
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
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

/** Every scenario runs at each of these; a phone run also checks nothing overflows sideways. */
const VIEWPORTS = [
  { name: "desktop", options: { viewport: { width: 1366, height: 900 } } },
  // A phone as Chromium emulates one: its viewport, pixel density, touch and mobile layout.
  { name: "phone", options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true } },
];
const screenshotsDir = join(frontendDir, "e2e", "screenshots");

/** Listeners the model was trained on, with a full page of recommendations; never adjacent ids
 * (the rate-limit scenario floods the id after its viewport's listener). */
async function trainedUsers(stack, count) {
  const found = [];
  for (let id = 2; id < 200 && found.length < count; id++) {
    if (found.length > 0 && id - found.at(-1) < 3) continue;
    const response = await stack.apiFetch(`/v1/users/${id}/recommendations?k=20`);
    if (!response.ok) continue;
    const body = await response.json();
    if (body.strategy === "model" && body.items.length === 20) found.push(id);
  }
  if (found.length < count) throw new Error(`fewer than ${count} trained listeners among ids 2-199`);
  return found;
}

async function noSidewaysScroll(page) {
  const { scrollWidth, width } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement.scrollWidth, width: window.innerWidth }));
  expect(scrollWidth <= width, `nothing overflows sideways (scrollWidth ${scrollWidth} > viewport ${width})`);
}

async function main() {
  if (!existsSync(join(frontendDir, "dist", "index.html"))) throw new Error("no build in dist/: run `npm run build` first");
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: run scripts/install-system-deps.sh --browser`);
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const stack = new Stack({ repoRoot, artifacts, outputDir });
  let browser = null;
  const results = [];
  try {
    await stack.startRedis();
    await stack.startApi();
    await stack.startFrontend(frontendDir);
    const users = await trainedUsers(stack, VIEWPORTS.length);
    console.log(`e2e: app ${stack.webUrl}, API ${stack.apiUrl}, model ${stack.modelId}, listeners ${users}`);
    browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
    const chosen = scenarios.filter((s) => only.length === 0 || only.includes(s.name));
    if (only.length === 0) rmSync(screenshotsDir, { recursive: true, force: true });
    mkdirSync(screenshotsDir, { recursive: true });
    for (const scenario of chosen) {
      for (const [v, viewport] of VIEWPORTS.entries()) {
        const ctx = { stack, userId: users[v], viewport: viewport.name };
        const label = `${scenario.name}-${viewport.name}`;
        const context = await browser.newContext(viewport.options);
        const page = await context.newPage();
        // The app's own files (the favicon included) never fail to load.
        const missing = [];
        page.on("response", (response) => {
          const url = new URL(response.url());
          if (url.origin === new URL(stack.webUrl).origin && !url.pathname.startsWith("/api/") && response.status() >= 400) missing.push(`${response.status()} ${url.pathname}`);
        });
        const started = Date.now();
        try {
          await scenario.run(page, ctx, expect);
          expect(missing.length === 0, `the app's own files load: ${missing.join(", ")}`);
          await noSidewaysScroll(page);
          await page.screenshot({ path: join(outputDir, `${label}.png`), fullPage: true });
          copyFileSync(join(outputDir, `${label}.png`), join(screenshotsDir, `${label}.png`));
          results.push({ name: label, ok: true });
          console.log(`  ✓ [${viewport.name}] ${scenario.title} (${Date.now() - started} ms)`);
        } catch (error) {
          await page.screenshot({ path: join(outputDir, `${label}-FAILED.png`), fullPage: true }).catch(() => undefined);
          results.push({ name: label, ok: false });
          console.log(`  ✗ [${viewport.name}] ${scenario.title}: ${error instanceof Failure ? error.message : (error?.stack ?? error)}`);
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    if (browser) await browser.close();
    await stack.stopAll();
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
