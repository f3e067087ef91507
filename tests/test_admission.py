"""Admission control: at most N ordinary requests in the app at once; sockets are not counted."""
import threading
import time

from linear_web.infra.admission import AdmissionControl


def test_at_most_n_requests_run_at_once_and_sockets_bypass():
    running, peak, lock = [0], [0], threading.Lock()

    def app(environ, start_response):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return [b"ok"]

    wrapped = AdmissionControl(app, 2)
    threads = [threading.Thread(target=wrapped, args=({"PATH_INFO": "/team/X/issues"}, None)) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    assert peak[0] == 2

    peak[0] = 0
    sockets = [threading.Thread(target=wrapped, args=({"PATH_INFO": "/ws"}, None)) for _ in range(6)]
    for th in sockets:
        th.start()
    for th in sockets:
        th.join(5)
    assert peak[0] > 2  # WebSocket upgrades are never queued behind ordinary requests


def test_the_app_installs_it_from_config(app):
    assert isinstance(app.wsgi_app, AdmissionControl)


def test_waiting_requests_get_their_slot_in_arrival_order():
    from linear_web.infra.admission import FifoSlots
    slots, order = FifoSlots(1), []
    slots.acquire()

    def wait_turn(n):
        slots.acquire()
        order.append(n)
        slots.release()

    threads = []
    for n in range(6):
        th = threading.Thread(target=wait_turn, args=(n,))
        th.start()
        deadline = time.monotonic() + 5
        while len(slots._waiters) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
        threads.append(th)
    slots.release()
    for th in threads:
        th.join(5)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_failing_request_gives_its_slot_back():
    def broken(environ, start_response):
        raise RuntimeError("boom")

    wrapped = AdmissionControl(broken, 1)
    for _ in range(3):  # would hang on the second call if the slot leaked
        try:
            wrapped({"PATH_INFO": "/team/X/issues"}, None)
        except RuntimeError:
            pass
    assert wrapped.slots._free == 1
