import threading


class WordCount:
    def __init__(self):
        self.counts = {}
        self.lock = threading.Lock()

    def add(self, words):
        for word in words:
            with self.lock:
                self.counts[word] = self.counts.get(word, 0) + 1
