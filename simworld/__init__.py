"""A deterministic simulated world for the distributed-systems challenges (9-16).

See README.md in this folder. The pieces learners use most::

    from simworld import Node, Client, Queue, Future, RpcTimeout, Rejected
"""

from simworld import wire as _wire
from simworld.history import UNKNOWN, History, Operation
from simworld.network import Client, NetConfig, Rejected, RpcTimeout, Service
from simworld.sync import NotEnoughReplies, Queue, QueueFull, first
from simworld.world import Future, Node, SimError, Task, World

_wire._register()

__all__ = [
    "UNKNOWN",
    "Client",
    "Future",
    "History",
    "NetConfig",
    "Node",
    "NotEnoughReplies",
    "Operation",
    "Queue",
    "QueueFull",
    "Rejected",
    "RpcTimeout",
    "Service",
    "SimError",
    "Task",
    "World",
    "first",
]
