"""Rows in flight follow the calls the rate controller lets be in flight: slots and threads are taken only as
needed (batch.rowpool)."""

import threading

import pytest

from transformacion.batch.rowpool import MIN_ROWS, SPARE_ROWS, RowPool, RowSlots
from transformacion.core.transport import RateController

WAIT_S = 10  # generous: only a broken pool waits this long


def test_the_slots_follow_the_calls_the_controller_allows_within_the_minimum_and_the_concurrency():
    allowed = {'calls': 2.0}
    slots = RowSlots(256, lambda: allowed['calls'])
    assert slots.limit() == MIN_ROWS
    allowed['calls'] = 10.5
    assert slots.limit() == 11 + SPARE_ROWS
    allowed['calls'] = 1000.0
    assert slots.limit() == 256


def test_without_a_limit_from_the_controller_the_concurrency_is_the_limit():
    assert RowSlots(32, lambda: None).limit() == 32
    assert RowSlots(32).limit() == 32
    assert RowSlots(32, RateController(50).in_flight_allowed).limit() == 32  # --rate-limit: paced only


def test_a_learning_controller_gives_its_probing_window():
    controller = RateController()
    assert RowSlots(256, controller.in_flight_allowed).limit() == max(
        MIN_ROWS, int(controller.START_WINDOW) + SPARE_ROWS
    )


def test_a_slot_is_refused_when_all_are_taken_and_given_back_once():
    slots = RowSlots(2)
    assert slots.acquire(timeout=0) and slots.acquire(timeout=0)
    assert not slots.acquire(timeout=0)
    slots.release()
    assert slots.acquire(timeout=0)
    slots.release()
    slots.release()
    with pytest.raises(ValueError):
        slots.release()


def test_a_pool_starts_a_thread_only_for_the_rows_its_limit_lets_run_and_more_when_the_limit_grows():
    limit = {'rows': 2}
    go = [threading.Event() for _ in range(10)]
    started = threading.Semaphore(0)
    done = []

    def row(number):
        started.release()
        go[number].wait(WAIT_S)
        done.append(number)

    pool = RowPool(lambda: limit['rows'], max_workers=256, thread_name_prefix='prueba-fila')
    futures = [pool.submit(row, number) for number in range(10)]
    for _ in range(2):
        assert started.acquire(timeout=WAIT_S)
    assert _threads('prueba-fila') == 2
    assert not started.acquire(timeout=0)  # the other rows wait in the queue, not on threads

    for number in (0, 1):  # two rows end: their threads take the next two
        go[number].set()
        futures[number].result(timeout=WAIT_S)
    for _ in range(2):
        assert started.acquire(timeout=WAIT_S)
    assert _threads('prueba-fila') == 2

    limit['rows'] = 4
    pool.grow()
    for _ in range(2):
        assert started.acquire(timeout=WAIT_S)
    assert _threads('prueba-fila') == 4

    for event in go:
        event.set()
    for future in futures:
        future.result(timeout=WAIT_S)
    pool.shutdown()
    assert sorted(done) == list(range(10))


def _threads(prefix: str) -> int:
    return sum(1 for thread in threading.enumerate() if thread.name.startswith(prefix))
