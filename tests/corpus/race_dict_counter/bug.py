class WordCount:
    def __init__(self):
        self.counts = {}

    def add(self, words):
        for word in words:
            self.counts[word] = self.counts.get(word, 0) + 1
