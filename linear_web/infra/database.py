"""Engine settings per database."""
import re


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
    third of a read request's round trips (bench/results-api-mix-*.md).

    The poll is the system's own poll(2), even under gevent: select(2) refuses descriptors above
    1024 (a worker with thousands of open sockets has them), and gevent's poll with a zero timeout
    returns before its loop has looked at the descriptor."""
    if engine.dialect.name != "postgresql":
        return
    import select

    from sqlalchemy import event, exc
    real_poll = _original_poll()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_conn, _record, _proxy):
        if dbapi_conn.closed:
            raise exc.DisconnectionError("connection closed")
        poller = real_poll()
        try:
            poller.register(dbapi_conn.fileno(), select.POLLIN)
            said = poller.poll(0)
        except (OSError, ValueError) as err:
            raise exc.DisconnectionError(str(err)) from err
        if said:  # idle, yet the server said something (or hung up): it closed the connection
            raise exc.DisconnectionError("the server closed the connection")


def _original_poll():
    """select.poll as the system has it, unpatched by gevent."""
    try:
        from gevent.monkey import get_original
    except ImportError:  # pragma: no cover - gevent is a requirement; SQLite setups may drop it
        import select
        return select.poll
    return get_original("select", "poll")


def fast_uuid_results(engine) -> None:
    """PostgreSQL: uuid columns arrive as uuid.UUID built without re-validating PostgreSQL's
    canonical text. psycopg2's caster goes through uuid.UUID(text), which parses and checks the
    string: about 300 ids in a 50-issue API page, a fifth of its CPU time (bench/results-api-mix-*.md).
    The object is the one uuid.UUID.__init__ would make (its `int` and `is_safe` slots)."""
    if engine.dialect.name != "postgresql":
        return
    import uuid

    import psycopg2.extensions
    from sqlalchemy import event

    new, set_slot, unknown = object.__new__, object.__setattr__, uuid.SafeUUID.unknown

    def cast(value, _cursor):
        if value is None:
            return None
        made = new(uuid.UUID)
        set_slot(made, "int", int(value.replace("-", ""), 16))
        set_slot(made, "is_safe", unknown)
        return made

    uuid_type = psycopg2.extensions.new_type((2950,), "LW_UUID", cast)

    @event.listens_for(engine, "connect")
    def _register(dbapi_conn, _record):
        psycopg2.extensions.register_type(uuid_type, dbapi_conn)


# -- Prepared statements (PostgreSQL) ------------------------------------------------------------

PREPARE = "lw_prepare"           # execution option: plan this statement once per connection
PREPARED_PER_CONNECTION = 128    # beyond this many distinct statements, new ones run unprepared
_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")
_LIMITS = re.compile(r"\b(LIMIT|OFFSET) %\((\w+)\)s")
_refused: set[str] = set()       # statements PostgreSQL would not prepare: they run as they are


def _literal(match, parameters) -> str:
    """LIMIT/OFFSET with its value written in (whole numbers only), else as it was."""
    value = parameters.get(match.group(2))
    return f"{match.group(1)} {value}" if type(value) is int else match.group(0)


def prepared(stmt):
    """The statement, marked to be prepared once per PostgreSQL connection (see prepare_marked)."""
    return stmt.execution_options(**{PREPARE: True})


def prepare_marked(engine) -> None:
    """PostgreSQL: statements marked with `prepared()` run as PREPARE (once per connection and
    SQL text) and then EXECUTE. A hot keyed query over the issues table, with its many indexes,
    spends 1–2 ms planning and 0.1–0.3 ms running (the inbox's page of lines: 2.0 ms planning,
    0.3 ms running; prepared, 0.3 ms in all, BENCHMARKS.md round 10). PostgreSQL plans the first
    five executions with their values and then keeps a generic plan only when it costs no more.

    - psycopg2 sends parameters as literals: the statement's %(name)s become $1, $2… in the
      PREPARE, and EXECUTE gets the values in that order.
    - LIMIT and OFFSET values are written into the statement: with a $n limit PostgreSQL cannot
      cost a generic plan and would plan every execution again.
    - A PREPARE PostgreSQL refuses (a parameter whose type it cannot infer) is undone by a
      savepoint inside a transaction, and that statement then always runs as it is."""
    if engine.dialect.name != "postgresql":
        return
    import psycopg2
    import psycopg2.extensions
    from sqlalchemy import event

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):
        if not context.execution_options.get(PREPARE) or not isinstance(parameters, dict):
            return None
        statement = _LIMITS.sub(lambda m: _literal(m, parameters), statement)
        known = context.root_connection.connection.info.setdefault(PREPARE, {})
        found = known.get(statement)
        if found is None:
            if len(known) >= PREPARED_PER_CONNECTION or statement in _refused:
                return None
            found = _prepare(cursor, statement, f"lw_p{len(known)}")
            if found is None:
                return None
            known[statement] = found
        name, order = found
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(order))})" if order else f"EXECUTE {name}",
                       [parameters[key] for key in order])
        return True

    def _prepare(cursor, statement, name):
        """PREPARE the statement as `name`: (name, parameter order), or None if it was refused."""
        order: list[str] = []

        def positional(match):
            if match.group(0) == "%%":
                return "%"
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        sql = _PYFORMAT.sub(positional, statement)
        in_transaction = cursor.connection.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE \
            or not cursor.connection.autocommit
        try:
            if in_transaction:
                cursor.execute("SAVEPOINT lw_prepare")
            cursor.execute(f"PREPARE {name} AS {sql}")
            if in_transaction:
                cursor.execute("RELEASE SAVEPOINT lw_prepare")
        except psycopg2.ProgrammingError:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT lw_prepare")
            _refused.add(statement)
            return None
        return name, order
