"""Notifications: the contact registry, and the messages that tell residents how their
participation had an effect (see README.md)."""
