"""Corpus (fixed): process leak multiprocessing worker."""

import multiprocessing


def _serve(inbox, outbox):
    while (item := inbox.get()) is not None:
        outbox.put(item + 1)


def increment_all(numbers):
    inbox, outbox = multiprocessing.Queue(), multiprocessing.Queue()
    worker = multiprocessing.Process(target=_serve, args=(inbox, outbox))
    worker.start()
    for n in numbers:
        inbox.put(n)
    results = [outbox.get() for _ in numbers]
    inbox.put(None)
    worker.join()
    return results
