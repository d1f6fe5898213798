import threading

a = threading.Lock()
b = threading.Lock()
c = threading.Lock()
log = []


def step(first, second, label, warmup):
    for i in range(warmup):
        log.append((label, i))
    with first:
        with second:
            log.append(label)


def job_ab():
    step(a, b, "ab", 3)


def job_bc():
    step(b, c, "bc", 2)


def job_ca():
    step(c, a, "ca", 4)
