"""Rows in flight follow the calls the rate controller lets be in flight: slots and threads are taken only as
needed (batch.rowpool)."""

import math
import threading
import time

import pytest

from transformacion.batch.rowpool import MIN_ROWS, SAMPLE_CALLS, SPARE_ROWS, Overlap, RowPool, RowSlots, run_slots
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


class _Client:
    """A learning rate controller on a simulated clock and the client's CPU: ``answer`` sends and answers calls
    that cost the client ``cpu_ms`` each and take ``latency_ms`` each to be answered."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cpu = 0.0
        self.controller = RateController(clock=lambda: self.now, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.now += seconds

    def answer(self, calls: int, *, latency_ms: float, cpu_ms: float = 1.0, slow: dict[int, float] | None = None):
        for number in range(calls):
            latency = (slow or {}).get(number, latency_ms) / 1000
            sent = self.controller.acquire()
            self.now += latency
            self.cpu += cpu_ms / 1000
            self.controller.release(sent, 200, latency)


def _overlap() -> tuple[_Client, Overlap]:
    client = _Client()
    client.answer(3, latency_ms=0.4)  # the run's prelude (who am I, the org): not part of the rows' sample
    return client, Overlap(client.controller, cpu=lambda: client.cpu)


def test_rows_run_one_at_a_time_when_the_org_answers_faster_than_the_client_computes():
    client, overlap = _overlap()
    slots = RowSlots(256, client.controller.in_flight_allowed, overlap.rows)
    client.answer(SAMPLE_CALLS - 1, latency_ms=0.4)
    assert overlap.rows() is None and slots.limit() == MIN_ROWS  # no judgement before a whole sample
    client.answer(1, latency_ms=0.4)
    assert overlap.rows() == 1 and slots.limit() == 1


def test_rows_in_flight_are_one_plus_the_rows_that_can_wait_while_one_computes():
    client, overlap = _overlap()
    slots = RowSlots(256, client.controller.in_flight_allowed, overlap.rows)
    client.answer(SAMPLE_CALLS, latency_ms=1.0, cpu_ms=1.0)
    assert overlap.rows() == 2 and slots.limit() == 2
    client.answer(SAMPLE_CALLS, latency_ms=5.0, cpu_ms=1.0)  # the fastest of the last 50 answers: 5 ms
    assert overlap.rows() == 6 and slots.limit() == 6
    client.answer(SAMPLE_CALLS, latency_ms=0.4, slow={7: 200.0})  # faster again; one slow answer changes nothing
    assert overlap.rows() == 1 and slots.limit() == 1


def test_at_webex_latencies_the_calls_the_controller_allows_decide():
    client, overlap = _overlap()
    slots = RowSlots(256, client.controller.in_flight_allowed, overlap.rows)
    client.answer(SAMPLE_CALLS, latency_ms=80.0, cpu_ms=1.5)
    assert overlap.rows() == 54
    assert slots.limit() == max(MIN_ROWS, math.ceil(client.controller.in_flight_allowed()) + SPARE_ROWS) < 54


def test_only_a_learning_controller_limits_the_rows_to_what_the_interpreter_keeps_busy():
    paced = RateController(50)
    assert run_slots(32, paced).limit() == 32  # --rate-limit: --concurrency rows, as before
    assert run_slots(32, None).limit() == 32


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


def test_a_slot_given_back_when_the_limit_grew_lets_every_waiting_row_it_has_room_for_start():
    allowed = {'calls': 1.0}
    slots = RowSlots(64, lambda: allowed['calls'])
    taken = [slots.acquire(timeout=0) for _ in range(MIN_ROWS)]
    started = []
    waiting = [threading.Thread(target=lambda: started.append(slots.acquire()), daemon=True) for _ in range(12)]
    for thread in waiting:
        thread.start()

    allowed['calls'] = MIN_ROWS + 4.0  # the controller's window grew meanwhile
    slots.release()
    room = slots.limit() - (MIN_ROWS - 1)
    deadline = time.monotonic() + 10
    while len(started) < room and time.monotonic() < deadline:
        time.sleep(0.01)

    assert all(taken) and len(started) == room == 4 + SPARE_ROWS + 1
    allowed['calls'] = 64.0
    slots.release()  # let the rest go
    for thread in waiting:
        thread.join(timeout=10)


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


def test_a_pool_gives_each_row_its_result_or_its_exception():
    pool = RowPool(lambda: 2, max_workers=4, thread_name_prefix='prueba-resultado')

    def row(number):
        if number == 3:
            raise KeyError(number)
        return number * 10

    futures = [pool.submit(row, number) for number in range(6)]
    pool.shutdown()
    assert [future.result() for future in futures if future.exception() is None] == [0, 10, 20, 40, 50]
    assert isinstance(futures[3].exception(), KeyError)
    assert _threads('prueba-resultado') == 0  # a pool with nothing queued keeps no thread
    with pytest.raises(RuntimeError):
        pool.submit(row, 7)


def test_a_pool_shut_down_with_cancel_runs_only_the_rows_already_started():
    go = threading.Event()
    started = threading.Semaphore(0)

    def row(number):
        started.release()
        go.wait(WAIT_S)
        return number

    pool = RowPool(lambda: 1, max_workers=4, thread_name_prefix='prueba-cancel')
    futures = [pool.submit(row, number) for number in range(3)]
    assert started.acquire(timeout=WAIT_S)
    pool.shutdown(wait=False, cancel_futures=True)
    assert pool.alive()
    assert [future.cancelled() for future in futures] == [False, True, True]
    go.set()
    assert futures[0].result(timeout=WAIT_S) == 0
    pool.shutdown()
    assert not pool.alive()


def test_a_pool_whose_limit_shrinks_runs_its_queue_on_fewer_threads():
    limit = {'rows': 3}
    go = threading.Event()
    started = threading.Semaphore(0)
    threads_after = set()

    def row(number):
        if number < 3:
            started.release()
            go.wait(WAIT_S)
        else:
            threads_after.add(threading.current_thread().name)

    pool = RowPool(lambda: limit['rows'], max_workers=8, thread_name_prefix='prueba-menos')
    futures = [pool.submit(row, number) for number in range(20)]
    for _ in range(3):
        assert started.acquire(timeout=WAIT_S)
    limit['rows'] = 1
    go.set()
    for future in futures:
        future.result(timeout=WAIT_S)
    pool.shutdown()
    assert len(threads_after) == 1  # the threads beyond the limit end with their row: one takes the queue
