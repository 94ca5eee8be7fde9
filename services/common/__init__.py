"""The shared kernel: event envelope, schemas, buses, outbox, HTTP routing, logs and metrics."""
