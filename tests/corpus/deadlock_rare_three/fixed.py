import threading

a = threading.Lock()
b = threading.Lock()
c = threading.Lock()
log = []
ORDER = {id(a): 0, id(b): 1, id(c): 2}


def step(first, second, label, warmup):
    for i in range(warmup):
        log.append((label, i))
    first, second = sorted((first, second), key=lambda lock: ORDER[id(lock)])
    with first:
        with second:
            log.append(label)


def job_ab():
    step(a, b, "ab", 3)


def job_bc():
    step(b, c, "bc", 2)


def job_ca():
    step(c, a, "ca", 4)
