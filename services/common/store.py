"""MongoDB through mongoengine: one database (and connection alias) per service."""

import mongoengine
import pymongo.errors
from pymongo.uri_parser import parse_uri

from services.common.errors import TransientError


def _without_database(uri: str) -> str:
    """mongoengine would use a database named in the URI's path instead of the service's own
    (operators' connection strings end in the user's database): keep it as the auth source."""
    parsed = parse_uri(uri)
    path_db = parsed.get("database")
    if not path_db:
        return uri
    head, _, rest = uri.partition("://")
    hosts, _, tail = rest.partition("/")
    query = tail.partition("?")[2]
    if "authsource=" not in query.lower():
        query = f"{query}&authSource={path_db}" if query else f"authSource={path_db}"
    return f"{head}://{hosts}/?{query}"


def connect(service: str, uri: str, database: str | None = None) -> None:
    """Connect the alias `service` to the service's own database on a MongoDB server."""
    mongoengine.connect(
        db=database or f"kuultu_{service}",
        alias=service,
        host=_without_database(uri),
        uuidRepresentation="standard",
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        socketTimeoutMS=15000,
        # A write is acknowledged by the primary before a 201 is returned; production URIs
        # add w=majority for replica-set durability.
        retryWrites=False,  # FerretDB does not support retryable writes
    )


def connect_embedded(service: str) -> None:
    """The embedded default keeps data in memory with mongomock (never used in the real stack)."""
    import mongomock

    mongoengine.connect(
        db=f"kuultu_{service}",
        alias=service,
        host="mongodb://embedded",
        mongo_client_class=mongomock.MongoClient,
        tz_aware=True,
    )
    # mongomock shares its data between clients of one host: start each platform empty.
    mongoengine.get_db(alias=service).client.drop_database(f"kuultu_{service}")


def disconnect(service: str) -> None:
    mongoengine.disconnect(alias=service)


def ping(service: str) -> None:
    """Raises TransientError when the service's database does not answer."""
    try:
        mongoengine.get_db(alias=service).command("ping")
    except (pymongo.errors.PyMongoError, mongoengine.connection.ConnectionFailure) as exc:
        raise TransientError(f"database unavailable: {exc}") from exc
