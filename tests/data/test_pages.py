"""llkit.data._pages: numpy's huge-page request is off inside a call and restored after."""

import threading

import numpy as np
import pytest

from llkit.data import _pages

setter = _pages._setter()
pytestmark = pytest.mark.skipif(setter is None, reason="numpy has no huge-page switch")


def current() -> bool:
    before = setter(True)
    setter(before)
    return bool(before)


@pytest.mark.parametrize("start", [True, False])
def test_switched_off_inside_and_restored_after(start):
    setter(start)
    seen = []

    @_pages.ordinary_pages
    def inner():
        seen.append(current())
        return 42

    @_pages.ordinary_pages
    def outer():
        inner()
        seen.append(current())  # still off after the nested call ended

    outer()
    assert seen == [False, False]
    assert current() is start
    setter(True)


def test_restored_when_the_call_raises():
    setter(True)

    @_pages.ordinary_pages
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert current() is True


def test_concurrent_calls_restore_once_the_last_one_ends():
    setter(True)
    inside = threading.Event()
    release = threading.Event()

    @_pages.ordinary_pages
    def slow():
        inside.set()
        release.wait(5)

    @_pages.ordinary_pages
    def quick():
        return current()

    t = threading.Thread(target=slow)
    t.start()
    inside.wait(5)
    assert quick() is False
    assert current() is False  # the slow call is still running
    release.set()
    t.join()
    assert current() is True
    assert np.zeros(3).sum() == 0
