"""The sampler's parser, both halves, on texts captured from real machines plus
hand-made edge cases: the host's awk (run for real, under mawk, gawk and busybox)
turns /proc and df into records, the console turns records into a RawSample."""

from __future__ import annotations

import random
from dataclasses import astuple

import pytest

from console.metrics.frame import build_raw_sample
from console.metrics.parsers.count import parse_counts
from console.metrics.parsers.df import build_filesystems, parse_fs_record
from console.metrics.parsers.diskstats import SECTOR_BYTES, parse_disk_record, partition_parent
from console.metrics.parsers.errors import ParseError
from console.metrics.parsers.loadavg import parse_loadavg
from console.metrics.parsers.meminfo import parse_meminfo
from console.metrics.parsers.net_dev import is_loopback, parse_net_record
from console.metrics.parsers.proc_stat import parse_cpu_line
from console.metrics.parsers.ps import parse_ps
from console.metrics.parsers.uptime import parse_uptime
from tests.sampler_awk import AWKS, read, records, sample, server

DF_HEAD = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
DFI_HEAD = "Filesystem Inodes IUsed IFree IUse% Mounted on\n"


@pytest.mark.parametrize("awk", list(AWKS))
def test_every_awk_prints_the_same_records(awk: str) -> None:
    """One program, three awks: the records are identical, byte for byte."""
    texts = {"stat": read("stat_server.txt"), "meminfo": read("meminfo.txt"),
             "loadavg": read("loadavg.txt"), "uptime": read("uptime.txt"),
             "dev": read("net_dev.txt"), "diskstats": read("diskstats_server.txt"),
             "mounts": read("mounts_server.txt")}
    out = records(texts, read("df_server.txt"), read("dfi_server.txt"), awk)
    reference = records(texts, read("df_server.txt"), read("dfi_server.txt"), "mawk")
    # Only x records come from a for-in loop, whose order is each awk's own.
    assert sorted(out.splitlines()) == sorted(reference.splitlines())
    assert [ln for ln in out.splitlines() if ln[:1] != "x"] == [
        ln for ln in reference.splitlines() if ln[:1] != "x"]
    s = build_raw_sample(out, 0.0, 0.0)
    assert s.problems == () and s.cpu is not None and s.filesystems


# --- /proc/stat -------------------------------------------------------------

def test_stat_captured_cpu_line_and_cpu_count() -> None:
    text = read("stat.txt")
    numbers = [float(x) for x in text.splitlines()[0].split()[1:9]]
    s = sample({"stat": text}, nproc="")
    assert s.cpu is not None
    assert [s.cpu.user, s.cpu.nice, s.cpu.system, s.cpu.idle, s.cpu.iowait,
            s.cpu.irq, s.cpu.softirq, s.cpu.steal] == numbers
    assert s.cpu.total == sum(numbers)
    # Without getconf, the CPU count is the number of cpuN lines.
    assert s.cpu_count == sum(1 for ln in text.splitlines() if ln[:3] == "cpu" and ln[3].isdigit())
    assert sample({"stat": text}, nproc="16").cpu_count == 16
    assert sample({"stat": text}, procs="321").processes == 321


def test_stat_old_kernel_has_four_values() -> None:
    s = sample({"stat": read("stat_old_kernel.txt")})
    assert s.cpu is not None
    assert (s.cpu.user, s.cpu.idle, s.cpu.iowait, s.cpu.steal) == (1000, 50000, 0, 0)
    for fields in (["c", "1", "2", "3"], ["c", "1", "2", "3", "1e5"]):
        with pytest.raises(ParseError):
            parse_cpu_line(fields)


@pytest.mark.parametrize("text", [
    "", "ctxt 5\n", "cpu  47\n", "cpu  1 2 3 x 5\n", "cpu  1 2 3 \ufffd4 5\n",
    "cpu  1 2 nan 4\n", "cpu  -1 2 3 4\n",
])
def test_stat_malformed_costs_only_the_cpu(text: str) -> None:
    s = server(stat=text)
    assert s.cpu is None and s.memory is not None and s.filesystems
    assert len(s.problems) == 1 and s.problems[0].startswith("stat")


# --- meminfo, loadavg, uptime -------------------------------------------------

def test_meminfo_captured_is_bytes() -> None:
    text = read("meminfo.txt")
    kib = {ln.split(":")[0]: int(ln.split()[1]) for ln in text.splitlines()}
    mem = sample({"meminfo": text}).memory
    assert mem is not None
    assert mem.total == kib["MemTotal"] * 1024 > 0
    assert mem.available == kib["MemAvailable"] * 1024
    assert mem.swap_total == kib["SwapTotal"] * 1024


