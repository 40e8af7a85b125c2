"""Pure parsers on texts captured from a real machine plus hand-made edge cases."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from console.metrics.parsers.count import parse_count
from console.metrics.parsers.df import build_filesystems, parse_df, parse_df_inodes
from console.metrics.parsers.diskstats import (
    SECTOR_BYTES,
    parse_diskstats,
    partition_parent,
    select_disks,
)
from console.metrics.parsers.errors import ParseError
from console.metrics.parsers.loadavg import parse_loadavg
from console.metrics.parsers.meminfo import parse_meminfo
from console.metrics.parsers.mounts import parse_mounts, unescape_mount
from console.metrics.parsers.net_dev import is_loopback, parse_net_dev
from console.metrics.parsers.proc_stat import parse_proc_stat
from console.metrics.parsers.ps import parse_ps
from console.metrics.parsers.uptime import parse_uptime

DATA = Path(__file__).parent / "data" / "proc"


def read(name: str) -> str:
    return (DATA / name).read_text()


# --- /proc/stat -------------------------------------------------------------

def test_proc_stat_captured_matches_the_cpu_line() -> None:
    text = read("stat.txt")
    numbers = [float(x) for x in text.splitlines()[0].split()[1:9]]
    st = parse_proc_stat(text)
    assert [st.cpu.user, st.cpu.nice, st.cpu.system, st.cpu.idle, st.cpu.iowait,
            st.cpu.irq, st.cpu.softirq, st.cpu.steal] == numbers
    assert st.cpu_lines == sum(1 for ln in text.splitlines() if ln[:3] == "cpu" and ln[3].isdigit())
    assert st.cpu.total == sum(numbers)


def test_proc_stat_server_scalars_and_old_kernel() -> None:
    st = parse_proc_stat(read("stat_server.txt"))
    assert (st.cpu_lines, st.forks, st.procs_running, st.procs_blocked) == (4, 2915, 3, 1)
    old = parse_proc_stat(read("stat_old_kernel.txt"))
    assert (old.cpu.user, old.cpu.idle, old.cpu.iowait, old.cpu.steal) == (1000, 50000, 0, 0)
    assert old.procs_running is None


@pytest.mark.parametrize("text", [
    "", "ctxt 5\n", "cpu  47\n", "cpu  1 2 3 x 5\n", "cpu  1 2 3 \ufffd4 5\n",
    "cpu  1 2 3 4\ncpu  1 2 3 4\n", "cpu  1 2 nan 4\n", "cpu  -1 2 3 4\n",
])
def test_proc_stat_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_proc_stat(text)


# --- meminfo, loadavg, uptime -------------------------------------------------

def test_meminfo_captured_is_bytes() -> None:
    text = read("meminfo.txt")
    kib = {ln.split(":")[0]: int(ln.split()[1]) for ln in text.splitlines()}
    mem = parse_meminfo(text)
    assert mem.total == kib["MemTotal"] * 1024 > 0
    assert mem.available == kib["MemAvailable"] * 1024
    assert mem.swap_total == kib["SwapTotal"] * 1024


def test_meminfo_old_kernel_falls_back_to_free_buffers_cached() -> None:
    mem = parse_meminfo(read("meminfo_old_kernel.txt"))
    assert mem.available == (512000 + 128000 + 256000) * 1024
    assert (mem.swap_total, mem.swap_free) == (1024000 * 1024, 768000 * 1024)


@pytest.mark.parametrize("text", [
    "", "MemFree: 5 kB\n", "MemTotal: 0 kB\n", "MemTotal: 12 MB\n",
    "MemTotal: 1\ufffd0 kB\n", "MemTotal 100 kB\n", "MemTotal: 100 kB\nMemAvail",
])
def test_meminfo_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_meminfo(text)


def test_loadavg_and_uptime() -> None:
    fields = read("loadavg.txt").split()
    load = parse_loadavg(read("loadavg.txt"))
    assert load.load1 == float(fields[0])
    assert f"{load.running}/{load.processes}" == fields[3]
    assert parse_loadavg("0.5 0.4 0.3").running is None
    assert parse_uptime(read("uptime.txt")) == float(read("uptime.txt").split()[0])
    assert parse_count("12\n", "procs") == 12
    for bad in ("", "0.5 0.4", "0.5 0.4 inf 1/2 3", "1 2 3 12", "1 2 3 a/b"):
        with pytest.raises(ParseError):
            parse_loadavg(bad)
    for bad in ("", "-3 1", "\ufffd 1"):
        with pytest.raises(ParseError):
            parse_uptime(bad)
    with pytest.raises(ParseError):
        parse_count("1 2", "procs")


# --- /proc/net/dev --------------------------------------------------------------

def test_net_dev_captured_keeps_all_and_flags_loopback() -> None:
    text = read("net_dev.txt")
    nets = parse_net_dev(text)
    names = [ln.split(":")[0].strip() for ln in text.splitlines()[2:]]
    assert [n.interface for n in nets] == names
    lo = next(n for n in nets if n.interface == "lo")
    assert is_loopback(lo.interface) and not is_loopback("eth0")
    row = text.splitlines()[2].split(":")[1].split()
    assert (lo.rx_bytes, lo.tx_bytes) == (int(row[0]), int(row[8]))


def test_net_dev_hundreds_of_interfaces_and_old_format() -> None:
    header = "Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n"
    rows = "".join(
        f"veth{i:04x}: {i * 1000} {i} 1 2 0 0 0 0 {i * 500} {i} 3 4 0 0 0 0\n" for i in range(600)
    )
    nets = parse_net_dev(header + rows + "eth0:123 1 0 0 0 0 0 0 456 2 0 0 0 0 0 0\n")
    assert len(nets) == 601
    assert nets[599].rx_bytes == 599000 and nets[599].tx_drops == 4
    assert (nets[-1].interface, nets[-1].rx_bytes, nets[-1].tx_bytes) == ("eth0", 123, 456)


@pytest.mark.parametrize("text", [
    "", "Inter-|\n face |\n", "  eth0: 1 2 3\n",
    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 \ufffd 13 14 15 16\n",
    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 \ufffd\n",
    " : 1 2 3 4 5 6 7 8 9 10 11 12\n", "garbage line\n",
])
def test_net_dev_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_net_dev(text)


# --- /proc/diskstats ------------------------------------------------------------

def test_diskstats_whole_devices_only() -> None:
    disks = parse_diskstats(read("diskstats_server.txt"))
    kept = [d.device for d in select_disks(disks)]
    assert kept == ["loop3", "sda", "sdp", "nvme0n1", "dm-0", "md0", "sdc"]
    sda = next(d for d in disks if d.device == "sda")
    fields = next(ln.split() for ln in read("diskstats_server.txt").splitlines() if " sda " in ln)
    assert sda.read_bytes == int(fields[5]) * SECTOR_BYTES
    assert sda.write_bytes == int(fields[9]) * SECTOR_BYTES
    assert sda.busy_ms == int(fields[12])  # field 13: io_ticks


def test_diskstats_captured_this_machine() -> None:
    disks = select_disks(parse_diskstats(read("diskstats.txt")))
    assert disks and all(not d.device.startswith(("loop", "zram", "ram")) or d.reads
                         for d in disks)


@pytest.mark.parametrize(("name", "names", "parent"), [
    ("sda1", {"sda", "sda1"}, "sda"), ("sda10", {"sda", "sda1", "sda10"}, "sda"),
    ("sdp1", {"sdp", "sdp1"}, "sdp"), ("nvme0n1p2", {"nvme0n1"}, "nvme0n1"),
    ("mmcblk0p1", {"mmcblk0"}, "mmcblk0"), ("md0p1", {"md0"}, "md0"),
    ("nvme0n1", {"nvme0n1"}, None), ("dm-3", {"dm-3"}, None), ("sda1", {"sda1"}, None),
    ("md1", {"md0", "md1"}, None),
])
def test_partition_parent(name: str, names: set[str], parent: str | None) -> None:
    assert partition_parent(name, names) == parent


@pytest.mark.parametrize("text", ["", "8 0 sda 1 2 3\n", "8 0 sda 1 2 3 4 5 6 7 8 9 10 \ufffd\n"])
def test_diskstats_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_diskstats(text)


# --- df ------------------------------------------------------------------------

def test_df_server_pseudo_bind_overlay_and_spaces() -> None:
    fss = build_filesystems(parse_df(read("df_server.txt")), parse_df_inodes(
        read("dfi_server.txt")), parse_mounts(read("mounts_server.txt")))
    by_mount = {f.mount: f for f in fss}
    assert list(by_mount) == ["/", "/boot/efi", "/srv/My Shared Files", "/mnt/test image",
                              "/data  two  spaces "]
    shared = by_mount["/srv/My Shared Files"]
    assert (shared.total, shared.used, shared.available) == (
        960300048 * 1024, 912285046 * 1024, 48015002 * 1024)
    assert shared.fstype == "xfs" and shared.inodes_total is None and shared.inodes_pct is None
    assert by_mount["/boot/efi"].inodes_total is None  # 0 inodes: vfat has none
    assert by_mount["/"].inodes_used == 3113000 and round(by_mount["/"].inodes_pct or 0) == 95
    assert by_mount["/data  two  spaces "].fstype == "btrfs"


def test_df_without_mount_table_uses_device_names() -> None:
    fss = build_filesystems(parse_df(read("df_server.txt")))
    mounts = {f.mount for f in fss}
    assert "/run" not in mounts and "/dev" not in mounts
    assert "/var/lib/docker/overlay2/3f2a/merged" not in mounts
    assert "/srv/My Shared Files" in mounts and "/snap/core18/2128" in mounts


def test_df_captured_this_machine() -> None:
    space = parse_df(read("df.txt"))
    root = next(r for r in space if r.mount == "/")
    cols = next(ln.split() for ln in read("df.txt").splitlines() if ln.endswith(" /"))
    assert (root.a, root.b, root.c) == tuple(int(c) * 1024 for c in cols[1:4])
    fss = build_filesystems(space, parse_df_inodes(read("dfi.txt")), parse_mounts(
        read("mounts.txt")))
    assert "/" in {f.mount for f in fss}
    assert all(f.fstype not in ("tmpfs", "devtmpfs") for f in fss)


def test_df_hundreds_of_mounts() -> None:
    header = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
    rows = "".join(f"/dev/vd{i} {1000 + i} {i} 1000 {i // 10}% /mnt/volume {i}\n"
                   for i in range(400))
    fss = build_filesystems(parse_df(header + rows))
    assert len(fss) == 400
    assert fss[399].mount == "/mnt/volume 399" and fss[399].used == 399 * 1024


def test_df_rows_seen_before_keep_their_own_units() -> None:
    """Rows are reused by line text across frames and hosts; the same text in a
    1024-block df, a 512-block df and df -i stays three different readings."""
    line = "/dev/sda1 1000 400 600 40% /\n"
    kib = parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n" + line)
    half_kib = parse_df("Filesystem 512-blocks Used Available Capacity Mounted on\n" + line)
    inodes = parse_df_inodes("Filesystem Inodes IUsed IFree IUse% Mounted on\n" + line)
    again = parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n" + line)
    assert (kib[0].a, half_kib[0].a, inodes[0].a) == (1000 * 1024, 1000 * 512, 1000)
    assert again == kib
    changed = parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n"
                       "/dev/sda1 1000 500 500 50% /\n")
    assert changed[0].b == 500 * 1024


@pytest.mark.parametrize("text", [
    "", "/dev/sda1 100 50 50 50% /\n",
    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50",
    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1\ufffd0 50 50 50% /\n",
])
def test_df_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_df(text)


def test_mount_unescape() -> None:
    assert unescape_mount(r"/a\040b\011c\134d") == "/a b\tc\\d"
    with pytest.raises(ParseError):
        parse_mounts("")


# --- ps ------------------------------------------------------------------------

def test_ps_procps_two_sorted_lists() -> None:
    top = parse_ps(read("ps_procps.txt"), n=3)
    assert len(top.by_cpu) == 3 and len(top.by_mem) == 3
    cpus = [p.cpu_pct for p in top.by_cpu]
    assert cpus == sorted(cpus, reverse=True)
    rss = [p.rss for p in top.by_mem]
    assert rss == sorted(rss, reverse=True)


def test_ps_busybox_columns_and_suffixes() -> None:
    top = parse_ps(read("ps_busybox.txt"))
    assert [p.pid for p in top.by_mem] == [305, 211, 1, 400]
    assert top.by_mem[0].rss == int(1.1 * 1024**2) * 1024
    assert top.by_mem[1].command == "/usr/bin/java -jar app.jar --port 8080"
    assert all(p.cpu_pct is None for p in top.by_cpu)
    with pytest.raises(ParseError):
        parse_ps("")
    with pytest.raises(ParseError):
        parse_ps("USER COMMAND\nroot init\n")


# --- never anything but ParseError ------------------------------------------------

PARSERS = [
    (parse_proc_stat, "stat_server.txt"), (parse_meminfo, "meminfo.txt"),
    (parse_loadavg, "loadavg.txt"), (parse_uptime, "uptime.txt"),
    (parse_net_dev, "net_dev.txt"), (parse_diskstats, "diskstats_server.txt"),
    (parse_df, "df_server.txt"), (parse_df_inodes, "dfi_server.txt"),
    (parse_mounts, "mounts_server.txt"), (parse_ps, "ps_busybox.txt"),
]


@pytest.mark.parametrize(("parse", "name"), PARSERS)
def test_truncated_and_mangled_input_only_raises_parse_error(
    parse: Callable[[str], object], name: str
) -> None:
    text = read(name)
    rng = random.Random(name)
    variants = [text[:cut] for cut in range(0, len(text), max(1, len(text) // 60))]
    for _ in range(200):
        chars = list(text)
        for _ in range(rng.randint(1, 5)):
            chars[rng.randrange(len(chars))] = rng.choice("\ufffd \n:%-x9/")
        variants.append("".join(chars))
    parsed = 0
    for variant in variants:
        try:
            parse(variant)
            parsed += 1
        except ParseError:
            pass
    assert parsed > 0  # some variants stay valid; none raised anything else
