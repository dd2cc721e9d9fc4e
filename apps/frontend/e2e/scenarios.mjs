// The end-to-end scenarios, in order; each gets the page, the stack and `expect`.
// Order matters: "delete-data" erases its listener, so the scenarios that need their history come before it.

const names = (page) => page.$$eval(".rec-card .rec-name", (els) => els.map((e) => e.textContent.trim()));
const reasons = (page) => page.$$eval(".rec-card .rec-reason", (els) => els.map((e) => e.textContent.trim()));
const BECAUSE = /^because you (listen to|liked) /;
const FRIENDS = / of your friends plays? /; // a reason drawn from the listener's friendships

async function settled(page) {
  await page.waitForSelector('section.recs[aria-busy="false"]');
}

async function showUser(page, ctx) {
  await page.goto(ctx.stack.webUrl);
  await page.getByLabel("Last.fm listener id").fill(String(ctx.userId));
  await page.getByRole("button", { name: "Show recommendations" }).click();
  await page.waitForSelector(".rec-card");
  await settled(page);
}

async function listChanged(page, before) {
  await page.waitForFunction(
    (prev) => {
      const section = document.querySelector("section.recs");
      if (!section || section.getAttribute("aria-busy") !== "false") return false;
      const now = [...document.querySelectorAll(".rec-card .rec-name")].map((e) => e.textContent.trim());
      return now.length > 0 && now.join("|") !== prev.join("|");
    },
    before,
    { timeout: 15_000 },
  );
}

