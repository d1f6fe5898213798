"""The linearizability checker on known linearizable and non-linearizable histories."""

from __future__ import annotations

from simworld.history import UNKNOWN, Operation
from simworld.linearizability import LockModel, RegisterModel, check_linearizable


def op(
    i: int, proc: str, name: str, args: tuple, inv: int, ret: float, result: object
) -> Operation:
    return Operation(i, proc, name, args, inv, ret, result)


def test_sequential_register_history_is_linearizable() -> None:
    ops = [op(0, "a", "write", (1,), 0, 10, None), op(1, "b", "read", (), 20, 30, 1)]
    assert check_linearizable(ops, RegisterModel()).ok


def test_a_stale_read_after_a_completed_write_is_not_linearizable() -> None:
    ops = [op(0, "a", "write", (1,), 0, 10, None), op(1, "b", "read", (), 20, 30, None)]
    result = check_linearizable(ops, RegisterModel())
    assert not result.ok and result.stuck is not None and result.stuck.id == 1


def test_a_read_concurrent_with_a_write_may_see_either_value() -> None:
    write = op(0, "a", "write", (1,), 0, 100, None)
    assert check_linearizable([write, op(1, "b", "read", (), 10, 20, None)], RegisterModel()).ok
    assert check_linearizable([write, op(1, "b", "read", (), 10, 20, 1)], RegisterModel()).ok


def test_new_then_old_reads_during_a_write_are_not_linearizable() -> None:
    ops = [
        op(0, "a", "write", (1,), 0, 100, None),
        op(1, "b", "read", (), 10, 20, 1),
        op(2, "c", "read", (), 30, 40, None),  # starts after b saw 1, yet sees the old value
    ]
    assert not check_linearizable(ops, RegisterModel()).ok


def test_an_unknown_write_may_or_may_not_have_happened() -> None:
    lost = op(0, "a", "write", (1,), 0, float("inf"), UNKNOWN)
    assert check_linearizable([lost, op(1, "b", "read", (), 50, 60, 1)], RegisterModel()).ok
    assert check_linearizable([lost, op(1, "b", "read", (), 50, 60, None)], RegisterModel()).ok


def test_two_holders_of_one_lock_are_not_linearizable() -> None:
    ops = [op(0, "a", "acquire", (), 0, 10, True), op(1, "b", "acquire", (), 20, 30, True)]
    assert not check_linearizable(ops, LockModel()).ok


def test_expiry_between_two_acquires_makes_them_legal() -> None:
    ops = [
        op(0, "a", "acquire", (), 0, 10, True),
        op(1, "kv", "expire", ("a",), 15, 15, True),
        op(2, "b", "acquire", (), 20, 30, True),
        op(3, "a", "release", (), 40, 50, False),
    ]
    assert check_linearizable(ops, LockModel()).ok


def test_releasing_someone_elses_lock_is_not_linearizable() -> None:
    ops = [
        op(0, "a", "acquire", (), 0, 10, True),
        op(1, "kv", "expire", ("a",), 15, 15, True),
        op(2, "b", "acquire", (), 20, 30, True),
        op(3, "a", "release", (), 40, 50, True),  # a's delete removed b's lock
    ]
    assert not check_linearizable(ops, LockModel()).ok


def test_the_checker_handles_a_long_history_quickly() -> None:
    ops = []
    for i in range(300):
        holder = "abc"[i % 3]
        ops.append(op(2 * i, holder, "acquire", (), 10 * i, 10 * i + 3, True))
        ops.append(op(2 * i + 1, holder, "release", (), 10 * i + 5, 10 * i + 8, True))
    assert check_linearizable(ops, LockModel()).ok
