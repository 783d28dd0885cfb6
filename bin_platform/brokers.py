"""Celery's broker-dependent configuration, in one place for the settings and
for code that points the Celery app at another broker (the integration tests).

Three brokers are supported: the filesystem (``make run``, no server), Redis
(the default in production) and RabbitMQ (``amqp://``), for deployments that
outgrow one Redis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kombu import Exchange, Queue

# The queues the workers consume: urgent alerts never wait behind the rest.
QUEUE_NAMES = ("urgent", "default")


@dataclass(frozen=True)
class BrokerOptions:
    """The Celery settings (lower-case names, as ``app.conf`` has them) that
    depend on the broker."""

    broker_transport_options: dict = field(default_factory=dict)
    task_queues: tuple[Queue, ...] | None = None
    task_default_queue_type: str = "classic"
    task_default_exchange_type: str = "direct"

    def as_conf(self) -> dict:
        return {
            "broker_transport_options": self.broker_transport_options,
            "task_queues": self.task_queues,
            "task_default_queue_type": self.task_default_queue_type,
            "task_default_exchange_type": self.task_default_exchange_type,
        }


def broker_options(url: str, *, var_dir: Path) -> BrokerOptions:
    """The broker-dependent Celery settings for the broker at ``url``."""
    if url.startswith("filesystem://"):
        queue_dir = var_dir / "celery" / "queue"
        return BrokerOptions(
            broker_transport_options={
                "data_folder_in": str(queue_dir),
                "data_folder_out": str(queue_dir),
                "processed_folder": str(var_dir / "celery" / "processed"),
                "store_processed": False,
                # kombu's default is ./control, which landed in the repository.
                "control_folder": str(var_dir / "celery" / "control"),
            }
        )
    if url.startswith("redis"):
        # A task not acknowledged within this time is delivered again; it must
        # be longer than any task runs (sends are short).
        return BrokerOptions(broker_transport_options={"visibility_timeout": 3600})
    if url.startswith(("amqp", "pyamqp")):
        # Replicated quorum queues, and publishes confirmed by the broker, so a
        # task the web process handed over survives a broker node going down.
        # Quorum queues cannot hold a task back (countdown, retry backoff) by
        # themselves: Celery's native delayed delivery does it with a chain of
        # topic exchanges, hence topic exchanges for our queues too.
        return BrokerOptions(
            broker_transport_options={"confirm_publish": True},
            task_queues=tuple(
                Queue(
                    name,
                    Exchange(name, type="topic"),
                    routing_key=name,
                    queue_arguments={"x-queue-type": "quorum"},
                )
                for name in QUEUE_NAMES
            ),
            task_default_queue_type="quorum",
            task_default_exchange_type="topic",
        )
    return BrokerOptions()
