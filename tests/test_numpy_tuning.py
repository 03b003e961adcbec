"""numpy's AVX-512 sort is turned off on AMD Zen 4 only, and never against the user's choice."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tracer.engine.numpy_tuning import AVX512_FEATURES, VARIABLE, avoid_slow_sort, is_zen4

ZEN4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n\nprocessor\t: 1\n"
ZEN3 = ZEN4.replace(" avx512f avx512bw", "")
ZEN5 = ZEN4.replace("cpu family\t: 25", "cpu family\t: 26")
INTEL = ZEN4.replace("AuthenticAMD", "GenuineIntel").replace("cpu family\t: 25", "cpu family\t: 6")


@pytest.mark.parametrize(
    ("cpuinfo", "zen4"), [(ZEN4, True), (ZEN3, False), (ZEN5, False), (INTEL, False), ("", False)]
)
def test_only_zen4_with_avx512_is_recognised(cpuinfo, zen4):
    assert is_zen4(cpuinfo) is zen4


def test_sets_the_variable_on_zen4_only():
    env: dict[str, str] = {}
    assert avoid_slow_sort(env, INTEL) is False and env == {}
    assert avoid_slow_sort(env, ZEN4) is True and env == {VARIABLE: AVX512_FEATURES}


@pytest.mark.parametrize("chosen", ["", "AVX512_ICL"])
def test_a_value_the_user_set_is_kept(chosen):
    env = {VARIABLE: chosen}
    assert avoid_slow_sort(env, ZEN4) is False and env == {VARIABLE: chosen}


def test_numpy_loads_with_the_setting_and_still_sorts():
    # numpy accepts the list on any x86 build (names it does not dispatch are skipped), and
    # a sort under it gives the same answer.
    code = "import numpy as np; a = np.arange(100000)[::-1].copy(); a.sort(); print(int((a == np.arange(100000)).all()))"
    env = {VARIABLE: AVX512_FEATURES, "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
