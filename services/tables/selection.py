"""A body's selection for one call: the proposal with its report, the city board's decision
that makes members of it, the ordered reserve list, resignations and replacements."""

import random
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.common.envelope import iso
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.tables import sortition
from services.tables.bodies import QUOTA_FEATURES, Body
from services.tables.calls import Call, local_today, parse_date

METHODS = ("maximin", "nash", "manual")
EVENT_METHOD = {"maximin": "sortition_maximin", "nash": "sortition_nash", "manual": "manual"}
MAX_SEED = 2**31 - 1
COMPOSITION = ("age_band", "area", "represents")  # what MembersSelected counts
REFERENCE = re.compile(r"^\S.{0,79}$")


def selection_id(call_id: str, body_id: str) -> str:
    return f"{call_id}:{body_id}"


def candidate(application) -> dict:
    """What a selection keeps of an application: categories and the pseudonymous id only."""
    return {"id": application.id, "age_band": application.age_band, "area": application.area,
            "represents": application.represents, "gender": application.gender,
            "participant_id": application.participant_id, "language": application.language}


@dataclass
class Selection:
    id: str
    call_id: str
    body_id: str
    seats: int
    method: str
    seed: int
    features: list[str]
    quotas: dict
    pool: list[dict]
    selected: list[str]  # the proposal, then the members chosen by the decision
    reserve: list[str]  # ordered; a replacement is taken from the front
    probabilities: dict[str, float] | None
    panels: int
    preview: bool  # proposed while the call was still open
    term_start: date
    term_end: date
    proposed_at: datetime
    proposed_by: str
    status: str = "proposed"  # proposed | decided
    decision_date: date | None = None
    decision_reference: str | None = None
    decided_at: datetime | None = None
    members: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    events: list[tuple[str, dict]] = field(default_factory=list, repr=False)

    # -- the decision ---------------------------------------------------------------------
    def decide(self, payload: dict, *, call: Call, pool_ids: set[str], now: datetime,
               actor: str) -> None:
        if self.status == "decided":
            raise Conflict("The city board's decision is recorded already.")
        if call.status(local_today(now)) != "closed":
            raise Conflict("The call is still open: close it, run the selection again and "
                           "then record the decision.")
        if self.preview:
            raise Conflict("This proposal was made while the call was open: run the selection "
                           "again now that it is closed, then record the decision.")
        if pool_ids != {c["id"] for c in self.pool}:
            raise Conflict("The applications changed since this proposal was made; run the "
                           "selection again before recording the decision.")
        decision_date, reference = _decision_fields(payload, now)
        self.status = "decided"
        self.decision_date, self.decision_reference, self.decided_at = decision_date, reference, now
        by_id = self._by_id()
        self.members = [{"application_id": a, "participant_id": by_id[a]["participant_id"],
                         "since": self.term_start.isoformat(), "status": "active",
                         "left_on": None, "replaced_by": None, "replaces": None}
                        for a in self.selected]
        self.history.append({"at": iso(now), "by": actor, "action": "decided",
                             "reference": reference})
        composition = {f: dict(sorted(Counter(by_id[a][f] for a in self.selected).items()))
                       for f in COMPOSITION}
        self.events.append(("MembersSelected", {
            "body_id": self.body_id, "call_id": self.call_id,
            "term_start": self.term_start.isoformat(), "term_end": self.term_end.isoformat(),
            "seats": self.seats, "selected_count": len(self.selected),
            "reserve_count": len(self.reserve), "method": EVENT_METHOD[self.method],
            "decision_date": decision_date.isoformat(), "decision_reference": reference,
            "composition": composition, "selected_at": iso(now),
        }))
        ranks = {a: i for i, a in enumerate(self.reserve, start=1)}
        for entry in self.pool:
            outcome = ("selected" if entry["id"] in self.selected
                       else "reserve" if entry["id"] in ranks else "not_selected")
            self._decided(entry, outcome, ranks.get(entry["id"]), now, "board_decision",
                          decision_date, reference)

    def _decided(self, entry: dict, outcome: str, rank: int | None, now: datetime, basis: str,
                 decision_date: date, reference: str | None) -> None:
        data = {
            "application_id": entry["id"], "call_id": self.call_id, "body_id": self.body_id,
            "decision": outcome, "reserve_rank": rank, "age_band": entry["age_band"],
            "area": entry["area"], "represents": entry["represents"],
            "participant_id": entry["participant_id"], "language": entry["language"],
            "decided_at": iso(now), "basis": basis,
            "decision_date": decision_date.isoformat(),
            "term_start": self.term_start.isoformat(), "term_end": self.term_end.isoformat(),
        }
        if reference:
            data["decision_reference"] = reference
        self.events.append(("ApplicationDecided", data))

    # -- the term -------------------------------------------------------------------------
    def resign(self, application_id: str, payload: dict, *, now: datetime, actor: str) -> dict:
        """A member leaves; the first reserve who keeps the quotas met takes the seat (or the
        first reserve when none does). Returns the replacement's member entry, if any."""
        if self.status != "decided":
            raise Conflict("Members exist only after the city board's decision.")
        member = next((m for m in self.members if m["application_id"] == application_id
                       and m["status"] == "active"), None)
        if member is None:
            raise NotFound("No active member with that application id in this body.")
        errors: dict[str, str] = {}
        left_on = parse_date(payload.get("left_on"), "left_on", errors) or local_today(now)
        replace = payload.get("replace", True)
        if not isinstance(replace, bool):
            errors["replace"] = "must be true or false"
        reference = payload.get("decision_reference")
        if reference is not None and (not isinstance(reference, str)
                                      or not REFERENCE.match(reference)):
            errors["decision_reference"] = "must be 1-80 characters, e.g. KH 3.3.2027 § 41"
        if not errors and not self.term_start <= left_on <= self.term_end:
            errors["left_on"] = (f"must be within the term {self.term_start.isoformat()} - "
                                 f"{self.term_end.isoformat()}")
        for unknown in sorted(set(payload) - {"left_on", "replace", "decision_reference"}):
            errors[unknown] = "unknown field"
        if errors:
            raise ValidationFailed(errors)
        member.update(status="resigned", left_on=left_on.isoformat())
        self.history.append({"at": iso(now), "by": actor, "action": "resigned",
                             "application_id": application_id})
        if not replace or not self.reserve:
            return {}
        staying = [m["application_id"] for m in self.members if m["status"] == "active"]
        incoming = next((r for r in self.reserve
                         if sortition.meets(self.pool, [*staying, r], self.quotas)),
                        self.reserve[0])
        self.reserve.remove(incoming)
        entry = self._by_id()[incoming]
        since = max(left_on + timedelta(days=1), local_today(now))
        replacement = {"application_id": incoming, "participant_id": entry["participant_id"],
                       "since": min(since, self.term_end).isoformat(), "status": "active",
                       "left_on": None, "replaced_by": None, "replaces": application_id}
        member["replaced_by"] = incoming
        self.members.append(replacement)
        self.history.append({"at": iso(now), "by": actor, "action": "replaced",
                             "application_id": incoming, "replaces": application_id})
        self._decided(entry, "selected", None, now, "replacement", local_today(now), reference)
        return replacement

    # -- reading --------------------------------------------------------------------------
    def _by_id(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.pool}

    def outcome(self, application_id: str) -> str | None:
        if self.status != "decided":
            return None
        if any(m["application_id"] == application_id for m in self.members):
            return "selected"
        return "reserve" if application_id in self.reserve else "not_selected"

    def active_members(self) -> list[dict]:
        return [m for m in self.members if m["status"] == "active"]

    def report(self) -> dict:
        """The transparent part: method, seed, quota fulfilment, each applicant's chance."""
        ranks = {a: i for i, a in enumerate(self.reserve, start=1)}
        chosen = ([m["application_id"] for m in self.active_members()]
                  if self.status == "decided" else self.selected)
        rows = []
        for entry in self.pool:
            rows.append({
                "application_id": entry["id"], "age_band": entry["age_band"],
                "area": entry["area"], "represents": entry["represents"],
                "gender": entry["gender"],
                "probability": (self.probabilities or {}).get(entry["id"]),
                "proposed": entry["id"] in self.selected,
                "reserve_rank": ranks.get(entry["id"]),
            })
        rows.sort(key=lambda r: (not r["proposed"], r["reserve_rank"] or 0, r["application_id"]))
        return {
            "method": self.method, "seed": self.seed, "seats": self.seats,
            "pool_size": len(self.pool), "selected_count": len(self.selected),
            "reserve_count": len(self.reserve), "panels_in_distribution": self.panels,
            "features": self.features,
            "quotas": sortition.fulfilment(self.pool, chosen, self.quotas),
            "quotas_met": sortition.meets(self.pool, chosen, self.quotas),
            "applicants": rows,
        }

    def view(self) -> dict:
        return {
            "id": self.id, "call_id": self.call_id, "body_id": self.body_id,
            "status": self.status, "preview": self.preview,
            "term_start": self.term_start.isoformat(), "term_end": self.term_end.isoformat(),
            "proposed_at": iso(self.proposed_at), "proposed_by": self.proposed_by,
            "decision_date": self.decision_date.isoformat() if self.decision_date else None,
            "decision_reference": self.decision_reference,
            "decided_at": iso(self.decided_at) if self.decided_at else None,
            "selected": list(self.selected), "reserve": list(self.reserve),
            "members": [dict(m) for m in self.members],
            "report": self.report(), "history": list(self.history),
        }


