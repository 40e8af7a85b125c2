"""console_logs in its three shapes and console_log_buffer: values and one-line errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from console import settings
from console.inventory import InventoryError, load_inventory
from console.settings import LogSource


def load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "inv.yaml"
    path.write_text(textwrap.dedent(text))
    return load_inventory(path)


def test_three_shapes_and_the_buffer(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars:
            console_log_buffer: 500
          hosts:
            a:
              console_logs: [/var/log/syslog]
            b:
              console_logs:
                nginx: /var/log/nginx/error.log
                app: {unit: myapp.service, watch: always}
                audit: {command: "tail -F /var/log/audit/audit.log"}
        """)
    a, b = inv.host("a"), inv.host("b")  # type: ignore[attr-defined]
    assert dict(a.vars["console_logs"]) == {
        "/var/log/syslog": LogSource("/var/log/syslog", "path", "/var/log/syslog")}
    assert dict(b.vars["console_logs"]) == {
        "nginx": LogSource("nginx", "path", "/var/log/nginx/error.log", "on_screen"),
        "app": LogSource("app", "unit", "myapp.service", "always"),
        "audit": LogSource("audit", "command", "tail -F /var/log/audit/audit.log"),
    }
    assert settings.value(b.vars, "console_log_buffer") == 500
    assert settings.value({}, "console_log_buffer") == 10_000


@pytest.mark.parametrize(("source", "message"), [
    ("{path: /a, unit: b}", "app: needs exactly one of path, unit or command, "
                            "got path and unit"),
    ("{watch: always}", "app: needs exactly one of path, unit or command, got none"),
    ("{path: /a, watch: sometimes}", "app.watch: must be always or on_screen"),
    ("{pth: /a}", "app.pth: unknown key; did you mean path?"),
    ("{unit: 'my app'}", "app.unit: must be a systemd unit name without spaces"),
    ("[1, 2]", "app: must be a path or a mapping with one of path, unit or command"),
])
def test_a_bad_source_is_one_line_naming_file_line_and_key(
        tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(InventoryError) as caught:
        load(tmp_path, f"""\
            all:
              hosts:
                web:
                  console_logs:
                    app: {source}
            """)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{tmp_path / 'inv.yaml'}:")
    assert "all.hosts.web.console_logs" in text and message in text, text


def test_a_bad_buffer_size(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="console_log_buffer: must be a whole number"):
        load(tmp_path, """\
            all:
              vars:
                console_log_buffer: lots
            """)
