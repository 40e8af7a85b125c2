"""Run the sampler's host-side parser (its awk program) on captured /proc and df texts.

The program is the real one from console.transport.sampler_script, run by a real awk
as a host runs it: the /proc files by name (it tells them apart by their basename)
and df's and df -i's output on stdin. Every awk a Linux host is likely to have is
tested: mawk (Debian, Ubuntu), gawk (RHEL, Fedora, SUSE, Arch) and busybox (Alpine,
embedded). scripts/test installs the latter two; a missing one fails, never skips.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from console.metrics.frame import build_raw_sample
from console.metrics.raw import RawSample
from console.transport.sampler_script import AWK_PROGRAM

DATA = Path(__file__).parent / "data" / "proc"
AWKS = {"mawk": ["mawk"], "gawk": ["gawk"], "busybox": ["busybox", "awk"]}
#: Where each /proc file lands: the program keys on the basename, as on a host.
PROC_NAMES = ("stat", "meminfo", "loadavg", "uptime", "dev", "diskstats", "mounts")


def read(name: str) -> str:
    return (DATA / name).read_text()


def awk_command(awk: str) -> list[str]:
    command = AWKS[awk]
    if shutil.which(command[0]) is None:
        raise AssertionError(f"{command[0]} is not installed: scripts/test installs it")
    return command


def records(proc: dict[str, str], df: str | None = None, dfi: str | None = None,
            awk: str = "mawk", nproc: str = "4", procs: str = "123") -> str:
    """The records the sampler's awk prints for these texts. `proc` maps a name of
    PROC_NAMES to its text; a missing name is a file the host does not have, a df of
    None one that printed nothing (it failed or timed out)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name in PROC_NAMES:
            if name in proc:
                path = Path(tmp) / name
                path.write_text(proc[name])
                paths.append(str(path))
        stdin = f"@@df\n{df or ''}@@dfi\n{dfi or ''}"
        out = subprocess.run([*awk_command(awk), "-v", f"N={nproc}", "-v", f"P={procs}",
                              AWK_PROGRAM, *paths, "-"], input=stdin, capture_output=True,
                             text=True, timeout=30, check=True)
    return out.stdout


def sample(proc: dict[str, str], df: str | None = None, dfi: str | None = None,
           awk: str = "mawk", **counts: str) -> RawSample:
    """Both halves of the parser: the host's awk, then the console's records."""
    return build_raw_sample(records(proc, df, dfi, awk, **counts), taken_at=0.0,
                            wall_time=0.0)


def server(**changes: str | None) -> RawSample:
    """The captured server: every file and both df outputs, with `changes` applied."""
    texts: dict[str, str | None] = {
        "stat": read("stat_server.txt"), "meminfo": read("meminfo.txt"),
        "loadavg": read("loadavg.txt"), "uptime": read("uptime.txt"),
        "dev": read("net_dev.txt"), "diskstats": read("diskstats_server.txt"),
        "mounts": read("mounts_server.txt"), "df": read("df_server.txt"),
        "dfi": read("dfi_server.txt"),
    }
    awk = changes.pop("awk", None) or "mawk"
    texts.update(changes)
    proc = {k: v for k, v in texts.items() if k in PROC_NAMES and v is not None}
    return sample(proc, texts["df"], texts["dfi"], awk)
