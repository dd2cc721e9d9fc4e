"""Cold start: scores over every artist from a few artists a listener likes.

The method and its settings are the ones the trainer chose offline (metrics.json
``cold_start.served``: the least-squares fold-in, say, with a mild popularity debiasing);
a report without that section gets the plain mean fold-in. Exact over the catalogue: one
``[n_items, dim]`` product, no index search, so the debiasing sees every artist.
"""

from __future__ import annotations

import numpy as np

from tunedin_api.model.loaded import LoadedModel
from tunedin_common.fold_in import fold_in_vector, popularity_debias
from tunedin_common.quality_report import ServedColdStart

DEFAULT = ServedColdStart(method="mean")


def served_method(model: LoadedModel) -> ServedColdStart:
    """What the model's report says to serve; the mean fold-in when it says nothing servable
    (co-listening needs an item-neighbour file the models do not carry)."""
    report = model.report.cold_start
    if report is None or report.served.method == "colisten":
        return DEFAULT
    return report.served


def fold_in_scores(model: LoadedModel, seeds: np.ndarray) -> np.ndarray:
    """``float32 [n_items]`` cold-start scores of every artist for the seed rows."""
    served = served_method(model)
    items = model.item_embeddings
    scores: np.ndarray = items @ fold_in_vector(items, seeds, served.method, served.lam)
    return popularity_debias(scores, model.catalogue.fit_listeners, served.beta)
