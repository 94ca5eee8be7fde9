"""The method catalogue: the model's four ways to participate and the methods of each, read
from `methods.yml` plus an optional extension file, checked when loaded."""

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).with_name("methods.yml")
EXTENSION_ENV = "KUULTU_PROJECTS_METHODS_FILE"
MODES = ("online", "face_to_face")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


class CatalogueError(ValueError):
    """The catalogue file is not usable; the service refuses to start with it."""


@dataclass(frozen=True)
class Way:
    id: str
    fi: str
    en: str


@dataclass(frozen=True)
class Method:
    id: str
    ways: tuple[str, ...]
    fi: str
    en: str
    modes: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"id": self.id, "ways": list(self.ways), "fi": self.fi, "en": self.en,
                "modes": list(self.modes)}


@dataclass(frozen=True)
class Catalogue:
    version: int
    ways: tuple[Way, ...]
    methods: tuple[Method, ...]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(m.id for m in self.methods)

    def method(self, method_id: str) -> Method | None:
        return next((m for m in self.methods if m.id == method_id), None)

    def as_dict(self) -> dict:
        return {
            "version": self.version,
            "ways": [{"id": w.id, "fi": w.fi, "en": w.en,
                      "methods": [m.as_dict() for m in self.methods if w.id in m.ways]}
                     for w in self.ways],
        }


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: {key!r} must be a non-empty name")
    return value.strip()


def _read(path: Path) -> dict:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    if not isinstance(content, dict):
        raise CatalogueError(f"{path}: must be a mapping with 'ways' and 'methods'")
    return content


def parse(documents: list[dict]) -> Catalogue:
    """Merge the base document with extensions (later entries replace earlier ones by id)."""
    ways: dict[str, Way] = {}
    raw_methods: dict[str, dict] = {}
    version = 0
    for number, document in enumerate(documents):
        version = max(version, int(document.get("version") or 1))
        for entry in document.get("ways") or []:
            where = f"document {number} way {entry.get('id')!r}"
            if not isinstance(entry.get("id"), str) or not ID_PATTERN.match(entry["id"]):
                raise CatalogueError(f"{where}: id must match {ID_PATTERN.pattern}")
            ways[entry["id"]] = Way(entry["id"], _text(entry, "fi", where), _text(entry, "en", where))
        for entry in document.get("methods") or []:
            if not isinstance(entry, dict):
                raise CatalogueError(f"document {number}: each method must be a mapping")
            raw_methods[str(entry.get("id"))] = entry
    methods = []
    for method_id, entry in raw_methods.items():
        where = f"method {method_id!r}"
        if not ID_PATTERN.match(method_id):
            raise CatalogueError(f"{where}: id must match {ID_PATTERN.pattern}")
        method_ways = tuple(entry.get("ways") or ())
        if not method_ways or not set(method_ways) <= ways.keys():
            raise CatalogueError(f"{where}: ways must be some of {', '.join(ways)}")
        modes = tuple(entry.get("modes") or MODES)
        if not set(modes) <= set(MODES):
            raise CatalogueError(f"{where}: modes must be some of {', '.join(MODES)}")
        methods.append(Method(method_id, method_ways, _text(entry, "fi", where),
                              _text(entry, "en", where), modes))
    if not methods:
        raise CatalogueError("the catalogue has no methods")
    return Catalogue(version, tuple(ways.values()), tuple(methods))


def load(extension: str | None = None) -> Catalogue:
    documents = [_read(DEFAULT_FILE)]
    if extension:
        documents.append(_read(Path(extension)))
    return parse(documents)


@cache
def default() -> Catalogue:
    return load(os.environ.get(EXTENSION_ENV) or None)
