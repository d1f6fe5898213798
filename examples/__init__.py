"""The narrated lessons.

Each lesson is a module ``examples/exNN_<slug>.py`` that defines:

- a module docstring: the lesson (what, why, when not to), shown by ``learn show example N``;
- ``TITLE: str``, ``CONCEPTS: tuple[str, ...]``, ``DIFFICULTY: int`` (1-5);
- ``VARIANTS: tuple[str, ...]``: the ``--variant`` names it accepts (e.g. ``("threads", "asyncio")``),
  empty when it has only one way to run;
- ``NEXT_CHALLENGES: tuple[int, ...]``: the challenges it prepares for, the first one next;
- ``HYPOTHESES: dict[str, tuple[str, ...]]``: per variant (``"main"`` when there are none), the
  ids of the hypotheses it prints, judged from its own measurements (``examples._lesson``);
- ``main(variant: str | None = None) -> None``: runs the lesson, narrating with Rich, and ends
  with "try next" (an edit to make in the learner's workspace copy, and the next challenge).

This registry only reads file names, so ``learn list`` never imports a lesson.
"""

from __future__ import annotations

from examples._registry import Example, all_examples, get_example, load_module, run_example

__all__ = ["Example", "all_examples", "get_example", "load_module", "run_example"]
