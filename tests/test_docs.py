"""The README documents every command, and every command and option has --help text.

Modelled on sqlite-utils' tests/test_docs.py. The commands are read from the CLI object when the
tests run, so a command added later fails here until README.md's commands table has a row for it
(a row starting with `tracer NAME`).
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tracer.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\|\s*`tracer ([a-z][a-z0-9-]*)", re.MULTILINE)
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")

# Options that have no help text of their own yet (their choices and default show in --help).
# They are expected failures until cli.py gives them one; then delete the entry. Any other option
# without help text fails.
WITHOUT_HELP: set[tuple[str, str]] = set()  # (command, option) pairs allowed no help text


def _commands() -> list[str]:
    return sorted(cli.commands)


def _name(option: click.Option) -> str:
    return max(option.opts, key=len)


def _options() -> list[object]:
    params: list[object] = []
    groups: list[tuple[str, click.Command]] = [("tracer", cli)]
    groups += [(name, cli.commands[name]) for name in _commands()]
    for command, obj in groups:
        for param in obj.params:
            if isinstance(param, click.Option):
                name = _name(param)
                marks = (
                    [pytest.mark.xfail(reason="no help text yet (see WITHOUT_HELP)", strict=False)]
                    if (command, name) in WITHOUT_HELP
                    else []
                )
                params.append(pytest.param(param, id=f"{command} {name}", marks=marks))
    return params


@pytest.fixture(scope="module")
def readme_rows() -> dict[str, str]:
    """README's commands table: command name -> its row."""
    text = README.read_text(encoding="utf-8")
    return {m.group(1): text[m.start() : text.find("\n", m.start())] for m in ROW.finditer(text)}


@pytest.mark.parametrize("name", _commands())
def test_command_is_in_readme_table(readme_rows: dict[str, str], name: str) -> None:
    assert name in readme_rows, f"README.md's commands table has no row for `tracer {name}`"


def test_readme_table_names_only_real_commands(readme_rows: dict[str, str]) -> None:
    assert set(readme_rows) <= set(cli.commands)


@pytest.mark.parametrize("name", _commands())
def test_readme_row_names_only_real_options(readme_rows: dict[str, str], name: str) -> None:
    if name not in readme_rows:
        pytest.skip("no README row (test_command_is_in_readme_table fails)")
    command = cli.commands[name]
    real = {opt for param in command.params for opt in param.opts if isinstance(param, click.Option)}
    named = set(OPTION.findall(readme_rows[name]))
    assert named <= real | {"--help"}, f"`tracer {name}` has no option {sorted(named - real)}"


@pytest.mark.parametrize("name", _commands())
def test_command_has_help(name: str) -> None:
    command = cli.commands[name]
    assert (command.help or "").strip(), f"`tracer {name}` has no docstring"
    assert (command.get_short_help_str() or "").strip()


@pytest.mark.parametrize("option", _options())
def test_option_has_help(option: click.Option) -> None:
    assert (option.help or "").strip(), f"{_name(option)} has no help text"


def test_without_help_lists_real_options() -> None:
    real = {
        (name, _name(p))
        for name in _commands()
        for p in cli.commands[name].params
        if isinstance(p, click.Option)
    }
    assert WITHOUT_HELP <= real, f"stale entries: {sorted(WITHOUT_HELP - real)}"
