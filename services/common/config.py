"""Settings read from the environment (the gateway, the embedded runner, the CLI) or from a
nameko config mapping, which has the same keys after `${ENV:default}` substitution."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_KAFKA = "127.0.0.1:19092"
DEFAULT_MONGO = "mongodb://127.0.0.1:27027/"


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str = DEFAULT_KAFKA
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> "KafkaSettings":
        return cls(
            bootstrap=env.get("KUULTU_KAFKA_BOOTSTRAP") or DEFAULT_KAFKA,
            security_protocol=env.get("KUULTU_KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT",
            sasl_mechanism=env.get("KUULTU_KAFKA_SASL_MECHANISM") or None,
            sasl_username=env.get("KUULTU_KAFKA_SASL_USERNAME") or None,
            sasl_password=env.get("KUULTU_KAFKA_SASL_PASSWORD") or None,
            ssl_cafile=env.get("KUULTU_KAFKA_SSL_CAFILE") or None,
        )

    def client_config(self) -> dict:
        """Keyword arguments shared by kafka-python's producer, consumer and admin client."""
        config = {
            "bootstrap_servers": self.bootstrap.split(","),
            "security_protocol": self.security_protocol,
            # kafka-python backs off up to 30 s between reconnects (the Java client: 1 s), so
            # after a broker restart its clients stayed idle for up to 30 s more.
            "reconnect_backoff_max_ms": 1000,
        }
        if self.sasl_mechanism:
            config.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.ssl_cafile:
            config["ssl_cafile"] = self.ssl_cafile
        return config


def mongo_uri(env: Mapping[str, str] = os.environ) -> str:
    return env.get("KUULTU_MONGO_URI") or DEFAULT_MONGO


def env_flag(name: str, default: bool, env: Mapping[str, str] = os.environ) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):  # a nameko YAML config already parsed it
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")
