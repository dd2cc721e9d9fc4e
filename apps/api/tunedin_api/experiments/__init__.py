"""Champion/challenger experiments in the API: which model serves a request (``serving``), the
impressions and attributed feedback in Redis (``impressions``), and the report (``report``)."""
