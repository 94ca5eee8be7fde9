"""The `kuultu` command: run the platform, serve one service, manage topics and demo data."""

import argparse
import importlib
import os
import sys
from pathlib import Path

from services.common.topology import GATEWAY_PORT, SERVICES

SERVICE_NAMES = ["gateway", *SERVICES]


def cmd_run(args) -> int:
    """The embedded default: all services in one process, data in memory."""
    import uvicorn

    from services import embedded
    from services.common.logs import configure_logging

    configure_logging("kuultu", args.log_level)
    platform = embedded.build()
    platform.start()
    if not args.no_demo:
        from services.demo import load_demo_data

        load_demo_data(platform)
    url = f"http://{args.host}:{args.port}"
    print(f"kuultu is running at {url}  (API docs: {url}/docs)", flush=True)
    from services.feedback.apikeys import install_dev_key

    print(f"Open311 development API key: {install_dev_key(platform)}", flush=True)
    print(embedded.NOTICE + (" Started empty (--no-demo)." if args.no_demo else
                             " Demo data was loaded; use --no-demo to start empty."), flush=True)
    try:
        uvicorn.run(platform.app(), host=args.host, port=args.port,
                    log_level=args.log_level.lower(), access_log=False)
    finally:
        platform.stop()
    return 0


def cmd_serve(args) -> int:
    """One part of the real stack as its own process."""
    if args.service == "gateway":
        import uvicorn

        from services.common.logs import configure_logging
        from services.gateway.real import build_app

        configure_logging("gateway", os.environ.get("KUULTU_LOG_LEVEL", "INFO"))
        host, _, port = (os.environ.get("KUULTU_HTTP_ADDRESS")
                         or f"127.0.0.1:{GATEWAY_PORT}").rpartition(":")
        uvicorn.run(build_app(), host=host, port=int(port), access_log=False,
                    log_level=os.environ.get("KUULTU_LOG_LEVEL", "info").lower())
        return 0
    config = Path(__file__).parent / args.service / "config.yml"
    argv = [sys.executable, "-m", "nameko", "run", "--config", str(config),
            f"services.{args.service}.service:{args.service.capitalize()}Service"]
    os.execv(sys.executable, argv)
    return 0  # not reached


def cmd_topics(args) -> int:
    from services.common.config import KafkaSettings
    from services.common.kafka_bus import ensure_topics
    from services.common.topology import DOMAIN_TOPICS

    ensure_topics(KafkaSettings.from_mapping(os.environ), DOMAIN_TOPICS,
                  partitions=args.partitions)
    print("topics ready: " + ", ".join(DOMAIN_TOPICS) + " (and their .dlq topics)")
    return 0


def cmd_dev_token(args) -> int:
    from services.gateway import dev_issuer

    print(dev_issuer.mint(args.role, unit=args.unit))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kuultu",
        description="kuultu: the City of Lahti's resident participation platform.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run everything in one process (embedded default)")
    run.add_argument("--host", default=os.environ.get("KUULTU_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("KUULTU_PORT", GATEWAY_PORT)))
    run.add_argument("--no-demo", action="store_true", help="start without demo data")
    run.add_argument("--log-level", default=os.environ.get("KUULTU_LOG_LEVEL", "INFO"))
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="run one service against the real stack "
                           "(configured by KUULTU_* environment variables)")
    serve.add_argument("service", choices=SERVICE_NAMES)
    serve.set_defaults(func=cmd_serve)

    topics = sub.add_parser("topics", help="create the event topics and dead-letter topics")
    topics.add_argument("--partitions", type=int, default=3)
    topics.set_defaults(func=cmd_topics)

    token = sub.add_parser("dev-token", help="print a staff token of the local development "
                           "issuer (embedded default and local runs only)")
    token.add_argument("--role", choices=["staff", "coordinator", "evaluator", "admin"],
                       default="staff")
    token.add_argument("--unit", help="the staff member's unit, e.g. urban-environment")
    token.set_defaults(func=cmd_dev_token)

    # Each service may add its own commands in services/<service>/cli.py: register(sub).
    for name in SERVICES:
        try:
            module = importlib.import_module(f"services.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.{name}.cli":
                raise
            continue
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
