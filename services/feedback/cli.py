"""`kuultu open311-key ...`: issue, list and revoke Open311 API keys in the feedback
service's database (KUULTU_MONGO_URI, the real stack), and show the development key that the
embedded default (`kuultu run`) accepts."""

import sys

from services.common import store
from services.common.config import mongo_uri
from services.common.envelope import utcnow
from services.common.errors import DomainError


def _on_feedback_database(action):
    def command(args) -> int:
        from services.feedback import apikeys

        store.connect("feedback", mongo_uri())
        try:
            return action(apikeys, args)
        except DomainError as exc:
            print(f"kuultu open311-key: {exc.message} {exc.fields or ''}".strip(),
                  file=sys.stderr)
            return 2
        finally:
            store.disconnect("feedback")

    return command


@_on_feedback_database
def cmd_create(apikeys, args) -> int:
    description, key = apikeys.create(args.name, now=utcnow(), created_by="kuultu open311-key")
    print(f"Open311 API key for {description['name']} (id {description['id']}):")
    print(key)
    print("Shown once: only its hash is stored. Revoke with "
          f"`kuultu open311-key revoke {description['id']}`.")
    return 0


@_on_feedback_database
def cmd_list(apikeys, args) -> int:
    for key in apikeys.listing():
        state = f"revoked {key['revoked_at']}" if key["revoked_at"] else "active"
        print(f"{key['id']}  {key['created_at']}  {state:<36}  {key['name']}")
    return 0


@_on_feedback_database
def cmd_revoke(apikeys, args) -> int:
    key = apikeys.revoke(args.id, now=utcnow())
    print(f"revoked: {key['name']} ({key['id']})")
    return 0


def cmd_show_dev(args) -> int:
    from services.feedback import apikeys

    print(apikeys.dev_key())
    return 0


def register(subparsers) -> None:
    keys = subparsers.add_parser("open311-key", help="Open311 API keys of the feedback service")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="issue a key to a named client (printed once)")
    create.add_argument("name", help="who the key is for, e.g. 'Lahti e-feedback'")
    create.set_defaults(func=cmd_create)
    actions.add_parser("list", help="the keys issued (never the keys themselves)").set_defaults(
        func=cmd_list)
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("id")
    revoke.set_defaults(func=cmd_revoke)
    actions.add_parser("show-dev", help="the development key that `kuultu run` accepts "
                       "(printed on its start too)").set_defaults(func=cmd_show_dev)
