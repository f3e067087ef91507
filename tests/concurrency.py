"""Running service calls in real threads, each with its own app context and session."""
import threading

from linear_web.infra.extensions import db


def run_in_threads(app, count: int, work) -> list:
    """Run work(i) in `count` threads released together; results (or exceptions) in order."""
    barrier = threading.Barrier(count, timeout=60)
    results: list = [None] * count

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
            except Exception as err:  # noqa: BLE001 - reported to the test, which asserts on it
                db.session.rollback()
                results[i] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results
