"""Corpus (fixed): memory listeners never removed."""

class Bus:
    def __init__(self):
        self.listeners = []

    def subscribe(self, listener):
        self.listeners.append(listener)

    def unsubscribe(self, listener):
        self.listeners.remove(listener)

    def publish(self, message):
        for listener in list(self.listeners):
            listener(message)


bus = Bus()


def handle_request(request_id):
    """Each request listens for config changes while it runs."""
    seen = []
    buffer = bytearray(256)

    def listener(message):
        seen.append((message, buffer))

    bus.subscribe(listener)
    try:
        return request_id * 2
    finally:
        bus.unsubscribe(listener)
