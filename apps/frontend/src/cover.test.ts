import { describe, expect, it } from "vitest";
import { coverFor, monogram } from "./cover";
import { formatScore, plural } from "./format";

describe("generated covers", () => {
  it("are the same for the same artist and differ between artists", () => {
    expect(coverFor("Radiohead", ["alternative"])).toEqual(coverFor("Radiohead", ["alternative"]));
    expect(coverFor("Radiohead", ["alternative"])).not.toEqual(coverFor("Muse", ["alternative"]));
  });

  it("carry the artist's initials", () => {
    expect(monogram("The Cure")).toBe("C");
    expect(monogram("Daft Punk")).toBe("DP");
    expect(monogram("AC/DC")).toBe("AD");
    expect(monogram("Sigur Rós")).toBe("SR");
    expect(monogram("!!!")).toBe("♪");
  });
});

describe("numbers on screen", () => {
  it("shows similarities with three decimals and popularity scores whole", () => {
    expect(formatScore(0.81234)).toBe("0.812");
    expect(formatScore(611)).toBe("611");
    expect(formatScore(1234.6)).toBe("1,235");
  });

  it("says one play or many plays", () => {
    expect(plural(1, "play")).toBe("1 play");
    expect(plural(12345, "play")).toBe("12,345 plays");
  });
});
