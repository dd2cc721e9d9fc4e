"""``python -m bench.experiments``: the sequential test's error rates on a synthetic population.

Runs ``tunedin_common.experiments.simulation`` at full size: A/A experiments (the challenger is
the champion) looked at every 500 impressions, to measure the false-positive rate of the
always-valid mixture SPRT at α = 0.05 against a fixed-horizon z-test peeked at as often; then a
challenger with a +10 % relative play rate, to measure how many impressions it takes to detect;
then A/A on a small population of heavy listeners, where impressions of one user are far from
independent, counted per impression and per user-day (as the API counts them). Also the cost of
one assignment. Seeded; one core, about three minutes.

Writes ``bench/results/experiments.json`` and ``bench/results/experiments.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tunedin_common.contract import atomic_write_bytes, utcnow
from tunedin_common.experiments.assignment import assignment_point
from tunedin_common.experiments.report import METHOD
from tunedin_common.experiments.simulation import (
    Population,
    Scenario,
    detection_quantile,
    rejection_rate,
    simulate,
)
from tunedin_common.experiments.statistics import MixtureSPRT, wilson_interval

RESULTS = Path(__file__).resolve().parent / "results"
SPRT = MixtureSPRT()
BROAD = Population(n_users=50_000)
HEAVY = Population(n_users=5_000, anonymous_share=0.0)
# name, population, scenario, runs, seed
CASES: list[tuple[str, Population, Scenario, int, int]] = [
    ("A/A, share 0.2", BROAD, Scenario(lift=1.0, share=0.2), 500, 1),
    ("+10 % plays, share 0.2", BROAD, Scenario(lift=1.10, share=0.2), 200, 100_000),
    ("+10 % plays, share 0.5", BROAD, Scenario(lift=1.10, share=0.5), 100, 200_000),
    ("+5 % plays, share 0.5", BROAD, Scenario(lift=1.05, share=0.5), 100, 300_000),
    ("A/A, heavy listeners (20 impressions each)", HEAVY, Scenario(lift=1.0, share=0.2), 200, 400_000),
    # The same listeners counted as the API counts them: one impression per user-day.
    (
        "A/A, heavy listeners, per user-day (one day)",
        HEAVY,
        Scenario(lift=1.0, share=0.2, days=1, look_every=100),
        200,
        500_000,
    ),
    (
        "A/A, heavy listeners, per user-day (5 days)",
        HEAVY,
        Scenario(lift=1.0, share=0.2, days=5),
        200,
        600_000,
    ),
    (
        "A/A, heavy listeners, per user-day (20 days)",
        HEAVY,
        Scenario(lift=1.0, share=0.2, days=20),
        200,
        700_000,
    ),
]


def run_case(name: str, population: Population, scenario: Scenario, runs: int, seed: int) -> dict[str, Any]:
    began = time.perf_counter()
    results = simulate(population, scenario, SPRT, runs, seed)
    detected = sum(r.detected_at is not None for r in results)
    low, high = wilson_interval(detected, runs)
    wrong_way = sum(r.challenger_better is False for r in results) if scenario.lift > 1 else None
    return {
        "name": name,
        "population": asdict(population),
        "scenario": asdict(scenario),
        "runs": runs,
        "seed": seed,
        "looks": scenario.max_impressions // scenario.look_every,
        "rejection_rate": rejection_rate(results),
        "rejection_rate_95ci": [low, high],
        "naive_peeking_rejection_rate": rejection_rate(results, naive=True),
        "detected_wrong_way": wrong_way,
        "impressions_to_detect": {
            f"p{int(q * 100)}": detection_quantile(results, q) for q in (0.5, 0.8, 0.9, 0.95)
        },
        "seconds": round(time.perf_counter() - began, 1),
    }


def assignment_cost_us(n: int = 200_000) -> float:
    keys = [f"user-{i}" for i in range(n)]
    began = time.perf_counter()
    for key in keys:
        assignment_point("ex-20260101T000000Z-0123abcd", key)
    return (time.perf_counter() - began) / n * 1e6


def _quantiles(row: dict[str, Any]) -> str:
    found = row["impressions_to_detect"]
    return " / ".join("—" if found[k] is None else f"{found[k]:,}" for k in ("p50", "p80", "p90", "p95"))


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Champion/challenger experiments: the sequential test on a synthetic population",
        "",
        f"Measured {result['measured_at']} by `make bench-experiments` (`python -m bench.experiments`).",
        "",
        "`tunedin_common.experiments` holds the experiment record (`$TUNEDIN_ARTIFACTS/experiment.json`,",
        "written by `python -m jobs.experiment start|status|stop|promote|rollback`, polled by the API",
        "through `ExperimentReader`), the sticky assignment (a user key sees the challenger when",
        "blake2b(experiment id, key) mapped to [0, 1) is below the share), and the statistics of",
        "`experiment_report`, the answer of `GET /v1/experiments/current`.",
        "",
        f"**Method.** {result['method']} α = {result['alpha']}, mixture τ = {result['mixture_sd']},",
        f"no evidence before {result['min_impressions']} impressions per variant. Per-variant rates get",
        "Wilson intervals. The test is valid at every look at once: reject as soon as the likelihood",
        "ratio reaches 1/α (Ville's inequality bounds the chance it ever does under no difference by α).",
        "",
        "**Population.** Each user's true play propensity is Beta-distributed around a play rate of",
        f"{BROAD.play_rate} (concentration {BROAD.concentration}); {BROAD.anonymous_share:.0%} of",
        "impressions come from one-off anonymous keys. Users are split by the real assignment",
        "function with a fresh experiment id per run; the challenger multiplies every propensity by",
        "the lift. Results are looked at every 500 impressions up to 100,000 (200 looks).",
        "",
        "| case | runs | users | rejected (95 % CI) | naive peeking rejects "
        "| impressions to detect p50 / p80 / p90 / p95 |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    for row in result["cases"]:
        low, high = row["rejection_rate_95ci"]
        lines.append(
            f"| {row['name']} | {row['runs']} | {row['population']['n_users']:,} | "
            f"{row['rejection_rate']:.3f} ({low:.3f}–{high:.3f}) | "
            f"{row['naive_peeking_rejection_rate']:.3f} | "
            f"{_quantiles(row)} |"
        )
    wrong = sum(row["detected_wrong_way"] or 0 for row in result["cases"])
    lines += [
        "",
        'On the A/A rows "rejected" is the false-positive rate; on the others the power within',
        '100,000 impressions. "Naive peeking" is a two-sided fixed-horizon z-test at α checked at',
        "the same 200 looks: what the always-valid test guards against. Detections of a better",
        f"challenger that named the champion better instead: {wrong}.",
        "",
        "**The unit.** The test treats its units as independent. Counted per impression, heavy",
        "listeners (5,000 users, 20 impressions each on average) break that: impressions of one user",
        "are correlated, the variance is underestimated and false positives rise. The API counts",
        "user-days instead (a user's first list of a day from a variant is one impression, played",
        "when a play cites a list of that day; anonymous lists are not counted), as the per-user-day",
        "rows do: the same listeners with their 20 impressions on one day, over 5 days or over 20.",
        "The more a user's impressions fall on one day, the more this helps; spread over many days",
        "a user's days stay correlated with each other.",
        "Looks on the per-user-day rows come every 500 user-days (100 when they fit in one day).",
        "",
        f"Assignment costs {result['assignment_us']:.2f} µs per key (one blake2b, one core).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "measured_at": utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "method": METHOD + ".",
        "alpha": SPRT.alpha,
        "mixture_sd": SPRT.mixture_sd,
        "min_impressions": SPRT.min_impressions,
        "assignment_us": assignment_cost_us(),
        "cases": [],
    }
    for case in CASES:
        row = run_case(*case)
        print(json.dumps({k: row[k] for k in ("name", "rejection_rate", "impressions_to_detect", "seconds")}))
        result["cases"].append(row)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out / "experiments.json", (json.dumps(result, indent=2) + "\n").encode())
    atomic_write_bytes(args.out / "experiments.md", markdown(result).encode())


if __name__ == "__main__":
    main()
