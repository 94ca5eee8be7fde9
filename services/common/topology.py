"""Names, ports and topics of the platform's parts: one place that every runner reads."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    topic: str | None = None  # the topic this service owns (writes)
    consumes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def group_id(self) -> str:
        return f"kuultu-{self.name}"

    @property
    def database(self) -> str:
        return f"kuultu_{self.name}"


FEEDBACK_TOPIC = "kuultu.feedback"
TABLES_TOPIC = "kuultu.tables"
PROJECTS_TOPIC = "kuultu.projects"
EVALUATION_TOPIC = "kuultu.evaluation"
NOTIFICATIONS_TOPIC = "kuultu.notifications"
PARTICIPATION_TOPICS = (FEEDBACK_TOPIC, TABLES_TOPIC, PROJECTS_TOPIC)
DOMAIN_TOPICS = (*PARTICIPATION_TOPICS, EVALUATION_TOPIC, NOTIFICATIONS_TOPIC)

GATEWAY_PORT = 8000
SERVICES: dict[str, ServiceSpec] = {
    s.name: s
    for s in (
        ServiceSpec("feedback", 8001, FEEDBACK_TOPIC),
        ServiceSpec("tables", 8002, TABLES_TOPIC),
        ServiceSpec("projects", 8003, PROJECTS_TOPIC, consumes=(FEEDBACK_TOPIC,)),
        ServiceSpec("evaluation", 8004, EVALUATION_TOPIC, consumes=DOMAIN_TOPICS),
        ServiceSpec("notifications", 8005, NOTIFICATIONS_TOPIC, consumes=PARTICIPATION_TOPICS),
    )
}


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
