"""The 16 narrated lessons.

Each lesson is a module ``examples/exNN_<slug>.py`` that defines:

- a module docstring: the lesson (what, why, when not to), shown by ``learn show example N``;
- ``TITLE: str``, ``CONCEPTS: tuple[str, ...]``, ``DIFFICULTY: int`` (1-5);
- ``VARIANTS: tuple[str, ...]``: the ``--variant`` names it accepts (e.g. ``("threads", "asyncio")``),
  empty when it has only one way to run;
- ``main(variant: str | None = None) -> None``: runs the lesson, narrating with Rich.

This registry only reads file names, so ``learn list`` never imports a lesson.
"""

from __future__ import annotations

from examples._registry import Example, all_examples, get_example, load_module, run_example

__all__ = ["Example", "all_examples", "get_example", "load_module", "run_example"]
