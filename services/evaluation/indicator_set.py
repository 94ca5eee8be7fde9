"""The indicator set: versioned data (indicators/<version>.yml) read into checked, immutable
objects. Framework-free; every mistake in a file is reported with its place, all at once."""

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from services.evaluation.facts import READ_EVENTS

RADAR_AREAS = ("goals", "culture", "satisfaction", "methods")
KINDS = ("share", "count", "mean", "median_duration", "coverage")
OPERATORS = ("gte", "lte", "gt", "lt", "min_items", "present")
PERIOD_YEAR = "$period_year"  # in a condition: the year of the period the radar is drawn for
EVENT_ID = "$id"  # as a key: each event on its own
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
FIELD_PATTERN = re.compile(r"^(\$id|[a-z][a-z0-9_]{0,60})$")
VERSION_PATTERN = re.compile(r"^\d{4}\.\d{1,3}$")


class IndicatorSetInvalid(Exception):
    def __init__(self, source: str, errors: list[str]):
        super().__init__(f"{source}: " + "; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Selection:
    """Events of some types whose data match `where`, grouped by `key` (data fields)."""

    events: tuple[str, ...] | None  # None: the population's own events (in a condition)
    where: tuple[tuple[str, object], ...] = ()
    key: tuple[str, ...] | None = None  # None: the population's key (in a condition), or $id
    field: str | None = None  # the time or number a duration or mean reads
    distinct: str | None = None  # a condition counts distinct values of this field ...
    at_least: int = 1  # ... or matching events, and needs at least this many


@dataclass(frozen=True)
class Scale:
    zero: float  # the value that scores 0
    five: float  # the value that scores 5

    def score(self, value: float | None) -> float | None:
        if value is None:
            return None
        position = (value - self.zero) / (self.five - self.zero)
        return round(5 * min(1.0, max(0.0, position)), 2)


@dataclass(frozen=True)
class Indicator:
    id: str
    area: str
    name: dict[str, str]
    kind: str
    scale: Scale
    population: Selection  # `of`, or `end` of a duration
    conditions: tuple[Selection, ...] = ()  # `having` of a share
    start: Selection | None = None  # of a duration
    cells: tuple[tuple[str, tuple], ...] = ()  # of a coverage
    description: dict[str, str] = field(default_factory=dict)
    min_n: int = 1
    weight: float = 1.0

    @property
    def reads(self) -> tuple[str, ...]:
        names = list(self.population.events or ())
        for selection in (*self.conditions, self.start):
            if selection is not None and selection.events:
                names.extend(selection.events)
        return tuple(dict.fromkeys(names))

    def as_dict(self) -> dict:
        return {
            "id": self.id, "area": self.area, "name": self.name,
            "description": self.description, "kind": self.kind, "reads": list(self.reads),
            "scale": {"zero": self.scale.zero, "five": self.scale.five},
            "min_n": self.min_n, "weight": self.weight,
        }


@dataclass(frozen=True)
class IndicatorSet:
    version: str
    title: dict[str, str]
    areas: dict[str, dict[str, str]]
    indicators: tuple[Indicator, ...]

    def in_area(self, area: str) -> list[Indicator]:
        return [i for i in self.indicators if i.area == area]

    def period_reads(self) -> tuple[str, ...]:
        """Event types whose facts of the radar's period the indicators read."""
        return tuple(dict.fromkeys(n for i in self.indicators for n in i.population.events or ()))

    def anytime_reads(self) -> tuple[str, ...]:
        """Event types whose facts of any time the indicators read (conditions, starts)."""
        return tuple(dict.fromkeys(
            n for i in self.indicators for s in (*i.conditions, i.start)
            if s is not None for n in s.events or ()))

    def as_dict(self) -> dict:
        return {
            "version": self.version, "title": self.title,
            "areas": [{"id": a, "name": self.areas[a],
                       "indicators": [i.as_dict() for i in self.in_area(a)]}
                      for a in RADAR_AREAS],
        }


def version_order(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


class _Parser:
    """Collects every error with its place instead of stopping at the first."""

    def __init__(self):
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def names(self, raw, where: str) -> dict[str, str]:
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(lang), str) and raw[lang].strip() for lang in ("fi", "en")
        ):
            self.fail(where, "needs Finnish and English text (fi, en)")
            return {}
        return {"fi": raw["fi"].strip(), "en": raw["en"].strip()}

    def events(self, raw, where: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail(where, "must list one or more event names")
            return ()
        unknown = [e for e in raw if e not in READ_EVENTS]
        if unknown:
            self.fail(where, f"unknown events {unknown}; known: {', '.join(READ_EVENTS)}")
        return tuple(raw)

    def field_name(self, raw, where: str) -> str | None:
        if not isinstance(raw, str) or not FIELD_PATTERN.match(raw):
            self.fail(where, "must be a field name of the event data (or $id)")
            return None
        return raw

    def key(self, raw, where: str) -> tuple[str, ...] | None:
        if raw is None:
            return None
        parts = raw if isinstance(raw, list) else [raw]
        if not parts:
            self.fail(where, "must name one or more fields")
        return tuple(self.field_name(p, where) or "" for p in parts)

    def where(self, raw, where: str) -> tuple[tuple[str, object], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.fail(where, "must map field names to values")
            return ()
        checked = []
        for name, test in raw.items():
            self.field_name(name, f"{where}.{name}")
            if isinstance(test, dict):
                if len(test) != 1 or next(iter(test)) not in OPERATORS:
                    self.fail(f"{where}.{name}", f"use one operator of {', '.join(OPERATORS)}")
                    continue
                op, operand = next(iter(test.items()))
                if op == "present" and not isinstance(operand, bool):
                    self.fail(f"{where}.{name}", "present takes true or false")
                elif op != "present" and (isinstance(operand, bool)
                                          or not isinstance(operand, int | float)):
                    self.fail(f"{where}.{name}", f"{op} takes a number")
                checked.append((name, (op, operand)))
            elif isinstance(test, list):
                checked.append((name, ("in", tuple(test))))
            elif test is None or isinstance(test, str | int | float | bool):
                checked.append((name, ("eq", test)))
            else:
                self.fail(f"{where}.{name}", "must be a value, a list of values or an operator")
        return tuple(checked)

    def selection(self, raw, where: str, *, condition=False, needs_field=False) -> Selection:
        if not isinstance(raw, dict):
            self.fail(where, "must be a mapping")
            return Selection(events=())
        allowed = {"events", "where", "key"}
        if condition:
            allowed |= {"distinct", "at_least"}
        if needs_field:
            allowed |= {"field"}
        for extra in sorted(set(raw) - allowed):
            self.fail(f"{where}.{extra}", "unknown setting")
        events = None
        if "events" in raw or not (condition or needs_field):
            events = self.events(raw.get("events"), f"{where}.events")
        at_least = raw.get("at_least", 1)
        if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 1:
            self.fail(f"{where}.at_least", "must be a whole number of at least 1")
            at_least = 1
        return Selection(
            events=events,
            where=self.where(raw.get("where"), f"{where}.where"),
            key=self.key(raw.get("key"), f"{where}.key"),
            field=self.field_name(raw.get("field"), f"{where}.field") if needs_field else None,
            distinct=(self.field_name(raw["distinct"], f"{where}.distinct")
                      if raw.get("distinct") is not None else None),
            at_least=at_least,
        )

    def number(self, raw, where: str) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(where, "must be a number")
            return 0.0
        return float(raw)

    def indicator(self, raw, where: str) -> Indicator | None:
        if not isinstance(raw, dict):
            self.fail(where, "must be a mapping")
            return None
        known = {"id", "area", "name", "description", "computation", "scale", "min_n", "weight"}
        for extra in sorted(set(raw) - known):
            self.fail(f"{where}.{extra}", "unknown setting")
        ident = raw.get("id")
        if not isinstance(ident, str) or not ID_PATTERN.match(ident):
            self.fail(f"{where}.id", "must be lower-case letters, digits and _")
        where = f"indicator {ident}" if isinstance(ident, str) else where
        area = raw.get("area")
        if area not in RADAR_AREAS:
            self.fail(f"{where}.area", f"must be one of {', '.join(RADAR_AREAS)}")
        name = self.names(raw.get("name"), f"{where}.name")
        description = self.names(raw["description"], f"{where}.description") \
            if "description" in raw else {}
        scale_raw = raw.get("scale") if isinstance(raw.get("scale"), dict) else {}
        scale = Scale(self.number(scale_raw.get("zero"), f"{where}.scale.zero"),
                      self.number(scale_raw.get("five"), f"{where}.scale.five"))
        if scale.zero == scale.five:
            self.fail(f"{where}.scale", "zero and five must differ")
        min_n = raw.get("min_n", 1)
        if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
            self.fail(f"{where}.min_n", "must be a whole number of at least 1")
            min_n = 1
        weight = self.number(raw.get("weight", 1), f"{where}.weight")
        if weight <= 0:
            self.fail(f"{where}.weight", "must be above 0")
        computation = raw.get("computation")
        if not isinstance(computation, dict) or computation.get("kind") not in KINDS:
            self.fail(f"{where}.computation.kind", f"must be one of {', '.join(KINDS)}")
            return None
        parts = self.computation(computation, f"{where}.computation")
        if parts is None:
            return None
        return Indicator(id=ident, area=area, name=name, description=description,
                         kind=computation["kind"], scale=scale, min_n=min_n, weight=weight,
                         **parts)

    def computation(self, raw: dict, where: str) -> dict | None:
        kind = raw["kind"]
        settings = {"kind", "of", "having", "field", "cells", "start", "end", "key"}
        allowed = {"share": {"of", "having"}, "count": {"of"}, "mean": {"of", "field"},
                   "median_duration": {"start", "end", "key"},
                   "coverage": {"of", "cells"}}[kind] | {"kind"}
        for extra in sorted(set(raw) - allowed):
            self.fail(f"{where}.{extra}", f"is not used by {kind}"
                      if extra in settings else "unknown setting")
        if kind == "median_duration":
            key = self.key(raw.get("key"), f"{where}.key")
            end = self.selection(raw.get("end"), f"{where}.end", needs_field=True)
            start = self.selection(raw.get("start"), f"{where}.start", needs_field=True)
            if end.events is None:
                self.fail(f"{where}.end.events", "must list one or more event names")
            return {"population": Selection(end.events, end.where, key, end.field),
                    "start": Selection(start.events, start.where, key, start.field)}
        population = self.selection(raw.get("of"), f"{where}.of")
        parts: dict = {"population": population}
        if kind == "share":
            having = raw.get("having")
            if not isinstance(having, list) or not having:
                self.fail(f"{where}.having", "must list one or more conditions")
                having = []
            parts["conditions"] = tuple(
                self.selection(c, f"{where}.having[{n}]", condition=True)
                for n, c in enumerate(having))
        elif kind == "mean":
            parts["population"] = Selection(
                population.events, population.where, population.key,
                self.field_name(raw.get("field"), f"{where}.field"))
        elif kind == "coverage":
            cells = raw.get("cells")
            if not isinstance(cells, dict) or not cells or not all(
                isinstance(v, list) and v for v in cells.values()
            ):
                self.fail(f"{where}.cells", "must map fields to their lists of values")
                cells = {}
            for name in cells:
                self.field_name(name, f"{where}.cells.{name}")
            parts["cells"] = tuple((k, tuple(v)) for k, v in cells.items())
        return parts


def parse(raw, source: str = "indicator set") -> IndicatorSet:
    """Checks a set read from YAML; raises IndicatorSetInvalid listing every problem."""
    parser = _Parser()
    if not isinstance(raw, dict):
        raise IndicatorSetInvalid(source, ["must be a mapping with version, title, areas and "
                                           "indicators"])
    version = str(raw.get("version", ""))
    if not VERSION_PATTERN.match(version):
        parser.fail("version", "must look like 2026.1 (a quoted string)")
    title = parser.names(raw.get("title"), "title")
    areas_raw = raw.get("areas") if isinstance(raw.get("areas"), dict) else {}
    if set(areas_raw) != set(RADAR_AREAS):
        parser.fail("areas", f"must name exactly the four areas {', '.join(RADAR_AREAS)}")
    areas = {a: parser.names(areas_raw.get(a), f"areas.{a}") for a in RADAR_AREAS}
    indicators_raw = raw.get("indicators")
    if not isinstance(indicators_raw, list):
        parser.fail("indicators", "must be a list")
        indicators_raw = []
    indicators = [parser.indicator(item, f"indicators[{n}]")
                  for n, item in enumerate(indicators_raw)]
    indicators = [i for i in indicators if i is not None]
    seen = set()
    for indicator in indicators:
        if indicator.id in seen:
            parser.fail(f"indicator {indicator.id}", "the id is used twice")
        seen.add(indicator.id)
    for area in RADAR_AREAS:
        if not any(i.area == area for i in indicators):
            parser.fail(f"areas.{area}", "has no indicator")
    if parser.errors:
        raise IndicatorSetInvalid(source, parser.errors)
    return IndicatorSet(version=version, title=title, areas=areas, indicators=tuple(indicators))


def load_file(path: Path) -> IndicatorSet:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise IndicatorSetInvalid(path.name, [f"not valid YAML: {exc}"]) from exc
    indicator_set = parse(raw, path.name)
    if indicator_set.version != path.name.removesuffix(".yml"):
        raise IndicatorSetInvalid(path.name, [f"version {indicator_set.version!r} must match "
                                              "the file name"])
    return indicator_set


def load_dir(directory: Path) -> dict[str, IndicatorSet]:
    """Every set in a folder, by version; the newest last."""
    sets = [load_file(p) for p in directory.glob("*.yml")]
    if not sets:
        raise IndicatorSetInvalid(str(directory), ["no indicator set (*.yml) found"])
    return {s.version: s for s in sorted(sets, key=lambda s: version_order(s.version))}


def sets_dir() -> Path:
    """The shipped sets, or a folder an operator mounts (KUULTU_INDICATOR_SETS_DIR)."""
    configured = os.environ.get("KUULTU_INDICATOR_SETS_DIR")
    return Path(configured) if configured else Path(__file__).parent / "indicators"


@cache
def available() -> dict[str, IndicatorSet]:
    return load_dir(sets_dir())
