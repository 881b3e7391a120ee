"""What an order and its saga can be: the values the orders tables hold, as enums.

They are `StrEnum`s whose values are the strings already stored, so the columns and the events
carry the same text as before, and a value read back compares equal to its plain string.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from subgraphs.common.types import OrderStatus

__all__ = ["OrderStatus", "SagaState", "Step", "StepState", "column_type"]


class SagaState(enum.StrEnum):
    """What the saga of an order is doing (`orders.saga`)."""

    RUNNING = "RUNNING"  # forward, step after step
    COMPENSATING = "COMPENSATING"  # a step was refused or timed out: undoing the finished ones
    CANCELLING = "CANCELLING"  # the customer cancelled: undoing, to end CANCELLED
    DONE = "DONE"  # nothing left to do
    # Neither way is safe alone (the parcel travels, yet a step was refused or already undone):
    # recovery leaves it, the order stays PENDING, and an operator settles it.
    STUCK = "STUCK"


class Step(enum.StrEnum):
    """A remote step of the saga (`saga_steps.step`), in the order they run."""

    RESERVE = "reserve"
    CHARGE = "charge"
    DELIVER = "deliver"
    COMMIT = "commit"


class StepState(enum.StrEnum):
    """Where one step stands (`saga_steps.state`)."""

    PENDING = "PENDING"  # not done yet (or retried after an outage)
    DONE = "DONE"
    FAILED = "FAILED"  # refused: nothing happened there, nothing to undo
    UNKNOWN = "UNKNOWN"  # timed out past the deadline: it may have landed, so it is undone too
    COMPENSATED = "COMPENSATED"


#: Step states whose effect may exist on the remote side, hence must be undone.
UNDOABLE = (StepState.DONE, StepState.UNKNOWN)


def column_type(values: type[enum.StrEnum]) -> sa.Enum:
    """A VARCHAR(20) column holding `values` by their value: rows read back as enum members."""
    return sa.Enum(values, native_enum=False, length=20, values_callable=lambda members: [m.value for m in members])
