"""The batch side of a user's erasure: what carries a request in ``erasures/`` to completion.

The API records the request (``tunedin_common.erasures``) and hides the user meanwhile. Then:

* ``prepare-data`` drops every row of an erased user from the source (``exclude``), folds the
  erased subjects into the dataset id, and once the clean dataset is in place removes every
  other dataset that lists an erased user, the checkpoints of runs on them, and the cached source
  archives (``datasets_step``);
* ``publish``, once CURRENT names a model trained on a dataset built without the user, removes
  every other model directory that lists them, rollback models included (``models_step``).

Each step records what it did in the erasure's ``ErasureProgress``; ``schedule`` starts the
cluster's pipeline run while any erasure is pending, and ``status`` prints the ledger for people.
"""
