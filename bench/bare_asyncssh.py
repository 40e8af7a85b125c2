"""The floor for `opsconsole run`: connect to every host with asyncssh, run one command,
print its output. No inventory, audit, locks or grouping. Used by bench/ops_bench.py.

    python bench/bare_asyncssh.py HOSTS_FILE COMMAND   (lines: address port user key)
"""

from __future__ import annotations

import asyncio
import sys

import asyncssh


async def one(address: str, port: int, user: str, key: str, command: str) -> str:
    async with asyncssh.connect(address, port=port, username=user, client_keys=[key],
                                encryption_algs=["aes128-gcm@openssh.com"]) as conn:
        result = await conn.run(command)
        return str(result.stdout)


async def main(path: str, command: str) -> int:
    with open(path) as lines:
        hosts = [line.split() for line in lines if line.strip()]
    outputs = await asyncio.gather(*(one(a, int(p), u, k, command) for a, p, u, k in hosts),
                                   return_exceptions=True)
    failed = 0
    for (address, *_), out in zip(hosts, outputs, strict=True):
        failed += isinstance(out, BaseException)
        print(address, out if not isinstance(out, BaseException) else f"ERROR {out!r}",
              end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
