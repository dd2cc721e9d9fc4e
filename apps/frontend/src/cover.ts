// A generated cover for an artist (no artwork offline): colours and a monogram derived from the
// artist's name and first tag, the same for the same artist everywhere.

export interface Cover {
  from: string;
  to: string;
  angle: number;
  monogram: string;
}

/** FNV-1a, 32 bits: a stable, well-spread hash of a string. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (const char of text) {
    h ^= char.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Up to two letters: the initials of the first two words, ignoring a leading "The". */
export function monogram(name: string): string {
  const words = name.replace(/^the\s+/i, "").split(/[\s\-/&+]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const letters = words.slice(0, 2).map((w) => String.fromCodePoint(w.replace(/^[^\p{L}\p{N}]+/u, "").codePointAt(0) ?? 0x266a));
  return letters.join("").toUpperCase() || "♪";
}

export function coverFor(name: string, tags: readonly string[]): Cover {
  const h = hash(name.toLowerCase());
  // The first tag sets the family of colours (artists of a genre look related), the name the rest.
  const base = tags.length > 0 ? hash(tags[0]?.toLowerCase() ?? "") % 360 : h % 360;
  const hue = (base + (h % 60) - 30 + 360) % 360;
  const second = (hue + 40 + ((h >>> 8) % 80)) % 360;
  return {
    from: `hsl(${hue} 70% 52%)`,
    to: `hsl(${second} 65% 32%)`,
    angle: (h >>> 16) % 360,
    monogram: monogram(name),
  };
}
