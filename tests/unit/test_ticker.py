"""The runner of periodic work shared by the embedded default and the nameko services."""

import threading
import time

from services.common.ticker import Ticker


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def running(ticker: Ticker) -> threading.Thread:
    thread = threading.Thread(target=ticker.run, daemon=True)
    thread.start()
    return thread


def test_eager_work_runs_at_start_then_when_woken_long_before_its_interval():
    calls = []
    ticker = Ticker("work", lambda: calls.append(time.monotonic()), interval=60)
    thread = running(ticker)
    try:
        wait_for(lambda: len(calls) == 1)
        ticker.wake()
        wait_for(lambda: len(calls) == 2)
    finally:
        ticker.stop()
        thread.join(5)
    assert not thread.is_alive()
    assert len(calls) == 2


def test_lazy_work_waits_for_its_interval_and_keeps_going_after_a_failure():
    calls = []

    def work():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database is away")

    ticker = Ticker("work", work, interval=0.2, eager=False)
    started = time.monotonic()
    thread = running(ticker)
    try:
        wait_for(lambda: len(calls) >= 1)
        assert time.monotonic() - started >= 0.19
        wait_for(lambda: len(calls) >= 3)  # the failure did not stop it
    finally:
        ticker.stop()
        thread.join(5)
    assert not thread.is_alive()
