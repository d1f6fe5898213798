"""Corpus (bug): fd leak error path."""

import os


def read_header(path):
    """The first line of a config file, which must start with '#'."""
    fd = os.open(path, os.O_RDONLY)
    data = os.read(fd, 4096)
    if not data.startswith(b"#"):
        raise ValueError(f"{path}: not a config file")
    os.close(fd)
    return data.split(b"\n", 1)[0]
