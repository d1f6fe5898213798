from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    with open("good.cfg", "wb") as f:
        f.write(b"# config\nx=1\n")
    with open("bad.cfg", "wb") as f:
        f.write(b"x=1\n")
    expect(mod.read_header("good.cfg") == b"# config", "wrong header")
    for _ in range(3):
        try:
            mod.read_header("bad.cfg")
        except ValueError:
            pass


SPEC = ChallengeSpec(
    number=0, slug="fd_leak_error_path", title="corpus: fd_leak_error_path", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.FD_LEAK,
    checks=(LeakCheck("files closed on errors", scenario),),
    hints=(),
)
