"""Corpus (fixed): fd leak error path."""

import os


def read_header(path):
    """The first line of a config file, which must start with '#'."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    if not data.startswith(b"#"):
        raise ValueError(f"{path}: not a config file")
    return data.split(b"\n", 1)[0]
