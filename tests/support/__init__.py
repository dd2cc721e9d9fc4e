"""The test and benchmark infrastructure, in one place: ``tests/`` and ``bench/`` import it here.

* ``ports``: free loopback ports; ``paths``: the repository;
* ``redis_server``: a real ``redis-server`` (plain, or durable with a password);
* ``api_stack``: the API under gunicorn as ``make api`` runs it, its metrics, ``Cleanup``;
* ``jobs``: the pipeline's stages as separate processes (``run_job``, ``run_job_ok``, ``start_job``);
* ``stores``: artifact stores with real models built by the pipeline's own code;
* ``keys``, ``key_leaks``: API key files for tests and scans for leaked key material;
* ``polling``: waiting for a condition with a deadline;
* ``load``: the open-loop load generator, the mixed traffic and per-worker probes;
* ``reliability_report``: the scale and the report of the reliability checks.
"""
