"""Feedback: residents' feedback, ideas and experiences, and the city's answers."""
