"""How an indicator's value is computed from facts: framework-free.

`fetch(event_name, period)` gives the facts of one event type, of one period or (None) of all
time; the radar's filters choose the population, while conditions and starts of durations
look at every fact, whenever it happened (a project run in March may tell its impact in
November)."""

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import product

from services.common.envelope import parse_time
from services.evaluation.facts import PROJECT_EVENTS
from services.evaluation.indicator_set import EVENT_ID, PERIOD_YEAR, Indicator, Selection

Fetch = Callable[[str, str | None], list[dict]]


@dataclass(frozen=True)
class Filters:
    period: str | None = None  # 2026 or 2026-11
    unit: str | None = None
    area: str | None = None  # a major area (suuralue)

    def as_dict(self) -> dict:
        return {"period": self.period, "unit": self.unit, "area": self.area}


@dataclass(frozen=True)
class Value:
    value: float | None
    n: int  # the size of the population the value is about
    note: str | None = None  # why there is no value


class Facts:
    """The facts of one radar computation, each fetched once, with the unit and areas of
    facts that name only their project filled in from the project's own events."""

    def __init__(self, fetch: Fetch, filters: Filters):
        self._fetch = fetch
        self._cache: dict[tuple[str, str | None], list[dict]] = {}
        self.filters = filters
        self._projects: dict[str, tuple[str | None, set[str]]] | None = None

    def prefetch(self, names: Iterable[str], period: str | None) -> None:
        """Reads the facts of several event types in one query, when the fetch can (a `many`
        method): a store without secondary indexes (FerretDB) scans its facts once, not once
        per event type."""
        many = getattr(self._fetch, "many", None)
        wanted = [n for n in dict.fromkeys(names) if (n, period) not in self._cache]
        if many is None or not wanted:
            return
        found = many(tuple(wanted), period)
        for name in wanted:
            self._cache[(name, period)] = found.get(name, [])

    def of(self, name: str, period: str | None) -> list[dict]:
        if (name, period) not in self._cache:
            self._cache[(name, period)] = self._fetch(name, period)
        return self._cache[(name, period)]

    def projects(self) -> dict[str, tuple[str | None, set[str]]]:
        if self._projects is None:
            self._projects = {}
            for name in PROJECT_EVENTS:
                for fact in self.of(name, None):
                    unit, areas = self._projects.setdefault(fact["project_id"], (None, set()))
                    self._projects[fact["project_id"]] = (unit or fact["unit"],
                                                          areas | set(fact["areas"]))
        return self._projects

    def in_scope(self, fact: dict) -> bool:
        f = self.filters
        unit, areas = fact["unit"], fact["areas"]
        if (f.unit and not unit or f.area and not areas) and fact.get("project_id"):
            project_unit, project_areas = self.projects().get(fact["project_id"], (None, set()))
            unit, areas = unit or project_unit, areas or project_areas
        return ((f.unit is None or unit == f.unit)
                and (f.area is None or f.area in areas))

    def population(self, selection: Selection) -> list[dict]:
        period = self.filters.period
        return [fact for name in selection.events for fact in self.of(name, period)
                if matches(fact, selection.where, period) and self.in_scope(fact)]

    def anytime(self, selection: Selection) -> list[dict]:
        return [fact for name in selection.events for fact in self.of(name, None)
                if matches(fact, selection.where, self.filters.period)]


def field_value(fact: dict, name: str):
    return fact["_id"] if name == EVENT_ID else fact["data"].get(name)


def _test(value, op: str, operand, period: str | None) -> bool:
    if op == "eq":
        if operand == PERIOD_YEAR:
            return period is None or str(value) == period[:4]
        return value == operand and isinstance(value, bool) == isinstance(operand, bool)
    if op == "in":
        values = value if isinstance(value, list) else [value]
        return any(v in operand for v in values)
    if op == "present":
        return (value not in (None, "", [])) == operand
    if op == "min_items":
        return isinstance(value, list) and len(value) >= operand
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return {"gte": value >= operand, "lte": value <= operand,
            "gt": value > operand, "lt": value < operand}[op]


def matches(fact: dict, where: tuple, period: str | None) -> bool:
    return all(_test(field_value(fact, name), op, operand, period)
               for name, (op, operand) in where)


