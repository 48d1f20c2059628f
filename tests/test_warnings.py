"""The suite's warning filters (pyproject.toml, [tool.pytest.ini_options]) are in force: any
warning fails its test, except Python's warning about Ocean's JQ pool forking a
multi-threaded process, and only that one, from the module that gives it."""

import multiprocessing
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor

import pytest

FORK_WARNING = (
    "This process (pid=4242) is multi-threaded, use of fork() may lead to deadlocks in "
    "the child."
)


def warn_from(module: str, message: str, category: type[Warning]) -> None:
    """Gives the warning as if `module` had, with a registry of its own so that no
    earlier warning makes Python skip it."""
    warnings.warn_explicit(
        message, category, f"{module.replace('.', '/')}.py", 1, module, registry={}
    )


@pytest.mark.parametrize(
    "category",
    [UserWarning, DeprecationWarning, ResourceWarning, RuntimeWarning],
)
def test_any_warning_fails_the_test_it_happens_in(category: type[Warning]) -> None:
    # ResourceWarning and DeprecationWarning are hidden by Python's own defaults: not here.
    with pytest.raises(category, match="something to look at"):
        warn_from("statuspage_code", "something to look at", category)


def test_only_the_fork_deprecation_from_multiprocessing_passes() -> None:
    warn_from("multiprocessing.popen_fork", FORK_WARNING, DeprecationWarning)

    with pytest.raises(DeprecationWarning):
        warn_from("fetch_memo", FORK_WARNING, DeprecationWarning)
    with pytest.raises(RuntimeWarning):
        warn_from("multiprocessing.popen_fork", FORK_WARNING, RuntimeWarning)
    with pytest.raises(DeprecationWarning):
        warn_from(
            "multiprocessing.popen_fork", "another deprecation", DeprecationWarning
        )


def real_fork_warnings() -> list[warnings.WarningMessage]:
    """What a fork in Ocean's way (a process pool of the "fork" context) warns while
    another thread runs, as execnet's does in a pytest-xdist worker."""
    stop = threading.Event()
    other_thread = threading.Thread(target=stop.wait, name="like execnet's")
    other_thread.start()
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("fork")
            ) as pool:
                assert pool.submit(abs, -7).result(timeout=60) == 7
    finally:
        stop.set()
        other_thread.join(timeout=10)
    return seen


def test_the_filter_matches_the_warning_a_real_fork_gives() -> None:
    """If Python changed the warning's words or where it comes from, this fails. (Python
    3.12 clears the error a fork warning becomes, so without the filter the warning would
    vanish under "error" rather than fail a test: the filter says what is let through.)
    """
    [fork_warning] = real_fork_warnings()
    assert fork_warning.category is DeprecationWarning
    assert fork_warning.filename.endswith("multiprocessing/popen_fork.py")

    warn_from(
        "multiprocessing.popen_fork", str(fork_warning.message), DeprecationWarning
    )
