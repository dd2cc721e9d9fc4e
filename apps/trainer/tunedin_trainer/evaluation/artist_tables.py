"""The similar-artist and cold-start sections of a report as aligned text tables."""

from __future__ import annotations

from tunedin_common.quality_report import ColdStartReport, SimilarArtistsReport

_SIMILAR_COLUMNS = (
    ("tag_jaccard", "tag overlap"),
    ("heldout_fans", "held-out fans"),
    ("listener_jaccard", "listener overlap"),
    ("log_listeners", "ln(1+listeners)"),
)


def similar_table(report: SimilarArtistsReport) -> str:
    """Each candidate's measures as ``value (baseline)``; ``*`` marks the served one."""
    header = f"{'candidate':<18}" + "".join(f"{label:>22}" for _, label in _SIMILAR_COLUMNS)
    rows = [header, "-" * len(header)]
    for name, candidate in report.candidates.items():
        cells = "".join(
            f"{f'{candidate.measures[m]:.4f} ({candidate.baseline[m]:.4f})':>22}" for m, _ in _SIMILAR_COLUMNS
        )
        rows.append(f"{name + (' *' if name == report.served else ''):<18}{cells}")
    return "\n".join(rows)


def cold_start_table(report: ColdStartReport, metric: str = "recall@20") -> str:
    """Test ``metric`` per method (rows) and seed count (columns); ``*`` marks the served one."""
    header = f"{'method':<34}" + "".join(f"{f'k={k}':>9}" for k in report.ks)
    rows = [header, "-" * len(header)]
    served = (report.served.method, report.served.lam, report.served.beta)
    for label, method in report.methods.items():
        params = ", ".join(f"{key} {value:g}" for key, value in method.params.items())
        lam, beta = method.params.get("lambda", 0.0), method.params.get("beta", 0.0)
        mark = " *" if (method.method, lam, beta) == served and label != "mean_raw" else ""
        name = f"{label} ({params}){mark}"
        values = [method.test.get(str(k), {}).get(metric) for k in report.ks]  # none: no user had k seeds
        rows.append(f"{name:<34}" + "".join(f"{'n/a':>9}" if v is None else f"{v:>9.4f}" for v in values))
    return "\n".join(rows)
