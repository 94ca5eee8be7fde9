"""`kuultu tables ...`: operators' commands of the tables service."""

import json
import os


def cmd_purge(args) -> int:
    """The retention run against the real database (the service also runs it hourly)."""
    from services.common import store
    from services.common.config import mongo_uri
    from services.common.context import ServiceContext
    from services.common.logs import configure_logging
    from services.common.topology import SERVICES
    from services.tables import retention

    configure_logging("tables", os.environ.get("KUULTU_LOG_LEVEL", "WARNING"))
    store.connect("tables", mongo_uri(), os.environ.get("KUULTU_MONGO_DATABASE") or None)
    try:
        ctx = ServiceContext(service="tables", topic=SERVICES["tables"].topic,
                             settings=dict(os.environ))
        print(json.dumps(retention.purge(ctx, dry_run=args.dry_run)))
    finally:
        store.disconnect("tables")
    return 0


def register(subparsers) -> None:
    tables = subparsers.add_parser("tables", help="partnership tables and influence groups")
    commands = tables.add_subparsers(dest="tables_command", required=True)
    purge = commands.add_parser(
        "purge", help="remove the personal data of applicants not selected whose retention "
                      "period has ended (KUULTU_TABLES_RETENTION_DAYS, "
                      "KUULTU_TABLES_MINOR_RETENTION_DAYS)")
    purge.add_argument("--dry-run", action="store_true", help="only count, change nothing")
    purge.set_defaults(func=cmd_purge)
