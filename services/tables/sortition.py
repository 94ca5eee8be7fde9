"""Stratified random selection with quotas, by the sortition-algorithms package.

maximin makes the least likely applicant as likely as the quotas allow; nash maximises the
product of everyone's probabilities. Both compute a distribution over feasible panels and
then draw one panel from it; with the same seed the same panel is drawn again.
"""

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass

from sortition_algorithms.committee_generation import (
    find_distribution_maximin,
    find_distribution_nash,
    standardize_distribution,
)
from sortition_algorithms.core import lottery_rounding
from sortition_algorithms.errors import (
    InfeasibleQuotasCantRelaxError,
    InfeasibleQuotasError,
    SelectionError,
)
from sortition_algorithms.features import FeatureValueMinMax
from sortition_algorithms.people import People
from sortition_algorithms.utils import set_random_provider

from services.common.errors import DomainError, ValidationFailed

ALGORITHMS = {"maximin": find_distribution_maximin, "nash": find_distribution_nash}
# The library logs its progress to stdout; the service keeps its own structured logs.
for _name in ("sortition_algorithms", "sortition_algorithms_user"):
    logging.getLogger(_name).disabled = True
# The library draws from one process-wide random source: one draw at a time.
_DRAW_LOCK = threading.Lock()


def offload(fn, *args):
    """Runs the CPU-bound solver. The nameko service replaces this with a native thread pool
    (service.py) so its event loop keeps serving requests while a panel is computed."""
    return fn(*args)

Quotas = dict[str, dict[str, dict[str, int]]]  # feature -> value -> {"min": m, "max": n}


class QuotasInfeasible(DomainError):
    status = 422
    code = "quotas_infeasible"


@dataclass
class Draw:
    selected: list[str]
    probabilities: dict[str, float]  # each applicant's probability of selection
    panels: int  # panels with a positive probability in the distribution


def counts(pool: list[dict], feature: str) -> Counter:
    return Counter(candidate[feature] for candidate in pool)


def default_quotas(pool: list[dict], features: list[str], seats: int,
                   home_area: str | None = None) -> Quotas:
    """Every group that applied gets at least about half its fair share of the seats (at
    least one seat while there are enough seats for every group) and at most about twice
    it, so no group fills the body alone. A regional table's own area is the exception: at
    least half of its seats go to its residents, when enough of them applied."""
    quotas: Quotas = {}
    for feature in features:
        present = counts(pool, feature)
        if feature == "area" and home_area in present:
            quotas[feature] = _regional(present, home_area, seats)
            continue
        share = seats / len(present)
        bounds = {}
        for value, available in sorted(present.items()):
            low = min(available, max(1 if share >= 1 else 0, math.floor(share / 2)))
            bounds[value] = {"min": low, "max": min(available, max(low, math.ceil(share * 2)))}
        if sum(b["max"] for b in bounds.values()) < seats:  # too few in the other groups
            bounds = {v: {"min": b["min"], "max": present[v]} for v, b in bounds.items()}
        quotas[feature] = bounds
    return quotas


def _regional(present: Counter, home_area: str, seats: int) -> dict[str, dict[str, int]]:
    home = min(present[home_area], math.ceil(seats / 2))
    return {value: ({"min": home, "max": available} if value == home_area
                    else {"min": 0, "max": min(available, seats - home)})
            for value, available in sorted(present.items())}


def merge_quotas(given, pool: list[dict], features: list[str], seats: int,
                 home_area: str | None = None) -> Quotas:
    """The coordinator's quotas over the defaults; one reason per invalid quota."""
    quotas = default_quotas(pool, features, seats, home_area)
    if given is None:
        return quotas
    errors: dict[str, str] = {}
    if not isinstance(given, dict):
        raise ValidationFailed({"quotas": "must map a feature to {value: {min, max}}"})
    for feature, values in given.items():
        if feature not in features:
            errors[f"quotas.{feature}"] = f"not a feature of this selection: {', '.join(features)}"
            continue
        if not isinstance(values, dict):
            errors[f"quotas.{feature}"] = "must map a value to {min, max}"
            continue
        present = counts(pool, feature)
        for value, bounds in values.items():
            where = f"quotas.{feature}.{value}"
            low = bounds.get("min", 0) if isinstance(bounds, dict) else None
            high = bounds.get("max", seats) if isinstance(bounds, dict) else None
            if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                       for n in (low, high)) or low > high:
                errors[where] = "must be {\"min\": m, \"max\": n} with whole numbers 0 <= m <= n"
            elif low > present.get(value, 0):
                errors[where] = (f"min {low} but only {present.get(value, 0)} eligible "
                                 f"applicants are in this group")
            elif value in present:
                quotas[feature][value] = {"min": low, "max": high}
    if errors:
        raise ValidationFailed(errors)
    return quotas


def fulfilment(pool: list[dict], selected: list[str], quotas: Quotas) -> list[dict]:
    """Quota by quota: how many applied, the target, how many were chosen, whether it is met."""
    chosen = [c for c in pool if c["id"] in set(selected)]
    rows = []
    for feature, values in quotas.items():
        in_pool, in_panel = counts(pool, feature), counts(chosen, feature)
        for value, bounds in values.items():
            rows.append({"feature": feature, "value": value, "applicants": in_pool[value],
                         "min": bounds["min"], "max": bounds["max"],
                         "selected": in_panel[value],
                         "met": bounds["min"] <= in_panel[value] <= bounds["max"]})
    return rows


def meets(pool: list[dict], selected: list[str], quotas: Quotas) -> bool:
    return all(row["met"] for row in fulfilment(pool, selected, quotas))


def _solve(features, people: People, seats: int, algorithm: str, seed: int):
    set_random_provider(seed)
    panels, weights, _ = ALGORITHMS[algorithm](features, people, seats, [])
    panels, weights = standardize_distribution(panels, weights)
    return panels, weights, lottery_rounding(panels, weights, 1)[0]


def draw(pool: list[dict], seats: int, quotas: Quotas, algorithm: str, seed: int) -> Draw:
    """Choose `seats` applicants from `pool` (dicts with an "id" and one key per feature)."""
    if len(pool) <= seats:
        return Draw([c["id"] for c in pool], {c["id"]: 1.0 for c in pool}, 1)
    features = {f: {v: FeatureValueMinMax(min=b["min"], max=b["max"]) for v, b in values.items()}
                for f, values in quotas.items()}
    people = People(columns_to_keep=[])
    for row, candidate in enumerate(pool):
        people.add(candidate["id"], {f: candidate[f] for f in features}, features, row)
    with _DRAW_LOCK:  # taken here, in the caller's (green) thread, not in the pool
        try:
            panels, weights, chosen = offload(_solve, features, people, seats, algorithm, seed)
        except InfeasibleQuotasError as exc:
            raise QuotasInfeasible(
                "The quotas cannot all be met with these applicants. "
                + " ".join(exc.all_lines[1:]),
                fields={"quotas": " ".join(exc.all_lines)}) from exc
        except (InfeasibleQuotasCantRelaxError, SelectionError) as exc:
            raise QuotasInfeasible(f"No panel meets the quotas: {exc}",
                                   fields={"quotas": str(exc)}) from exc
    probabilities = {c["id"]: 0.0 for c in pool}
    for panel, weight in zip(panels, weights, strict=True):
        for member in panel:
            probabilities[member] += weight
    ordered = [c["id"] for c in pool if c["id"] in chosen]
    return Draw(ordered, {k: round(min(v, 1.0), 6) for k, v in probabilities.items()},
                len(panels))
