"""Opening a log view from the fleet (key l on the selected hosts) or a host screen."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App

from console.fleet.fleet import Fleet


def open_logs(app: App[object], fleet: Fleet, hosts: Sequence[str]) -> None:
    """Every log source of `hosts`, merged in one view; a host without any says so."""
    keys = [(host, buf.name) for host in hosts for buf in fleet.logs.sources(host)]
    if not keys:
        names = ", ".join(hosts) or "no host selected"
        app.notify(f"no logs configured for {names}: add console_logs in the inventory",
                   timeout=4, markup=False)
        return
    from console.screens.logs import LogScreen

    shown = list(dict.fromkeys(h for h, _ in keys))
    title = f"logs of {shown[0]}" if len(shown) == 1 else f"logs of {len(shown)} hosts"
    app.push_screen(LogScreen(fleet, keys, title))
