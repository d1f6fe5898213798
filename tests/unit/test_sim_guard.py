"""The guard around the simulated world: every way out is an ``outside-world`` finding at the
learner's line, and a program that stays inside is never accused."""

from __future__ import annotations

from pathlib import Path

import pytest

from challenges._registry import get_challenge
from evaluator.findings import Finding, FindingKind
from evaluator.spec import CheckContext, Violation
from simworld.check import SimCheck
from simworld.program import SimProgram, sim_loader
from simworld.wire import wire

ORIGINAL = get_challenge(9).program_path.read_text(encoding="utf-8")
FENCING = (get_challenge(9).solutions_dir / "fencing.py").read_text(encoding="utf-8")
WRITE = 'await storage.write(f"report/{section}", content)'
ACQUIRE = "    lock = Lock(node, kv)\n"


def _grade(tmp_path: Path, source: str) -> list[Finding]:
    path = tmp_path / "program.py"
    path.write_text(source, encoding="utf-8")
    challenge = get_challenge(9)
    ctx = CheckContext(
        seed=3,
        program_path=path,
        challenge_dir=challenge.directory,
        solutions_dir=challenge.solutions_dir,
        quick=True,
    )
    check = challenge.spec.checks[0]
    assert isinstance(check, SimCheck)
    return check.run(SimProgram(path), ctx)  # type: ignore[arg-type]


def _line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


ESCAPES = {
    "imports the checker": (
        ORIGINAL.replace(
            "from simworld import Client, Node",
            "from simworld import Client, Node\nimport simworld.check as c\n"
            "c.SimCheck.run = lambda *a: []",
        ),
        "import simworld.check",
    ),
    "patches an imported module": (
        ORIGINAL.replace(
            "from simworld import Client, Node",
            "from simworld import Client, Node\nimport simworld.kv as kvmod\nkvmod.KV.put = None",
        ),
        "kvmod.KV.put = None",
    ),
    "reads a private internal": (
        ORIGINAL.replace(WRITE, 'storage._service.write(f"report/{section}", content)'),
        "storage._service",
    ),
    "reaches the service through the client": (
        ORIGINAL.replace(WRITE, 'storage.service.write(f"report/{section}", content)'),
        "storage.service",
    ),
    "reaches the service with a computed name": (
        ORIGINAL.replace(
            WRITE, 'getattr(storage, "_ser" + "vice").write(f"report/{section}", content)'
        ),
        'getattr(storage, "_ser"',
    ),
    "reaches an internal through operator.attrgetter": (
        ORIGINAL.replace("import sys", "import operator\nimport sys").replace(
            WRITE, 'operator.attrgetter("_service")(storage).write(f"report/{section}", content)'
        ),
        'operator.attrgetter("_service")',
    ),
    "schedules work on the world's clock": (
        ORIGINAL.replace(ACQUIRE, ACQUIRE + "    node.world.at(11_999, lambda: None)\n"),
        "node.world.at",
    ),
    "shares a module-level global between nodes": (
        ORIGINAL.replace("class Lock:", "HOLDERS = []\n\n\nclass Lock:").replace(
            ACQUIRE, ACQUIRE + "    HOLDERS.append(node.name)\n"
        ),
        "HOLDERS = []",
    ),
    "uses sys.modules": (
        ORIGINAL.replace(ACQUIRE, ACQUIRE + '    sys.modules["x"] = None\n'),
        "sys.modules",
    ),
    "imports the interpreter's machinery": (
        ORIGINAL.replace("import sys", "import sys\nimport gc"),
        "import gc",
    ),
    "reads a traceback's frames": (
        ORIGINAL.replace(
            ACQUIRE,
            ACQUIRE + "    try:\n        raise ValueError\n"
            "    except ValueError as e:\n        frame = e.__traceback__\n",
        ),
        "e.__traceback__",
    ),
    "sends a function over the network": (
        ORIGINAL.replace(WRITE, 'await storage.write(f"report/{section}", print)'),
        'storage.write(f"report/{section}", print)',
    ),
    "catches the guard's error and goes on": (
        ORIGINAL.replace(
            ACQUIRE, ACQUIRE + "    try:\n        node.world\n    except Exception:\n        pass\n"
        ),
        "        node.world",
    ),
}


@pytest.mark.parametrize("name", ESCAPES)
def test_every_escape_is_an_outside_world_finding_at_the_learners_line(
    tmp_path: Path, name: str
) -> None:
    source, marker = ESCAPES[name]
    findings = _grade(tmp_path, source)
    assert findings, f"{name}: the escape passed"
    [finding] = findings
    assert finding.kind is FindingKind.OUTSIDE_WORLD, finding.title
    assert finding.title.startswith("outside the simulated world")
    assert finding.location == f"program.py:{_line_of(source, marker)}", (
        finding.location,
        finding.title,
    )


def test_a_copy_that_imports_the_worlds_former_name_is_told_the_new_one(tmp_path: Path) -> None:
    source = ORIGINAL.replace(
        "from simworld import Client, Node", "from challenges.sim import Client, Node"
    )
    [finding] = _grade(tmp_path, source)
    assert finding.kind is FindingKind.OUTSIDE_WORLD and "from simworld import" in finding.title, (
        finding.title
    )
    assert finding.location == f"program.py:{_line_of(source, 'from challenges.sim import')}"


def test_patching_a_class_of_the_world_through_type_is_caught(tmp_path: Path) -> None:
    source = ORIGINAL.replace(ACQUIRE, ACQUIRE + "    kind = type(storage)\n    kind.extra = 1\n")
    [finding] = _grade(tmp_path, source)
    assert finding.kind is FindingKind.OUTSIDE_WORLD and "Client.extra" in finding.title


def test_the_guarded_loader_refuses_an_escape_before_running_it(tmp_path: Path) -> None:
    path = tmp_path / "program.py"
    path.write_text(ESCAPES["imports the checker"][0], encoding="utf-8")
    with pytest.raises(Violation) as raised:
        sim_loader(path, "program")
    assert raised.value.kind is FindingKind.OUTSIDE_WORLD
    assert getattr(raised.value, "location", "").startswith("program.py:")


def test_a_program_that_stays_inside_is_not_accused(tmp_path: Path) -> None:
    assert _grade(tmp_path, FENCING) == []


def test_each_node_gets_its_own_module_and_a_crash_gives_a_fresh_one(tmp_path: Path) -> None:
    from simworld import World

    path = tmp_path / "program.py"
    path.write_text("LIMIT = 3\n", encoding="utf-8")
    program = SimProgram(path)
    world = World(1)
    one, two = world.node("one"), world.node("two")
    assert program.on(one) is program.on(one)
    assert program.on(one) is not program.on(two)
    before = program.on(one)
    one.crash()
    one.restart()
    assert program.on(one) is not before


def test_the_wire_copies_data_and_refuses_live_objects() -> None:
    value = {"items": [1, 2], "nested": ({"a": 1},)}
    copied = wire(value)
    assert copied == value and copied["items"] is not value["items"]
    assert copied["nested"][0] is not value["nested"][0]
    with pytest.raises(Exception, match="outside the simulated world"):
        wire({"callback": print})
