"""The full reliability run: the checks of ``tests/reliability`` at full scale.

* ``python -m bench.reliability`` (``make bench-reliability``): 5 minutes of mixed traffic at
  1000 requests/s, the fault scenarios at full length, several thousand fuzz cases; writes
  ``bench/results/reliability.json`` and ``bench/results/reliability.md``;
* ``make test-reliability`` (part of ``make test``): the same checks at small scale
  (``TUNEDIN_RELIABILITY_SCALE=short``); its report goes to ``test-output/reliability/``.

What the checks share (the stack, the load generator, the stores, the report) is in
``tests.support``.
"""

from __future__ import annotations

import os
import sys

from tests.support.reliability_report import SCALE_ENV, Scale


def main() -> None:
    """The full run: the reliability suite at full scale; its figures go to bench/results/."""
    import pytest

    os.environ.setdefault(SCALE_ENV, "full")
    code = pytest.main(["tests/reliability", "-p", "no:cacheprovider", "-rA", *sys.argv[1:]])
    print(f"report: {Scale.current().results_dir}/reliability.md")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
