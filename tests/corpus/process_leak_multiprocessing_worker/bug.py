"""Corpus (bug): process leak multiprocessing worker."""

import multiprocessing


def _serve(inbox, outbox):
    while True:
        outbox.put(inbox.get() + 1)


def increment_all(numbers):
    inbox, outbox = multiprocessing.Queue(), multiprocessing.Queue()
    worker = multiprocessing.Process(target=_serve, args=(inbox, outbox))
    worker.start()
    for n in numbers:
        inbox.put(n)
    return [outbox.get() for _ in numbers]
