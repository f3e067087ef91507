"""Admission control: at most N ordinary requests in the app at once; sockets are not counted."""
import threading
import time

from linear_web.admission import AdmissionControl


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
