"""A deterministic simulated world for the distributed-systems challenges (9-16).

See README.md in this folder. The pieces learners use most::

    from challenges.sim import Node, Client, Queue, Future, RpcTimeout, Rejected
"""

from challenges.sim import wire as _wire
from challenges.sim.history import UNKNOWN, History, Operation
from challenges.sim.network import Client, NetConfig, Rejected, RpcTimeout, Service
from challenges.sim.sync import NotEnoughReplies, Queue, QueueFull, first
from challenges.sim.world import Future, Node, SimError, Task, World

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