def test_meminfo_old_kernel_falls_back_to_free_buffers_cached() -> None:
    mem = sample({"meminfo": read("meminfo_old_kernel.txt")}).memory
    assert mem is not None
    assert mem.available == (512000 + 128000 + 256000) * 1024
    assert (mem.swap_total, mem.swap_free) == (1024000 * 1024, 768000 * 1024)


@pytest.mark.parametrize("text", [
    "", "MemFree: 5 kB\n", "MemTotal: 0 kB\n", "MemTotal: 1\ufffd0 kB\n",
    "MemTotal 100 kB\n", "MemTotal: -5 kB\n",
])
def test_meminfo_malformed(text: str) -> None:
    s = server(meminfo=text)
    assert s.memory is None and s.cpu is not None
    assert [p for p in s.problems if p.startswith("meminfo:")] == list(s.problems)
    assert len(s.problems) == 1


def test_meminfo_record_is_strict() -> None:
    for fields in (["1"] * 6, ["1", "2", "3", "4", "5", "6", "x"], ["-"] * 7):
        with pytest.raises(ParseError):
            parse_meminfo(fields)


def test_loadavg_uptime_and_counts() -> None:
    fields = read("loadavg.txt").split()
    s = sample({"loadavg": read("loadavg.txt"), "uptime": read("uptime.txt")})
    assert s.load is not None and s.load.load1 == float(fields[0])
    assert f"{s.load.running}/{s.load.processes}" == fields[3]
    assert s.uptime_s == float(read("uptime.txt").split()[0])
    assert parse_loadavg("0.5 0.4 0.3").running is None
    for bad in ("", "0.5 0.4", "0.5 0.4 inf 1/2 3", "1 2 3 12", "1 2 3 a/b"):
        with pytest.raises(ParseError):
            parse_loadavg(bad)
    for bad in ("", "-3 1", "\ufffd 1"):
        with pytest.raises(ParseError):
            parse_uptime(bad)
    assert parse_counts(["k", "2", "0", "0"]) == (2, None)  # neither getconf nor a glob
    for bad in (["k", "1", "2"], ["k", "1", "x", "3"]):
        with pytest.raises(ParseError):
            parse_counts(bad)


# --- /proc/net/dev --------------------------------------------------------------

def test_net_dev_captured_keeps_all_and_flags_loopback() -> None:
    text = read("net_dev.txt")
    nets = sample({"dev": text}).net
    names = [ln.split(":")[0].strip() for ln in text.splitlines()[2:]]
    assert [n.interface for n in nets] == names
    lo = next(n for n in nets if n.interface == "lo")
    assert is_loopback(lo.interface) and not is_loopback("eth0")
    row = text.splitlines()[2].split(":")[1].split()
    assert (lo.rx_bytes, lo.tx_bytes) == (int(row[0]), int(row[8]))
    assert (lo.rx_errors, lo.rx_drops, lo.tx_errors, lo.tx_drops) == tuple(
        int(row[i]) for i in (2, 3, 10, 11))


def test_net_dev_hundreds_of_interfaces_and_counters_touching_the_colon() -> None:
    header = "Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n"
    rows = "".join(
        f"veth{i:04x}: {i * 1000} {i} 1 2 0 0 0 0 {i * 500} {i} 3 4 0 0 0 0\n" for i in range(600)
    )
    nets = sample({"dev": header + rows + "eth0:123 1 0 0 0 0 0 0 456 2 0 0 0 0 0 0\n"}).net
    assert len(nets) == 601
    assert nets[599].rx_bytes == 599000 and nets[599].tx_drops == 4
    assert (nets[-1].interface, nets[-1].rx_bytes, nets[-1].tx_bytes) == ("eth0", 123, 456)


def test_net_dev_counters_keep_every_digit() -> None:
    """awk holds numbers as doubles (53 bits); the program never computes with the
    counters, so a 64-bit one arrives whole."""
    big = 18446744073709551000
    text = f"Inter-|\n face |\n  eth0: {big} 1 0 0 0 0 0 0 {big - 1} 2 0 0 0 0 0 0\n"
    for awk in AWKS:
        [eth0] = sample({"dev": text}, awk=awk).net
        assert (eth0.rx_bytes, eth0.tx_bytes) == (big, big - 1)


@pytest.mark.parametrize("text", [
    "Inter-|\n face |\n", "  eth0: 1 2 3\n",
    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 \ufffd 13 14 15 16\n",
    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  eth1: 1 2 x 4 5 6 7 8 9 10 11 12\n",
])
def test_net_dev_malformed_drops_every_interface(text: str) -> None:
    """A total over some of a host's interfaces would be a wrong figure."""
    s = server(dev=text)
    assert s.net == () and s.cpu is not None
    assert len(s.problems) == 1 and s.problems[0].startswith("netdev")


