"""Corpus (fixed): unbounded queue batch buffer."""

class Batcher:
    """Collects log lines and writes them out in batches of 50."""

    def __init__(self, sink, size=50):
        self.sink = sink
        self.size = size
        self.pending = []
        self.peak = 0

    def add(self, line):
        self.pending.append(line)
        self.peak = max(self.peak, len(self.pending))
        if len(self.pending) >= self.size:
            self.close()

    def close(self):
        self.sink.extend(self.pending)
        self.pending.clear()


def ship(lines):
    sink = []
    batcher = Batcher(sink)
    for line in range(lines):
        batcher.add(line)
    batcher.close()
    return batcher.peak
