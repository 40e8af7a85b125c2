"""Checks meet the shared database: accepted baselines (the `accounts` preset) are
read from and written to the store, so every console on the file agrees on them."""

from __future__ import annotations

from console.store.store import Store


class StoreBaselines:
    """`console.fleet.checks.Baselines` over the notes database."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, host: str, check: str) -> str | None:
        row = await self._store.check_baseline(host, check)
        return row.body if row is not None else None

    async def accept(self, host: str, check: str, body: str) -> None:
        await self._store.accept_check_baseline(host, check, body)
        await self._store.record_event(
            "check", f"{host} {check}: baseline accepted by {self._store.author} "
                     f"({len(body.splitlines())} accounts)", host=host,
            meta={"key": f"{host}/check:{check}", "check": check})
