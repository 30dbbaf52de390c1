"""Options are checked before anything starts: a bad value is a usage error (exit 2) naming the option."""

from __future__ import annotations

import pytest

from qa.cli import main


@pytest.mark.parametrize("command", [["ui"], ["mcp", "--http"]])
@pytest.mark.parametrize("port", ["-1", "70000", "http"])  # not 0: unchecked, it binds a free port
def test_a_port_out_of_range_is_a_usage_error(command, port, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([*command, "--port", port])
    assert stopped.value.code == 2
    assert "argument --port" in capsys.readouterr().err


def test_a_mistyped_option_is_told_with_its_commands_usage_and_the_option_meant(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["ask", "--colection", "pydocs", "What does str.partition return?"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: qa ask ")  # not the top-level `qa [-h] COMMAND`
    assert "unrecognized arguments: --colection" in err and "did you mean --collection?" in err
