"""Private APIs of asyncssh and Textual the console relies on, each with the reason
there is no public way. When an upgrade removes or reshapes one, this file fails by
name, instead of the console quietly losing a feature (response times, a cheap
table resize, Enter that sends the whole pasted note)."""

from __future__ import annotations

import inspect

import asyncssh
from textual.scroll_view import ScrollView
from textual.widgets import TextArea

from console.widgets.line_table import LineTable
from console.widgets.notes_pane import NoteInput


def test_asyncssh_global_request_for_response_times() -> None:
    """console/transport/ssh.py measure_rtt: a true round trip with no channel and no
    fork needs an SSH global request and its reply. asyncssh sends one only from its
    own keepalive timer (no public call, no timing exposed)."""
    method = getattr(asyncssh.SSHClientConnection, "_make_global_request", None)
    assert method is not None, "asyncssh removed _make_global_request: see measure_rtt"
    assert inspect.iscoroutinefunction(method)
    params = list(inspect.signature(method).parameters)
    assert params[:2] == ["self", "request"], params


def test_textual_scroll_update_for_a_quiet_virtual_size() -> None:
    """console/widgets/line_table.py _set_virtual_size: setting `virtual_size` lays out
    the whole screen (30-50 ms at 500 hosts); `_scroll_update` refreshes only the
    scrollbars. Textual has no public way to change the virtual size without layout."""
    method = getattr(ScrollView, "_scroll_update", None)
    assert method is not None, "Textual removed ScrollView._scroll_update: see LineTable"
    assert list(inspect.signature(method).parameters) == ["self", "virtual_size"]
    assert issubclass(LineTable, ScrollView)


def test_textual_text_area_key_handler_for_enter_in_order() -> None:
    """console/widgets/notes_pane.py NoteInput._on_key: Enter must be handled in turn
    with the characters queued before it (a paste, tmux send-keys). A binding runs
    ahead of them; overriding TextArea's key handler is the only in-order hook."""
    method = TextArea.__dict__.get("_on_key")
    assert method is not None, "Textual removed TextArea._on_key: see NoteInput"
    assert inspect.iscoroutinefunction(method)
    assert list(inspect.signature(method).parameters) == ["self", "event"]
    assert "_on_key" in NoteInput.__dict__