def test_net_record_is_strict() -> None:
    for fields in (["n", "eth0", "1"], ["n", "eth0"] + ["1"] * 7 + ["-1"]):
        with pytest.raises(ParseError):
            parse_net_record(fields)


# --- /proc/diskstats ------------------------------------------------------------

def test_diskstats_whole_devices_only() -> None:
    text = read("diskstats_server.txt")
    disks = server().disks
    assert [d.device for d in disks] == ["loop3", "sda", "sdp", "nvme0n1", "dm-0", "md0", "sdc"]
    sda = next(d for d in disks if d.device == "sda")
    fields = next(ln.split() for ln in text.splitlines() if " sda " in ln)
    assert sda.read_bytes == int(fields[5]) * SECTOR_BYTES
    assert sda.write_bytes == int(fields[9]) * SECTOR_BYTES
    assert sda.busy_ms == int(fields[12])  # field 13: io_ticks


def test_diskstats_idle_virtual_devices_stay_on_the_host() -> None:
    text = read("diskstats.txt")
    sent = [ln.split()[1] for ln in records({"diskstats": text}).splitlines()
            if ln[:1] == "d"]
    idle = [f[2] for f in map(str.split, text.splitlines())
            if f[2].startswith(("ram", "loop", "zram")) and f[3] == f[7] == "0"]
    assert idle and not set(idle) & set(sent)
    assert sample({"diskstats": text}).disks


@pytest.mark.parametrize(("name", "names", "parent"), [
    ("sda1", {"sda", "sda1"}, "sda"), ("sda10", {"sda", "sda1", "sda10"}, "sda"),
    ("sdp1", {"sdp", "sdp1"}, "sdp"), ("nvme0n1p2", {"nvme0n1"}, "nvme0n1"),
    ("mmcblk0p1", {"mmcblk0"}, "mmcblk0"), ("md0p1", {"md0"}, "md0"),
    ("nvme0n1", {"nvme0n1"}, None), ("dm-3", {"dm-3"}, None), ("sda1", {"sda1"}, None),
    ("md1", {"md0", "md1"}, None),
])
def test_partition_parent(name: str, names: set[str], parent: str | None) -> None:
    assert partition_parent(name, names) == parent


@pytest.mark.parametrize("text", ["8 0 sda 1 2 3\n",
                                  "8 0 sda 1 2 3 4 5 6 7 8 9 10 \ufffd\n"])
def test_diskstats_malformed(text: str) -> None:
    s = server(diskstats=text)
    assert s.disks == () and len(s.problems) == 1 and s.problems[0].startswith("diskstats")
    # An old kernel's partition line (4 counters) is skipped, not an error.
    assert parse_disk_record(["d", "sda1", "1", "2", "3", "4"]) is None


# --- df, df -i and the mount table ------------------------------------------------

def test_df_server_pseudo_bind_overlay_and_spaces() -> None:
    s = server()
    by_mount = {f.mount: f for f in s.filesystems}
    assert list(by_mount) == ["/", "/boot/efi", "/srv/My Shared Files", "/mnt/test image",
                              "/data  two  spaces "]
    shared = by_mount["/srv/My Shared Files"]
    assert (shared.total, shared.used, shared.available) == (
        960300048 * 1024, 912285046 * 1024, 48015002 * 1024)
    assert shared.fstype == "xfs" and shared.inodes_total is None and shared.inodes_pct is None
    assert by_mount["/boot/efi"].inodes_total is None  # 0 inodes: vfat has none
    assert by_mount["/"].inodes_used == 3113000 and round(by_mount["/"].inodes_pct or 0) == 95
    assert by_mount["/data  two  spaces "].fstype == "btrfs"
    assert s.mounted is not None and "/srv/My Shared Files/bind" in s.mounted
    assert "/run" in s.mounted  # in df: listed, even though a pseudo filesystem


def test_df_without_mount_table_uses_device_names() -> None:
    s = server(mounts=None)
    mounts = {f.mount for f in s.filesystems}
    assert "/run" not in mounts and "/dev" not in mounts
    assert "/var/lib/docker/overlay2/3f2a/merged" not in mounts
    assert "/srv/My Shared Files" in mounts and "/snap/core18/2128" in mounts
    assert s.mounted is None and s.problems == ()


def test_mounted_but_missing_from_df_is_still_listed() -> None:
    """A stale NFS mount df could not read: the host still lists it as mounted, so a
    full disk that cannot be seen becomes UNKNOWN, not gone (see the alert engine)."""
    mounts = read("mounts_server.txt") + "nas:/export /mnt/nfs\\040share nfs4 rw 0 0\n" + \
        "proc /proc proc rw 0 0\n"
    s = server(mounts=mounts)
    assert s.mounted is not None
    assert "/mnt/nfs share" in s.mounted and "/proc" not in s.mounted


