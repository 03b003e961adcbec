"""`import tracer` and the CLI's start-up stay light: heavy packages load only where used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "numpy",
    "datasketch",
    "rapidfuzz",
    "scipy",
    "networkx",
    "trafilatura",
    "lxml",
    "click",
    "dask",
    "distributed",
    "pypdf",
)


def _modules(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys; print('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {m.split(".")[0] for m in out.split()}


def test_import_tracer_is_light():
    loaded = _modules("import tracer")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_cli_help_does_not_load_the_pipeline():
    loaded = _modules("import tracer.cli")
    pipeline = set(HEAVY) - {"lxml", "click"}  # the CLI is click; lxml is not the pipeline's
    assert not loaded & pipeline, loaded & pipeline
