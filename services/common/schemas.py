"""The event catalogue at run time: which event types exist, on which topic, with which schema.

Read from `schemas/asyncapi.yaml`, the same file other city systems read, so the code and
the published contract cannot drift apart.
"""

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from services.common.errors import InvalidEvent

TYPE_PREFIX = "fi.lahti.kuultu."


def schemas_dir() -> Path:
    configured = os.environ.get("KUULTU_SCHEMAS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "schemas"


@dataclass(frozen=True)
class EventSpec:
    name: str  # FeedbackReceived
    version: int
    topic: str
    ce_type: str  # fi.lahti.kuultu.FeedbackReceived.v1
    schema_path: Path
    example_path: Path
    validator: Draft202012Validator

    @property
    def dataschema(self) -> str:
        return f"urn:kuultu:schema:{self.name}:v{self.version}"


class SchemaRegistry:
    def __init__(self, root: Path):
        self.root = root
        catalogue = yaml.safe_load((root / "asyncapi.yaml").read_text(encoding="utf-8"))
        messages = catalogue["components"]["messages"]
        self.topics: dict[str, str] = {}  # channel id -> topic address
        self._by_type: dict[str, EventSpec] = {}
        self._by_name: dict[str, EventSpec] = {}
        for channel_id, channel in catalogue["channels"].items():
            self.topics[channel_id] = channel["address"]
            for message_ref in channel["messages"].values():
                message = messages[message_ref["$ref"].rsplit("/", 1)[-1]]
                spec = self._load(message, channel["address"])
                self._by_type[spec.ce_type] = spec
                self._by_name.setdefault(spec.name, spec)
                if spec.version > self._by_name[spec.name].version:
                    self._by_name[spec.name] = spec

    def _load(self, message: dict, topic: str) -> EventSpec:
        ce_type = message["x-cloudevents-type"]
        version = int(ce_type.rsplit(".v", 1)[1])
        schema_path = (self.root / message["payload"]["$ref"]).resolve()
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        return EventSpec(
            name=message["name"],
            version=version,
            topic=topic,
            ce_type=ce_type,
            schema_path=schema_path,
            example_path=(self.root / message["x-example"]).resolve(),
            validator=validator,
        )

    @property
    def specs(self) -> list[EventSpec]:
        return list(self._by_type.values())

    def latest(self, name: str) -> EventSpec:
        try:
            return self._by_name[name]
        except KeyError:
            raise InvalidEvent(f"unknown event name {name!r}") from None

    def by_type(self, ce_type: str) -> EventSpec | None:
        return self._by_type.get(ce_type)

    def validate(self, spec: EventSpec, data: object) -> None:
        errors = sorted(spec.validator.iter_errors(data), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(
                f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:5]
            )
            raise InvalidEvent(f"{spec.name} v{spec.version} data is invalid: {details}")


@cache
def default_registry() -> SchemaRegistry:
    return SchemaRegistry(schemas_dir())
