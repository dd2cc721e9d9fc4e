"""How a training phase shows its progress: a tqdm bar on a terminal; in a log (a Kubernetes
Job, ``make demo``'s log file, CI) one log line per evaluation instead of a bar's carriage-return
updates, which a log keeps as one ever-growing line."""

from __future__ import annotations

import logging
import sys
from typing import Never, TextIO

from tqdm import tqdm

log = logging.getLogger("tunedin_trainer.training")


class EpochProgress:
    """Progress of one phase over epochs ``initial + 1 .. total``.

    ``shown=False`` shows nothing. Otherwise ``stream`` (default stderr) decides: a terminal
    gets a bar updated every epoch, anything else a log line for each epoch that reports
    metrics or is a ``milestone`` (the refit phase has no evaluations; it marks every
    ``eval_every``-th epoch and the last).
    """

    def __init__(
        self, desc: str, initial: int, total: int, shown: bool, stream: TextIO | None = None
    ) -> None:
        self.desc, self.total = desc, total
        out = stream if stream is not None else sys.stderr
        self._bar: tqdm[Never] | None = None
        self._lines = False
        self._shown_metrics: dict[str, str] = {}
        if shown and out.isatty():
            self._bar = tqdm(initial=initial, total=total, desc=desc, unit="epoch", file=out)
        elif shown:
            self._lines = True

    def epoch_done(
        self, epoch: int, loss: float, metrics: dict[str, float] | None = None, milestone: bool = False
    ) -> None:
        if self._bar is not None:
            # The bar keeps the latest evaluation's metrics between evaluations.
            self._shown_metrics.update({name: f"{value:.4f}" for name, value in (metrics or {}).items()})
            self._bar.set_postfix({"loss": f"{loss:.4f}", **self._shown_metrics}, refresh=False)
            self._bar.update(1)
        elif self._lines and (metrics is not None or milestone):
            measured = "".join(f", {name} {value:.4f}" for name, value in (metrics or {}).items())
            log.info("%s: epoch %d/%d, loss %.4f%s", self.desc, epoch, self.total, loss, measured)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
