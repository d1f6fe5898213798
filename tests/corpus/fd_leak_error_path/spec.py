from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix="fd-leak-")  # never the caller's folder (in-process benchmarks)
    good, bad = os.path.join(folder, "good.cfg"), os.path.join(folder, "bad.cfg")
    with open(good, "wb") as f:
        f.write(b"# config\nx=1\n")
    with open(bad, "wb") as f:
        f.write(b"x=1\n")
    expect(mod.read_header(good) == b"# config", "wrong header")
    for _ in range(3):
        try:
            mod.read_header(bad)
        except ValueError:
            pass
    os.remove(good)
    os.remove(bad)
    os.rmdir(folder)


SPEC = ChallengeSpec(
    number=0, slug="fd_leak_error_path", title="corpus: fd_leak_error_path", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.FD_LEAK,
    checks=(LeakCheck("files closed on errors", scenario),),
    hints=(),
)