def test_df_captured_this_machine() -> None:
    s = sample({"mounts": read("mounts.txt")}, read("df.txt"), read("dfi.txt"))
    root = next(f for f in s.filesystems if f.mount == "/")
    cols = next(ln.split() for ln in read("df.txt").splitlines() if ln.endswith(" /"))
    assert (root.total, root.used, root.available) == tuple(int(c) * 1024 for c in cols[1:4])
    assert all(f.fstype not in ("tmpfs", "devtmpfs") for f in s.filesystems)


def test_df_hundreds_of_mounts() -> None:
    rows = "".join(f"/dev/vd{i} {1000 + i} {i} 1000 {i // 10}% /mnt/volume {i}\n"
                   for i in range(400))
    s = sample({}, DF_HEAD + rows)
    assert len(s.filesystems) == 400
    assert s.filesystems[399].mount == "/mnt/volume 399"
    assert s.filesystems[399].used == 399 * 1024


def test_df_rows_seen_before_keep_their_own_units() -> None:
    """Rows are reused by record text across frames and hosts; the same text under
    another block size is another reading."""
    line = "f 1000 400 600 - - ext4\t/dev/sda1\t/"
    kib, half_kib = parse_fs_record(line, 1024), parse_fs_record(line, 512)
    assert (kib.total, half_kib.total) == (1000 * 1024, 1000 * 512)
    assert parse_fs_record(line, 1024) is kib
    s = sample({}, "Filesystem 512-blocks Used Available Capacity Mounted on\n"
               "/dev/sda1 1000 400 600 40% /\n")
    assert s.filesystems[0].total == 1000 * 512


def test_df_that_printed_nothing_is_missing_not_empty() -> None:
    s = server(df=None)
    assert s.filesystems == () and s.problems == ("df: missing",)
    no_inodes = server(dfi=None)
    assert no_inodes.problems == () and no_inodes.filesystems
    assert all(f.inodes_total is None for f in no_inodes.filesystems)


@pytest.mark.parametrize("rows", [
    "/dev/sda1 100 50\n", "/dev/sda1 1\ufffd0 50 50 50% /\n", "garbage\n",
])
def test_df_malformed_row_costs_the_df_listing(rows: str) -> None:
    s = server(df=DF_HEAD + "/dev/sdb1 100 50 50 50% /data\n" + rows)
    assert s.filesystems == () and s.cpu is not None
    assert len(s.problems) == 1 and s.problems[0].startswith("df: bad row")


def test_fs_record_is_strict() -> None:
    for line in ("f 1 2 3 - - ext4\t/dev/sda1", "f 1 2 x - - ext4\t/dev/sda1\t/",
                 "f 1 2 3 - ext4\t/dev/sda1\t/", "f 1 2 -4 - - ext4\t/dev/sda1\t/"):
        with pytest.raises(ParseError):
            parse_fs_record(line, 1024)
    assert build_filesystems([]) == ()


def test_mount_points_with_spaces_and_tabs_are_unescaped_on_the_host() -> None:
    mounts = "/dev/sdb1 /a\\040b\\011c ext4 rw 0 0\n"
    df = DF_HEAD + "/dev/sdb1 100 50 50 50% /a b\tc\n"
    for awk in AWKS:
        s = sample({"mounts": mounts}, df, awk=awk)
        assert [(f.mount, f.fstype) for f in s.filesystems] == [("/a b\tc", "ext4")]


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


# --- never a crash, never a negative figure ---------------------------------------

def test_mangled_records_never_raise_or_go_negative() -> None:
    text = records({"stat": read("stat_server.txt"), "meminfo": read("meminfo.txt"),
                    "loadavg": read("loadavg.txt"), "uptime": read("uptime.txt"),
                    "dev": read("net_dev.txt"), "diskstats": read("diskstats_server.txt"),
                    "mounts": read("mounts_server.txt")},
                   read("df_server.txt"), read("dfi_server.txt"))
    rng = random.Random(7)
    variants = [text[:cut] for cut in range(0, len(text), max(1, len(text) // 60))]
    for _ in range(300):
        chars = list(text)
        for _ in range(rng.randint(1, 5)):
            chars[rng.randrange(len(chars))] = rng.choice("\ufffd \n\t-x9/fnd")
        variants.append("".join(chars))
    clean = 0
    for variant in variants:
        s = build_raw_sample(variant, 0.0, 0.0)
        clean += not s.problems
        numbers = [*(astuple(s.cpu) if s.cpu else ()),
                   *(astuple(s.memory) if s.memory else ())]
        for n in s.net:
            numbers += [n.rx_bytes, n.tx_bytes, n.rx_errors, n.tx_drops]
        for f in s.filesystems:
            numbers += [f.total, f.used, f.available]
        assert all(v >= 0 for v in numbers)
    assert clean > 0  # some variants stay valid; none raised
