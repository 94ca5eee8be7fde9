"""Demo data for the embedded default, so a newcomer sees a living system.

Each service may provide `services/<service>/demo.py` with `load(platform)`; they run in
the order of the topology (feedback first)."""

import importlib

from services.common.topology import SERVICES


def load_demo_data(platform) -> None:
    for name in SERVICES:
        try:
            module = importlib.import_module(f"services.{name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.{name}.demo":
                raise
            continue
        module.load(platform)
