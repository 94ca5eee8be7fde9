"""Indicator sets of the co-creation radar, as data: one YAML file per version."""
