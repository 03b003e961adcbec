"""Keep numpy off its AVX-512 sort on AMD Zen 4, where it is several times slower than AVX2.

numpy sorts with x86-simd-sort's AVX-512 kernels wherever a CPU has AVX-512. Zen 4 (AMD
family 25 with AVX-512) runs the compress-to-memory instruction those kernels store with as
microcode (AMD's Zen 4 optimization guide says to avoid it; numpy/x86-simd-sort issue 6),
and there numpy's AVX-512 sort is the slow one: 8.1 million uint64 in 602 ms against 101 ms
with AVX-512 dispatch disabled (the AVX2 kernels), measured on this project's Zen 4 machine.
A scan sorts band keys and pairs by the tens of millions. Elsewhere (Intel, Zen 5, no
AVX-512) nothing changes.

numpy reads ``NPY_DISABLE_CPU_FEATURES`` once, when it is first imported, so the command
line sets it before any stage module loads; worker processes inherit it. A value the user
set, even an empty one, is left alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

VARIABLE = "NPY_DISABLE_CPU_FEATURES"
# The AVX-512 groups numpy dispatches to, by the names of numpy 1.x and 2.x. Names a numpy
# build does not dispatch are skipped by numpy with an ImportWarning (ignored by default).
AVX512_FEATURES = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL"


def is_zen4(cpuinfo: str) -> bool:
    """Whether ``/proc/cpuinfo`` text describes an AMD Zen 4 CPU with AVX-512 (family 25)."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break  # the first processor's block is enough
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return (
        fields.get("vendor_id") == "AuthenticAMD"
        and fields.get("cpu family") == "25"  # Zen 3 and Zen 4; only Zen 4 has AVX-512
        and "avx512f" in fields.get("flags", "").split()
    )


def avoid_slow_sort(environ: MutableMapping[str, str] | None = None, cpuinfo: str | None = None) -> bool:
    """Disable numpy's AVX-512 dispatch on Zen 4 unless numpy is loaded or the user chose. Returns
    whether it did. ``environ`` and ``cpuinfo`` default to this process's and ``/proc/cpuinfo``."""
    env = os.environ if environ is None else environ
    if VARIABLE in env or (environ is None and "numpy" in sys.modules):
        return False
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                cpuinfo = f.read(1 << 16)
        except OSError:  # not Linux
            return False
    if not is_zen4(cpuinfo):
        return False
    env[VARIABLE] = AVX512_FEATURES
    return True
