"""Prometheus metrics of the notifications service (served at /metrics with the others)."""

from prometheus_client import Counter

MESSAGES = Counter(
    "kuultu_notifications_messages",
    "Message delivery outcomes (sent, retry, failed, undeliverable, cancelled)",
    ["trigger", "outcome", "channel"],
)
QUEUED = Counter("kuultu_notifications_queued", "Messages queued, by trigger", ["trigger"])