export const scenarios = [
  {
    name: "select-user",
    title: "select a user and see 20 recommendations with names",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const shown = await names(page);
      expect(shown.length === 20, `expected 20 recommendations, saw ${shown.length}`);
      expect(shown.every((n) => n.length > 0), "every recommendation has a name");
      const reasons = await page.$$eval(".rec-card .rec-reason", (els) => els.length);
      expect(reasons === 20, `every recommendation has a reason (saw ${reasons})`);
      expect(await page.getByRole("heading", { name: "Listening history" }).isVisible(), "the history panel is shown");
    },
  },
  {
    name: "diversity",
    title: "move the diversity slider and see the list change",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const before = await names(page);
      const slider = page.getByRole("slider");
      await slider.focus();
      for (let i = 0; i < 8; i++) await page.keyboard.press("ArrowRight");
      expect((await slider.inputValue()) === "0.8", "the slider moved to 0.8");
      await listChanged(page, before);
      const after = await names(page);
      expect(after.join("|") !== before.join("|"), "the list changed with diversity 0.8");
    },
  },
  {
    name: "tag-filter",
    title: "filter by a tag chip",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const before = await names(page);
      const tag = (await page.locator(".tag-chips button").nth(1).textContent()).trim();
      const chip = page.locator(".tag-chips").getByRole("button", { name: tag, exact: true });
      const order = await page.locator(".tag-chips button").allTextContents();
      await chip.click();
      await listChanged(page, before);
      const after = await page.locator(".tag-chips button").allTextContents();
      expect(after.join("|") === order.join("|"), `the chips keep their places when one is pressed: ${order} → ${after}`);
      expect((await chip.getAttribute("aria-pressed")) === "true", `the ${tag} chip is on`);
      const tagsPerCard = await page.$$eval(".rec-card", (cards) => cards.map((c) => [...c.querySelectorAll(".tag")].map((t) => t.textContent.trim())));
      expect(tagsPerCard.length > 0 && tagsPerCard.every((tags) => tags.includes(tag)), `every artist shown is tagged ${tag}`);
    },
  },
  {
    name: "like",
    title: "like an artist and see the next list change",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const before = await names(page);
      const liked = before[0];
      await page.getByRole("button", { name: `Like: ${liked}`, exact: true }).click();
      await page.locator("p.note", { hasText: `Liked ${liked}:` }).waitFor();
      await listChanged(page, before);
      expect((await names(page)).join("|") !== before.join("|"), "the list changed after the like");
      await page.locator(".history-events").getByText(liked).waitFor();
    },
  },
  {
    name: "similar",
    title: "open an artist's similar artists",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const [first] = await names(page);
      await page.locator(".rec-card .similar-link").first().click();
      await page.getByRole("heading", { name: `Similar to ${first}` }).waitFor();
      await page.waitForSelector(".similar-list li");
      const similar = await page.$$eval(".similar-list li button", (els) => els.map((e) => e.textContent.trim()));
      expect(similar.length === 10, `expected 10 similar artists, saw ${similar.length}`);
      expect(!similar.includes(first), "an artist is not listed as similar to itself");
    },
  },
  {
    name: "cold-start",
    title: "cold-start from three artists",
    run: async (page, ctx, expect) => {
      await page.goto(ctx.stack.webUrl);
      const search = page.getByRole("combobox", { name: /start fresh/i });
      for (const artist of ["Radiohead", "Coldplay", "Muse"]) {
        await search.fill(artist.toLowerCase());
        await page.locator(".suggestions li", { hasText: new RegExp(`^${artist}( ·|$)`) }).first().click();
      }
      await page.getByRole("button", { name: "Recommend from 3 artists" }).click();
      await page.getByRole("heading", { name: "Because you like Radiohead, Coldplay, Muse" }).waitFor();
      await page.waitForSelector(".rec-card");
      await settled(page);
      const shown = await names(page);
      expect(shown.length === 20, `expected 20 cold-start recommendations, saw ${shown.length}`);
      expect(!shown.some((n) => ["Radiohead", "Coldplay", "Muse"].includes(n)), "the seeds are not recommended back");
    },
  },
  {
    name: "model-page",
    title: "open the model page and see both charts rendered",
    run: async (page, ctx, expect) => {
      await page.goto(ctx.stack.webUrl);
      await page.getByRole("link", { name: "Model" }).click();
      await page.getByTestId("model-id").waitFor();
      expect((await page.getByTestId("model-id").textContent()) === ctx.stack.modelId, "the served model id is shown");
      await page.waitForSelector('[data-chart="metrics"] .recharts-bar-rectangle', { timeout: 10_000 }).catch(() => null);
      const bars = await page.locator('[data-chart="metrics"] .recharts-bar-rectangle').count();
      expect(bars === 12, `metrics chart: expected 12 bars (LightGCN, most popular, EASE × Recall/NDCG@10/20), saw ${bars}`);
      const curve = await page.locator('[data-chart="curve"] .recharts-line-curve').count();
      expect(curve === 1, "the training curve (validation Recall@20 by epoch) is drawn");
      const axes = await page.locator('[data-chart="curve"] .recharts-label').allTextContents();
      expect(axes.includes("Epoch") && axes.includes("Valid Recall@20"), `the curve's axes are labelled: ${axes}`);
      const metricRows = await page.locator('[data-table="metrics"] tbody tr').evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent.trim())),
      );
      expect(metricRows.length === 4, `the exact-values table has Recall/NDCG@10/20 (saw ${metricRows.length} rows)`);
      expect(metricRows.every((cells) => cells.every((c) => /^0\.\d{4}$/.test(c))), `each exact value is a 0–1 number to 4 places: ${JSON.stringify(metricRows)}`);
      const marked = (await page.locator('[data-table="curve"] tr[aria-current="true"] th').textContent()).trim();
      const best = /^\d+/.exec(marked)?.[0];
      const facts = await page.locator(".facts").textContent();
      expect(best !== undefined && /best/.test(marked) && facts.includes(`Best epoch${best}`), `the curve table marks the best epoch the facts name (${marked}): ${facts}`);
    },
  },
  {
    name: "welcome",
    title: "the start page: example listeners by taste, a random listener, start from artists",
    run: async (page, ctx, expect) => {
      await page.goto(ctx.stack.webUrl);
      const examples = page.getByRole("list", { name: "Example listeners" }).getByRole("button");
      await examples.first().waitFor();
      const described = await examples.allTextContents();
      expect(described.length >= 3, `a few example listeners are offered (saw ${described.length})`);
      expect(described.every((d) => /^Listener \d+ — \S/.test(d)), `each example names its taste: ${described.join(" / ")}`);
      const exampleId = /^Listener (\d+)/.exec(described[0])[1];
      await examples.first().click();
      await page.waitForSelector(".rec-card");
      await settled(page);
      expect((await page.getByLabel("Last.fm listener id").inputValue()) === exampleId, `the example's id ${exampleId} is in the field`);
      expect((await names(page)).length === 20, "the example listener's recommendations are shown");

      await page.goto(ctx.stack.webUrl);
      await page.getByRole("button", { name: /random listener/i }).click();
      await page.waitForSelector(".rec-card");
      await settled(page);
      const randomId = await page.getByLabel("Last.fm listener id").inputValue();
      expect(/^\d+$/.test(randomId), `a random listener's id is in the field (${randomId})`);
      expect(await page.getByRole("heading", { name: "Listening history" }).isVisible(), "the random listener's history is shown");

      await page.goto(ctx.stack.webUrl);
      await page.getByRole("button", { name: "Pick artists you like" }).click();
      expect(await page.getByRole("combobox", { name: /start fresh/i }).evaluate((el) => el === document.activeElement), "the artist search gets the focus");
    },
  },
  {
    name: "cards",
    title: "cards: a cover, a Last.fm link, scores and the model id behind the details toggle",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const covers = await page.locator(".rec-card svg.cover").count();
      expect(covers === 20, `every card has a generated cover (saw ${covers})`);
      const monograms = await page.locator(".rec-card svg.cover").evaluateAll((els) => els.map((e) => e.dataset.monogram));
      expect(monograms.every((m) => m && m.length > 0), "every cover carries a monogram");
      const links = await page.locator(".rec-card a.lastfm").evaluateAll((els) => els.map((a) => ({ href: a.href, target: a.target })));
      expect(links.length > 0 && links.every((l) => /^https?:\/\/(www\.)?last\.fm\/music\//.test(l.href) && l.target === "_blank"), `cards link to Last.fm in a new tab: ${JSON.stringify(links.slice(0, 2))}`);
      expect((await page.locator(".rec-card .score").count()) === 0, "no score is shown by default");
      expect((await page.locator("section.recs code").count()) === 0, "no model id is shown by default");
      expect((await page.getByText(/▶|Play$/).count()) === 0, "nothing offers to play music");
      await page.getByRole("button", { name: "Show details" }).click();
      const scores = await page.locator(".rec-card .score").allTextContents();
      expect(scores.length === 20, `the details show every card's score (saw ${scores.length})`);
      expect(scores.every((s) => /^score (0\.\d{3}|1\.000|\d[\d,]*)$/.test(s.trim())), `scores read as 0–1 to three places, or whole numbers: ${scores.slice(0, 3)}`);
      expect((await page.locator("section.recs code").textContent()) === ctx.stack.modelId, "the details show the model id");
      await page.getByRole("button", { name: "Hide details" }).click();
      expect((await page.locator(".rec-card .score").count()) === 0, "hiding the details hides the scores");
    },
  },
  {
    name: "log-play",
    title: "log a play and see it in the history; most played shows play counts",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      await page.locator(".history-top li .plays").first().waitFor();
      const plays = await page.locator(".history-top li .plays").allTextContents();
      expect(plays.length > 0 && plays.every((p) => /^[\d,]+ plays?$/.test(p)), `most played shows play counts: ${plays.slice(0, 3)}`);
      const [first] = await names(page);
      await page.getByRole("button", { name: `Log a play: ${first}`, exact: true }).click();
      await page.locator(".history-events li", { hasText: first }).filter({ hasText: "played" }).waitFor();
    },
  },
  {
    name: "invalid-id",
    title: "an invalid listener id clears the last listener's lists and says why",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      await page.getByLabel("Last.fm listener id").fill("abc");
      await page.getByRole("button", { name: "Show recommendations" }).click();
      await page.getByText("A listener id is a whole number, 0 or more.").waitFor();
      expect((await page.getByLabel("Last.fm listener id").getAttribute("aria-invalid")) === "true", "the field is marked invalid");
      expect((await page.locator(".rec-card").count()) === 0, "the last listener's recommendations are gone");
      expect(!(await page.getByRole("heading", { name: "Listening history" }).isVisible()), "the last listener's history is gone");
    },
  },
  {
    name: "delete-data",
    title: "delete a user's data: the erasure receipt, then recommendations and history without them",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      expect((await reasons(page)).some((r) => BECAUSE.test(r)), "before: recommendations say why from the listener's own listening");
      await page.getByRole("button", { name: "Delete my data" }).click();
      const answered = page.waitForResponse((r) => r.request().method() === "DELETE" && r.url().endsWith(`/v1/users/${ctx.userId}`));
      await page.getByRole("button", { name: "Yes, delete" }).click();
      const response = await answered;
      expect(response.status() === 202, `DELETE answered 202 (got ${response.status()})`);
      const location = response.headers().location ?? "";
      expect(/\/v1\/erasures\/er-[0-9a-f]{20}$/.test(location), `DELETE names the receipt's Location: ${location}`);

      const receipt = page.getByRole("status", { name: "Deletion receipt" });
      await receipt.waitFor();
      await receipt.getByRole("heading", { name: "Your data is being erased" }).waitFor();
      const status = (await receipt.locator(".receipt-status").textContent()).trim();
      expect(status === "in progress", `the receipt's status is "in progress" (saw "${status}")`);
      const steps = receipt.getByRole("list", { name: "Erasure steps" }).getByRole("listitem");
      const shown = await steps.evaluateAll((els) => els.map((e) => ({ step: e.dataset.step, text: e.textContent })));
      const order = ["suppressed", "caches_purged", "removed_from_datasets", "retrained", "removed_from_models"];
      expect(shown.map((s) => s.step).join(",") === order.join(","), `the five steps in order: ${shown.map((s) => s.step)}`);
      expect(shown.slice(0, 2).every((s) => /Done/.test(s.text)), "suppressed and caches purged are done");
      expect(shown.slice(2).every((s) => /Pending/.test(s.text)), "the batch pipeline's steps are pending");
      const text = await receipt.textContent();
      expect(/Waiting for:/.test(text), `the receipt says what it waits for: ${text}`);
      expect(/deleted \d+ history events?/.test(text), `the receipt says which history events it removed: ${text}`);

      // The page is reset: nothing of the listener's is left on it.
      expect((await page.locator(".rec-card").count()) === 0, "after: no recommendation of the listener is left on the page");
      expect(!(await page.getByRole("heading", { name: "Listening history" }).isVisible()), "after: the history panel is gone");

      // A fresh page for the same listener (this one, with the receipt, is the screenshot).
      const fresh = await page.context().newPage();
      try {
        await showUser(fresh, ctx);
        await fresh.waitForFunction(() => /popular picks/.test(document.querySelector("section.recs .meta")?.textContent ?? ""), null, { timeout: 15_000 });
        expect(!(await reasons(fresh)).some((r) => BECAUSE.test(r)), "a fresh page: no \"because you listen to ...\"");
        expect(!(await reasons(fresh)).some((r) => FRIENDS.test(r)), "a fresh page: no reason names the listener's friends");
        await fresh.getByText("No listening history for this listener.").waitFor();
        expect((await fresh.locator(".history-top li").count()) === 0, "a fresh page: no top artists");
      } finally {
        await fresh.close();
      }
      const history = await (await ctx.stack.apiFetch(`/v1/users/${ctx.userId}/history`)).json();
      expect(history.events.length === 0 && history.top_artists.length === 0, "the API holds no events and no top artists for the user");
      const recs = await (await ctx.stack.apiFetch(`/v1/users/${ctx.userId}/recommendations`)).json();
      expect(recs.strategy === "popular", `the API serves the user as a newcomer (strategy ${recs.strategy})`);
      const stored = await ctx.stack.apiFetch(new URL(location, ctx.stack.apiUrl).pathname);
      const body = await stored.json();
      expect(stored.status === 200 && body.status === "in_progress", `GET ${location}: ${stored.status} ${body.status}`);
    },
  },
  {
    name: "scroll-focus",
    title: "what changed is scrolled into view and focused",
    run: async (page, ctx, expect) => {
      await showUser(page, ctx);
      const inView = (selector) =>
        page.waitForFunction((sel) => {
          const box = document.querySelector(sel)?.getBoundingClientRect();
          return box !== undefined && box.top >= 0 && box.top < window.innerHeight && document.activeElement === document.querySelector(sel);
        }, selector, { timeout: 10_000 }).then(() => true, () => false);
      expect(await inView("section.recs"), "the list is scrolled into view and focused after Show recommendations");
      await page.locator(".rec-card .similar-link").first().click();
      expect(await inView("section.similar"), "similar artists are scrolled into view and focused");
    },
  },
  {
    name: "rate-limited",
    title: "a listener over the API's rate limit sees the 429 and its Retry-After",
    run: async (page, ctx, expect) => {
      const userId = ctx.userId + 1;
      let limited = null;
      for (let round = 0; round < 100 && !limited; round++) {
        const batch = await Promise.all(Array.from({ length: 25 }, () => ctx.stack.apiFetch(`/v1/users/${userId}/history`)));
        limited = batch.find((r) => r.status === 429) ?? null;
      }
      expect(limited !== null, "the API answered 429 within 2500 requests");
      expect(Number(limited.headers.get("retry-after")) > 0, "the API's 429 carries Retry-After");
      await page.goto(ctx.stack.webUrl);
      await page.getByLabel("Last.fm listener id").fill(String(userId));
      await page.getByRole("button", { name: "Show recommendations" }).click();
      const alert = page.locator("section.recs").getByRole("alert");
      await alert.waitFor();
      const text = await alert.textContent();
      expect(/Slow down/.test(text) && /Too many requests/.test(text), `the error says why: ${text}`);
      expect(/You can retry in \d+ s/.test(text), `the error counts the wait down: ${text}`);
      expect(await alert.getByRole("button", { name: "Retry" }).isDisabled(), "retry waits for Retry-After");
    },
  },
  {
    name: "api-down",
    title: "API stopped: a clear error state",
    run: async (page, ctx, expect) => {
      await page.goto(ctx.stack.webUrl);
      await ctx.stack.stop("api");
      await page.getByLabel("Last.fm listener id").fill(String(ctx.userId));
      await page.getByRole("button", { name: "Show recommendations" }).click();
      const alert = page.locator("section.recs").getByRole("alert");
      await alert.waitFor();
      const text = await alert.textContent();
      expect(/API unavailable/.test(text) && /not reachable/.test(text), `the error says the API is unreachable: ${text}`);
      expect(await alert.getByRole("button", { name: "Retry" }).isVisible(), "a retry button is offered");
    },
  },
];
