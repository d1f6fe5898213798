"""Corpus (bug): unbounded queue batch buffer."""

class Batcher:
    """Collects log lines and writes them out in batches."""

    def __init__(self, sink):
        self.sink = sink
        self.pending = []
        self.peak = 0

    def add(self, line):
        self.pending.append(line)
        self.peak = max(self.peak, len(self.pending))

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
