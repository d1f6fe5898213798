"""The learner's loop: workspace copies, run, check, hints, solutions, watch — and recording progress.

Above the course (``challenges``, ``solutions``, ``examples``, ``practical``) and the tracker;
``cli.py`` and ``interactive`` call it. :mod:`learner.record` is the one place that tells the
tracker what the learner did.
"""
