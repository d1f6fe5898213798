hits = 0


def record_hits(n):
    global hits
    for _ in range(n):
        hits = hits + 1


def reset():
    global hits
    hits = 0
