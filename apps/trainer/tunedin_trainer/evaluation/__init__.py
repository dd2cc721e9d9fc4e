"""Full-ranking evaluation: metrics, ranking every user against every item, scoring the models."""
