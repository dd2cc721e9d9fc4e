// How numbers and dates read on screen.

const whole = new Intl.NumberFormat("en");
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** A model score: three decimals on the 0–1 scale of similarities, whole numbers above it (popularity). */
export function formatScore(score: number): string {
  return Math.abs(score) > 1 ? whole.format(Math.round(score)) : score.toFixed(3);
}

/** "1 play", "12,345 plays". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${whole.format(count)} ${count === 1 ? one : many}`;
}

/** "3 Dec 2026, 17:45" in the reader's time zone. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}
