"""Evaluation: the co-creation radar and its indicators, derived from the event flow."""
