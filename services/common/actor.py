"""Who is acting, as the gateway tells the services after checking the token.

The services' HTTP APIs are internal (reachable only from the gateway, enforced by network
policy), so they trust these headers; the gateway strips any a client sends."""

from dataclasses import dataclass

from services.common.errors import DomainError

ACTOR_HEADERS = ("x-kuultu-actor", "x-kuultu-roles", "x-kuultu-unit")
ROLES = ("staff", "coordinator", "evaluator", "admin")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Actor:
    id: str
    roles: frozenset[str]
    unit: str | None = None

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles & set(roles))

    def may_see_unit(self, unit: str | None) -> bool:
        """Staff see their own unit's items; coordinators, evaluators and admins see all."""
        return self.has("coordinator", "evaluator") or unit is None or unit == self.unit

    def to_headers(self) -> dict[str, str]:
        return {"x-kuultu-actor": self.id, "x-kuultu-roles": ",".join(sorted(self.roles)),
                "x-kuultu-unit": self.unit or ""}

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> "Actor | None":
        if not headers.get("x-kuultu-actor"):
            return None
        roles = frozenset(r for r in headers.get("x-kuultu-roles", "").split(",") if r)
        return cls(headers["x-kuultu-actor"], roles, headers.get("x-kuultu-unit") or None)


def require_actor(headers: dict[str, str], *roles: str) -> Actor:
    """For staff endpoints inside a service: the actor, with one of `roles` (admin always)."""
    actor = Actor.from_headers(headers)
    if actor is None:
        raise Forbidden("This is a staff operation.")
    if roles and not actor.has(*roles):
        raise Forbidden(f"Needs one of the roles: {', '.join(roles)}.")
    return actor
