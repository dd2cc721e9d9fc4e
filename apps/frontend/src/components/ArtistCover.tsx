import { useId } from "react";
import { coverFor } from "../cover";

/** A square cover generated from the artist's name and tags (an SVG gradient with a monogram). */
export function ArtistCover({ name, tags, size = 56 }: { name: string; tags: readonly string[]; size?: number }) {
  const id = useId();
  const cover = coverFor(name, tags);
  return (
    <svg className="cover" width={size} height={size} viewBox="0 0 100 100" aria-hidden="true" data-monogram={cover.monogram}>
      <defs>
        <linearGradient id={id} gradientTransform={`rotate(${cover.angle} 0.5 0.5)`}>
          <stop offset="0" stopColor={cover.from} />
          <stop offset="1" stopColor={cover.to} />
        </linearGradient>
      </defs>
      <rect width="100" height="100" rx="12" fill={`url(#${id})`} />
      <circle cx="78" cy="78" r="34" fill="rgb(255 255 255 / 12%)" />
      <text x="50" y="50" dy="0.35em" textAnchor="middle" fontSize="38" fontWeight="800" fill="#fff">
        {cover.monogram}
      </text>
    </svg>
  );
}
