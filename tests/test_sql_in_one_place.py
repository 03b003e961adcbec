"""SQL lives in the store (tracer/store.py) and the read queries (tracer/queries.py): every other
module asks them, so a table's layout is known in two files only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tracer

PACKAGE = Path(tracer.__file__).parent
HOLDERS = {"store.py", "queries.py"}
# Statements as tracer writes them (keywords in capitals), not prose that starts with "With".
SQL = re.compile(
    r"^\s*(SELECT\s.*\bFROM\b|SELECT\s+\d|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b"
    r"|(CREATE|DROP)\s+(TEMP\s+)?(TABLE|INDEX|VIEW)\b|PRAGMA\s+\w)",
    re.DOTALL,
)


def _offences(path: Path) -> list[str]:
    """``line: what`` for each SQL string and each use of a store's connection in ``path``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
            out.append(f"{node.lineno}: SQL {node.value[:40]!r}")
        elif isinstance(node, ast.Attribute) and node.attr in ("conn", "_conn"):
            out.append(f"{node.lineno}: .{node.attr}")
    return out


def test_no_module_but_the_store_and_the_queries_holds_sql():
    found = {
        str(path.relative_to(PACKAGE.parent)): bad
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name not in HOLDERS and (bad := _offences(path))
    }
    assert not found, f"move these into Store methods or tracer.queries functions: {found}"


def test_the_check_sees_sql_and_connections(tmp_path: Path):
    sample = tmp_path / "m.py"
    sample.write_text(
        'def f(store):\n    return store.conn.execute(f"SELECT id FROM {t}")\n', encoding="utf-8"
    )
    assert [x.split(":")[0] for x in _offences(sample)] == ["2", "2"]
