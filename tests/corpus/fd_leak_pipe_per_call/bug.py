"""Corpus (bug): fd leak pipe per call."""

import os
import threading


def compute_in_thread(value):
    """Run value * 2 on a thread and wake the caller through a pipe."""
    read_end, write_end = os.pipe()
    result = []

    def work():
        result.append(value * 2)
        os.write(write_end, b"x")

    threading.Thread(target=work).start()
    os.read(read_end, 1)
    return result[0]
