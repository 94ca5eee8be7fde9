"""The per-client limit on anonymous submissions (a token bucket per client address)."""

import pytest

from services.gateway.ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_a_burst_up_to_the_capacity_passes_and_then_the_wait_is_told(clock):
    limit = RateLimiter(3, 60, clock=clock)
    assert [limit.retry_after("10.0.0.1") for _ in range(3)] == [None, None, None]
    assert limit.retry_after("10.0.0.1") == 20  # one submission back every 60/3 seconds
    assert limit.retry_after("10.0.0.2") is None  # other clients are not affected
    clock.now += 19
    assert limit.retry_after("10.0.0.1") == 1
    clock.now += 1
    assert limit.retry_after("10.0.0.1") is None
    assert limit.retry_after("10.0.0.1") == 20


def test_refused_attempts_do_not_extend_the_wait(clock):
    limit = RateLimiter(1, 10, clock=clock)
    assert limit.retry_after("a") is None
    waits = []
    for _ in range(4):
        clock.now += 2
        waits.append(limit.retry_after("a"))
    assert waits == [8, 6, 4, 2]
    clock.now += 2  # 10 s after the first: refilled despite the refusals
    assert limit.retry_after("a") is None


def test_a_quiet_client_gets_a_full_burst_again_but_never_more(clock):
    limit = RateLimiter(2, 60, clock=clock)
    limit.retry_after("a"), limit.retry_after("a")
    clock.now += 3600
    assert [limit.retry_after("a") for _ in range(3)] == [None, None, 30]


def test_memory_is_bounded_by_forgetting_refilled_then_oldest_clients(clock):
    limit = RateLimiter(5, 60, clock=clock, max_clients=100)
    for n in range(100):
        limit.retry_after(f"old-{n}")
    clock.now += 61
    for n in range(150):
        clock.now += 0.01
        limit.retry_after(f"new-{n}")
    assert len(limit._buckets) <= 100
    assert not any(c.startswith("old-") for c in limit._buckets)
    assert "new-149" in limit._buckets


def test_the_setting_reads_count_per_seconds_or_off():
    limit = RateLimiter.from_setting("20/30", "60/60")
    assert (limit.capacity, limit.window) == (20, 30.0)
    assert RateLimiter.from_setting(None, "60/60").capacity == 60
    assert RateLimiter.from_setting("off", "60/60") is None
    with pytest.raises(ValueError):
        RateLimiter.from_setting("lots", "60/60")