def _decision_fields(payload: dict, now: datetime) -> tuple[date, str]:
    errors: dict[str, str] = {}
    decision_date = parse_date(payload.get("decision_date"), "decision_date", errors)
    if decision_date is None and "decision_date" not in errors:
        errors["decision_date"] = "is required: the date of the city board's decision"
    elif decision_date is not None and decision_date > local_today(now):
        errors["decision_date"] = "must not be in the future"
    reference = payload.get("decision_reference")
    if not isinstance(reference, str) or not REFERENCE.match(reference.strip()):
        errors["decision_reference"] = "is required: the § reference, e.g. KH 15.12.2026 § 312"
    for unknown in sorted(set(payload) - {"decision_date", "decision_reference"}):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    return decision_date, reference.strip()


PROPOSAL_FIELDS = {"body_id", "method", "seed", "features", "quotas", "selected", "reserve"}


def _ids(payload: dict, name: str, pool_ids: set[str], errors: dict) -> list[str]:
    value = payload.get(name) or []
    if (not isinstance(value, list) or not all(isinstance(v, str) for v in value)
            or len(set(value)) != len(value)):
        errors[name] = "must be a list of distinct application ids"
        return []
    unknown = [v for v in value if v not in pool_ids]
    if unknown:
        errors[name] = f"not eligible applications of this body and call: {', '.join(unknown)}"
    return value


