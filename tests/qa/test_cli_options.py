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
