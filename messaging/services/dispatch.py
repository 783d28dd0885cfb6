"""Many requests in flight from one worker process, within the providers'
shared limits.

A provider answers in 100 to 400 ms; one request at a time per process would
leave the platform as slow as its number of processes. So each worker
process keeps a bounded pool of send threads (``MESSAGING_SEND_THREADS``)
that do nothing but the provider's HTTP or SMTP call. Everything else stays
on the task's own thread: claiming rows, building the texts, recording each
outcome, on the process's one database connection. The number of database
connections therefore does not grow with the requests in flight.

Before a request goes to a thread it takes a lease of its account
(``outbox.limits``): the in-flight limit is the account's, shared by every
process and host, and a 429 pauses the whole account. Outcomes are recorded
as they come back, one by one, so a worker killed mid-chunk leaves at most
its requests in flight undecided (the sweep and reconciliation take them).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection

from outbox.limits import Limits, limiter

logger = logging.getLogger(__name__)

# How often a process with rows waiting for a lease asks again (seconds):
# leases freed by other processes are seen within this.
POLL_SECONDS = 0.005


def send_threads() -> int:
    """Requests one worker process may have in flight (its send threads)."""
    return max(1, int(getattr(settings, "MESSAGING_SEND_THREADS", 100) or 1))


_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's send threads; a forked pool process builds its own."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            _executor = (
                os.getpid(),
                ThreadPoolExecutor(max_workers=send_threads(), thread_name_prefix="send"),
            )
        return _executor[1]


@dataclass
class Job:
    """One request to run in a send thread under ``limits``."""

    limits: Limits
    work: Callable[[], object]
    item: object = None
    lease: str = field(default="", repr=False)


def _run(job: Job) -> object:
    wait_for = limiter().rate_wait(job.limits)
    if wait_for > 0:
        time.sleep(wait_for)
    return job.work()


def jobs_dispatch(
    *,
    refill: Callable[[int], tuple[list[Job], bool]],
    done: Callable[[Job, object, BaseException | None], None],
    after: Callable[[], None] | None = None,
) -> None:
    """Run jobs with as many in flight as the leases and the threads allow.

    ``refill(n)`` returns up to ``n`` more jobs and whether the source is
    exhausted; it is asked while fewer jobs wait than there are threads.
    ``done(job, result, error)`` runs on this thread as each job ends, after
    its lease was given back; ``after()`` once the jobs that ended together
    have all been through ``done`` (to write their outcomes in one go).
    """
    capacity = send_threads()
    shared = limiter()
    pool = _pool()
    waiting: dict[Limits, deque[Job]] = {}
    # Each finished job lands here (O(1) per job, however many are in flight).
    finished: queue.SimpleQueue[tuple[Job, Future]] = queue.SimpleQueue()
    in_flight = 0
    exhausted = False
    while True:
        queued = sum(len(q) for q in waiting.values())
        if not exhausted and queued < capacity:
            jobs, exhausted = refill(capacity - queued)
            for job in jobs:
                waiting.setdefault(job.limits, deque()).append(job)
            queued += len(jobs)
        if not queued and not in_flight:
            if exhausted:
                return
            continue
        pause = 0.0
        for limits, jobs in waiting.items():
            free = capacity - in_flight
            if not jobs or free <= 0:
                continue
            leases, paused = shared.acquire(limits, min(len(jobs), free))
            pause = max(pause, paused)
            for lease in leases:
                job = jobs.popleft()
                job.lease = lease
                future = pool.submit(_run, job)
                future.add_done_callback(lambda f, job=job: finished.put((job, f)))
                in_flight += 1
        if not in_flight:
            time.sleep(min(max(pause, POLL_SECONDS), 1.0))
            continue
        still_waiting = any(waiting.values())
        try:
            ended = [finished.get(timeout=POLL_SECONDS if still_waiting else None)]
        except queue.Empty:
            continue
        # Whatever else finished meanwhile: one release and one acquire for all.
        while True:
            try:
                ended.append(finished.get_nowait())
            except queue.Empty:
                break
        in_flight -= len(ended)
        by_limits: dict[Limits, list[str]] = {}
        for job, _ in ended:
            by_limits.setdefault(job.limits, []).append(job.lease)
        for limits, leases in by_limits.items():
            shared.release(limits, leases)
        for job, future in ended:
            error = future.exception()
            done(job, None if error else future.result(), error)
        if after is not None:
            after()


class MailSessions:
    """SMTP sessions (email backend connections) shared by the send threads
    of one chunk: a thread takes an idle one or opens one, and gives it back
    after its message; a session that failed is dropped. At most as many are
    open as emails are in flight. ``close`` ends them all."""

    def __init__(self) -> None:
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        self.opened: list = []
        self.lock = threading.Lock()

    def take(self):
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            connection = get_connection()
            if hasattr(connection, "open"):
                # Opened here, the session stays up for the whole chunk (a
                # backend opened by send() itself closes after each message).
                connection.open()
            with self.lock:
                self.opened.append(connection)
            return connection

    def give(self, connection) -> None:
        self.idle.put(connection)

    def drop(self, connection) -> None:
        _mail_close(connection)

    def close(self) -> None:
        with self.lock:
            opened, self.opened = self.opened, []
        for connection in opened:
            _mail_close(connection)


def _mail_close(connection) -> None:
    close = getattr(connection, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:
        # A broken session is dropped; the next send opens a new one.
        logger.warning("closing the SMTP connection failed", exc_info=True)
