from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    expect(mod.request(b"hi") == b"hi", "no echo")
    try:
        mod.request(b"boom")
    except ConnectionError:
        pass


SPEC = ChallengeSpec(
    number=0, slug="fd_leak_socket_pool", title="corpus: fd_leak_socket_pool", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.FD_LEAK,
    checks=(LeakCheck("sockets closed", scenario),),
    hints=(),
)