def propose(payload: dict, *, call: Call, body: Body, pool: list[dict], now: datetime,
            actor: str, existing: Selection | None = None) -> Selection:
    """A proposal by sortition (maximin or nash) or by hand. Running it again replaces the
    previous proposal until the decision is recorded."""
    if existing is not None and existing.status == "decided":
        raise Conflict("The city board has decided this selection; it cannot be re-run.")
    if not pool:
        raise Conflict("There are no applications to choose from.")
    errors: dict[str, str] = {}
    method = payload.get("method", "maximin")
    if method not in METHODS:
        errors["method"] = f"must be one of: {', '.join(METHODS)}"
    seed = payload.get("seed")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED) + 1  # recorded, so the draw can be re-run
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed <= MAX_SEED:
        errors["seed"] = f"must be a whole number from 1 to {MAX_SEED}"
    features = payload.get("features", body.quota_features)
    if (not isinstance(features, list) or not all(f in QUOTA_FEATURES for f in features)
            or len(set(features)) != len(features)):
        errors["features"] = f"must list distinct features from: {', '.join(QUOTA_FEATURES)}"
        features = []
    pool_ids = {c["id"] for c in pool}
    hand_picked = _ids(payload, "selected", pool_ids, errors)
    reserve_given = _ids(payload, "reserve", pool_ids, errors)
    seats = min(body.seats, len(pool))
    if method == "manual" and not errors:
        if not 1 <= len(hand_picked) <= body.seats:
            errors["selected"] = f"pick from 1 to {body.seats} applications by hand"
        if set(reserve_given) & set(hand_picked):
            errors["reserve"] = "must not repeat a selected application"
    elif method != "manual" and (hand_picked or reserve_given):
        errors["selected" if hand_picked else "reserve"] = "only with the manual method"
    for unknown in sorted(set(payload) - PROPOSAL_FIELDS):
        errors[unknown] = "unknown field"
    if errors:
        raise ValidationFailed(errors)
    quotas = sortition.merge_quotas(payload.get("quotas"), pool, features, seats,
                                    home_area=body.home_area)

    if method == "manual":
        selected, probabilities, panels = list(hand_picked), None, 0
    else:
        drawn = sortition.draw(pool, seats, quotas, method, seed)
        selected, probabilities, panels = drawn.selected, drawn.probabilities, drawn.panels
    rest = sorted(pool_ids - set(selected) - set(reserve_given))
    random.Random(seed).shuffle(rest)  # the reserve order is drawn too, with the same seed
    term_start, term_end = call.term_for(body)
    preview = call.status(local_today(now)) != "closed"
    selection = Selection(
        id=selection_id(call.id, body.id), call_id=call.id, body_id=body.id,
        seats=body.seats, method=method, seed=seed, features=list(features), quotas=quotas,
        pool=list(pool), selected=selected, reserve=[*reserve_given, *rest],
        probabilities=probabilities, panels=panels, preview=preview, term_start=term_start,
        term_end=term_end, proposed_at=now, proposed_by=actor,
        history=list(existing.history) if existing else [],
    )
    selection.history.append({"at": iso(now), "by": actor, "action": "proposed",
                              "method": method, "seed": seed})
    return selection
