"""Engine settings per database."""


def tune_sqlite(engine) -> None:
    """SQLite: enforce foreign keys (cascades), WAL for concurrent readers, wait on locks."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def check_postgres_on_checkout(engine) -> None:
    """PostgreSQL: a pooled connection the server has closed is replaced before use, without the
    round trip of pool_pre_ping.

    An idle connection's socket has nothing to read unless the server closed it (terminated
    backend, restart: it sends an error and EOF). A zero-timeout poll of the socket on checkout
    sees that; the pool then discards the connection and takes or opens another (SQLAlchemy's
    DisconnectionError contract). pool_pre_ping sent `SELECT 1` for every request instead: a
    third of a read request's round trips (bench/results-api-mix-*.md)."""
    if engine.dialect.name != "postgresql":
        return
    import select

    from sqlalchemy import event, exc

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_conn, _record, _proxy):
        if dbapi_conn.closed:
            raise exc.DisconnectionError("connection closed")
        try:
            readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
        except (OSError, ValueError) as err:
            raise exc.DisconnectionError(str(err)) from err
        if readable:  # idle, yet the server said something: it closed the connection
            raise exc.DisconnectionError("the server closed the connection")
