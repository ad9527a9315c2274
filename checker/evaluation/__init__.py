"""The green evaluation system (issue 13): criteria per product group (criteria.py), what a
project's evaluation scheme covers (scheme.py) and the green score (score.py)."""