def keys_of(fact: dict, key: tuple[str, ...] | None) -> list:
    """The members a fact is about: one, none (a key field is missing), or one per element
    of a list-valued key field (the methods of a project)."""
    fields = key or (EVENT_ID,)
    values = [field_value(fact, name) for name in fields]
    if len(values) == 1:
        value = values[0]
        members = value if isinstance(value, list) else [value]
        return [m for m in members if m is not None and m != ""]
    if any(v is None or isinstance(v, list) for v in values):
        return []
    return [tuple(values)]


def _members(facts: Iterable[dict], key) -> dict:
    members: dict = defaultdict(list)
    for fact in facts:
        for member in keys_of(fact, key):
            members[member].append(fact)
    return members


def share(indicator: Indicator, facts: Facts) -> Value:
    population = facts.population(indicator.population)
    members = _members(population, indicator.population.key)
    met = set(members)
    for condition in indicator.conditions:
        key = condition.key or indicator.population.key
        if condition.events is None:
            candidates = [f for f in population
                          if matches(f, condition.where, facts.filters.period)]
        else:
            candidates = facts.anytime(condition)
        hits: dict = defaultdict(set)
        for fact in candidates:
            mark = field_value(fact, condition.distinct) if condition.distinct else fact["_id"]
            for member in keys_of(fact, key):
                hits[member].add(mark)
        met &= {m for m, marks in hits.items() if len(marks) >= condition.at_least}
    if not members:
        return Value(None, 0)
    return Value(round(len(met) / len(members), 4), len(members))


def count(indicator: Indicator, facts: Facts) -> Value:
    population = facts.population(indicator.population)
    if not population:
        return Value(None, 0)
    return Value(float(len(_members(population, indicator.population.key))), len(population))


def mean(indicator: Indicator, facts: Facts) -> Value:
    name = indicator.population.field
    values = [v for f in facts.population(indicator.population)
              if isinstance(v := f["data"].get(name), int | float) and not isinstance(v, bool)]
    if not values:
        return Value(None, 0)
    return Value(round(statistics.fmean(values), 2), len(values))


def median_duration(indicator: Indicator, facts: Facts) -> Value:
    """Days from the start to the end of each member (its earliest end in the period and its
    earliest start at any time); members without a start are left out."""
    end, start = indicator.population, indicator.start
    ends = {}
    for member, member_facts in _members(facts.population(end), end.key).items():
        times = [parse_time(f["data"][end.field]) for f in member_facts
                 if f["data"].get(end.field)]
        if times:
            ends[member] = (min(times), member_facts)
    starts: dict = defaultdict(list)
    if start.events is not None:
        for fact in facts.anytime(start):
            if fact["data"].get(start.field):
                for member in keys_of(fact, start.key):
                    starts[member].append(parse_time(fact["data"][start.field]))
    days = []
    for member, (ended, member_facts) in ends.items():
        if start.events is None:
            began = [parse_time(f["data"][start.field]) for f in member_facts
                     if f["data"].get(start.field)]
        else:
            began = starts.get(member, [])
        if began:
            days.append(max(0.0, (ended - min(began)).total_seconds() / 86400))
    if not days:
        return Value(None, 0)
    return Value(round(statistics.median(days), 1), len(days))


def coverage(indicator: Indicator, facts: Facts) -> Value:
    """Share of the combinations of the cells' values with at least one fact. A major-area
    filter narrows an `area` cell to that area, so a filtered radar is not marked down for
    the areas it leaves out."""
    dimensions = [(name, (facts.filters.area,) if name == "area" and facts.filters.area
                   else values) for name, values in indicator.cells]
    cells = set(product(*(values for _, values in dimensions)))
    population = facts.population(indicator.population)
    if not population:
        return Value(None, 0)
    reached = {tuple(f["data"].get(name) for name, _ in dimensions) for f in population} & cells
    return Value(round(len(reached) / len(cells), 4), len(population))


KIND_FUNCTIONS = {"share": share, "count": count, "mean": mean,
                  "median_duration": median_duration, "coverage": coverage}


def compute(indicator: Indicator, facts: Facts) -> Value:
    result = KIND_FUNCTIONS[indicator.kind](indicator, facts)
    if result.value is None:
        return Value(None, result.n, "no events")
    if result.n < indicator.min_n:
        return Value(None, result.n, f"fewer than {indicator.min_n}")
    return result
