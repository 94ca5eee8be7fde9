"""`kuultu evaluation ...`: rebuild the projection by replay, check indicator set files."""

import getpass
import os
import sys
import time
from pathlib import Path


def register(subparsers) -> None:
    evaluation = subparsers.add_parser(
        "evaluation", help="the co-creation radar: rebuild its projection, check indicator sets")
    commands = evaluation.add_subparsers(dest="evaluation_command", required=True)

    rebuild = commands.add_parser(
        "rebuild", help="replay every topic from the beginning into a new generation of facts "
        "and switch to it when complete (real stack: KUULTU_KAFKA_*, KUULTU_MONGO_URI)")
    rebuild.add_argument("--take-over", action="store_true",
                         help="take over from a rebuild whose process died")
    rebuild.add_argument("--allow-truncated", action="store_true",
                         help="rebuild even if retention deleted the oldest events of a topic")
    rebuild.set_defaults(func=cmd_rebuild)

    check = commands.add_parser("check", help="check indicator set files (default: all sets)")
    check.add_argument("files", nargs="*", type=Path)
    check.set_defaults(func=cmd_check)


class _Printer:
    """Progress on stderr, at most once a second, and always at the end."""

    def __init__(self):
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, run) -> None:
        now = time.monotonic()
        if run.status == "running" and now - self.last < 1.0:
            return
        self.last = now
        rate = run.read / max(now - self.started, 1e-6)
        share = f"{100 * run.read / run.total:.1f}%" if run.total else "100%"
        print(f"rebuild {run.id}: {run.read}/{run.total} records ({share}), {rate:,.0f}/s, "
              f"{run.applied} facts, {run.ignored} ignored, {run.invalid} invalid",
              file=sys.stderr, flush=True)


def cmd_rebuild(args) -> int:
    from services.common import store
    from services.common.config import KafkaSettings, mongo_uri
    from services.common.errors import DomainError
    from services.common.logs import configure_logging
    from services.common.topology import SERVICES
    from services.evaluation import rebuild
    from services.evaluation.replay import KafkaReplay

    configure_logging("evaluation-rebuild", os.environ.get("KUULTU_LOG_LEVEL", "WARNING"))
    store.connect("evaluation", mongo_uri(), os.environ.get("KUULTU_MONGO_DATABASE") or None)
    source = KafkaReplay(KafkaSettings.from_mapping(os.environ),
                         list(SERVICES["evaluation"].consumes))
    try:
        run = rebuild.start(source, started_by=f"cli:{getpass.getuser()}",
                            take_over=args.take_over)
        started = time.monotonic()
        rebuild.run(run, source, allow_truncated=args.allow_truncated, on_progress=_Printer())
    except DomainError as exc:
        print(f"rebuild refused: {exc.message}", file=sys.stderr)
        return 2
    except Exception as exc:
        print(f"rebuild failed, the projection is unchanged: {exc!r}", file=sys.stderr)
        return 1
    print(f"rebuild {run.id} done: {run.generation} is active with {run.facts} facts "
          f"({run.read} records read, {run.invalid} invalid, {run.ignored} ignored) "
          f"in {time.monotonic() - started:.1f}s")
    return 0


def cmd_check(args) -> int:
    from services.evaluation.indicator_set import IndicatorSetInvalid, load_file, sets_dir

    files = args.files or sorted(sets_dir().glob("*.yml"))
    failed = 0
    for path in files:
        try:
            indicator_set = load_file(path)
        except (IndicatorSetInvalid, OSError) as exc:
            failed += 1
            print(f"{path}: INVALID")
            for error in getattr(exc, "errors", [str(exc)]):
                print(f"  - {error}")
            continue
        print(f"{path}: ok, version {indicator_set.version}, "
              f"{len(indicator_set.indicators)} indicators")
    return 1 if failed else 0
