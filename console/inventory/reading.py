"""Reading an inventory file's bytes, bounded and with one-line errors."""

from __future__ import annotations

from pathlib import Path

from console.inventory.model import InventoryError

MAX_BYTES = 64 * 1024 * 1024  # bounds `-i /dev/zero`; real inventories are far smaller


def read_text(path: Path, shown: str) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InventoryError(shown, "no such file") from None
    except IsADirectoryError:
        raise InventoryError(shown, "is a directory, not an inventory file") from None
    except OSError as exc:
        raise InventoryError(shown, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise InventoryError(shown, "larger than 64 MiB: not an inventory file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InventoryError(shown, "not UTF-8 text", line) from None
