"""Template mining: headers stripped by structure, variables masked, one-word
differences merged only when the position is really a variable.

The fixtures are small logs written here in the shapes real programs print (syslog with
pam and sshd, log4j with threads, nginx, Python, OpenStack-style request contexts),
each line labelled with the event it comes from, and scored with the grouping accuracy
of the loghub benchmark: a line counts when its group is exactly its event's lines.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from console.logs.levels import Level
from console.logs.masking import MASK, tokens_of
from console.logs.messages import message_of
from console.logs.templates import TemplateIndex, TemplateMiner


def grouping_accuracy(truth: list[str], pred: list[str]) -> float:
    by_truth: dict[str, set[int]] = defaultdict(set)
    by_pred: dict[str, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        by_truth[t].add(i)
        by_pred[p].add(i)
    correct = sum(len(m) for m in by_pred.values() if by_truth[truth[next(iter(m))]] == m)
    return correct / len(truth)


def mine(lines: list[str]) -> list[str]:
    """Each line's final template, as `opsconsole templates` prints it."""
    miner = TemplateMiner()
    ids = [miner.add(tokens_of(message_of(line))) for line in lines]
    return [miner.template(i).text for i in ids]


USERS = ["root", "admin", "oracle", "git", "postgres", "ubuntu", "test", "deploy"]
HOSTS = ["10.0.0.7", "203.0.113.9", "198.51.100.23", "192.0.2.200"]


def sshd_log() -> tuple[list[str], list[str]]:
    lines, truth = [], []
    for i, (user, host) in enumerate(itertools.product(USERS, HOSTS)):
        pid = 4000 + i
        ts = f"Dec  3 19:{i % 60:02d}:{(i * 7) % 60:02d}"
        port = 40000 + i * 13
        lines.append(f"{ts} gw-1 sshd[{pid}]: Failed password for {user} from {host} "
                     f"port {port} ssh2")
        truth.append("failed")
        lines.append(f"{ts} gw-1 sshd[{pid}]: Failed password for invalid user {user} "
                     f"from {host} port {port} ssh2")
        truth.append("failed-invalid")
        lines.append(f"{ts} gw-1 sshd[{pid}]: pam_unix(sshd:auth): authentication failure; "
                     f"logname= uid=0 euid=0 tty=ssh ruser= rhost={host}  user={user}")
        truth.append("pam-failure-user")
        lines.append(f"{ts} gw-1 sshd[{pid}]: Received disconnect from {host} port {port}:11:"
                     f" Bye Bye [preauth]")
        truth.append("disconnect")
        # the same message from different programs is one event
        prog = ["su", "sshd", "login", "cron"][i % 4]
        lines.append(f"{ts} gw-1 {prog}(pam_unix)[{pid}]: session opened for user {user} "
                     f"by (uid=0)")
        truth.append("session-opened")
    return lines, truth


def java_log() -> tuple[list[str], list[str]]:
    lines, truth = [], []
    threads = ["main", "IPC Server handler 5 on 62270", "AsyncDispatcher event handler",
               "RMCommunicator Allocator"]
    transitions = [("NEW", "SCHEDULED"), ("SCHEDULED", "RUNNING"), ("RUNNING", "SUCCEEDED")]
    for i in range(60):
        ts = f"2026-12-03 19:{i % 60:02d}:0{i % 10},{100 + i}"
        thread = threads[i % len(threads)]
        task = f"task_1445144423722_0020_m_{i:06d}"
        old, new = transitions[i % 3]
        lines.append(f"{ts} INFO [{thread}] org.apache.hadoop.mapreduce.v2.app.job.impl."
                     f"TaskImpl: {task} Task Transitioned from {old} to {new}")
        truth.append(f"transition-{old}-{new}")
        size = [512, 1024, 2048][i % 3]
        unit = ["B", "KB", "MB"][i % 3]
        lines.append(f"{ts} INFO [{thread}] org.apache.spark.storage.MemoryStore: Block "
                     f"broadcast_{i} stored as values in memory (estimated size {size} {unit}, "
                     f"free {size * 3} KB)")
        truth.append("block-stored")
        blocks = " ".join(f"blk_{i * 31 + k}" for k in range(1 + i % 4))
        lines.append(f"{ts} INFO [{thread}] BlockManager: ask 10.0.0.{i % 9}:50010 to "
                     f"delete {blocks}")
        truth.append("ask-delete")
        lines.append(f"{ts} WARN [{thread}] org.apache.hadoop.ipc.Client: Address change "
                     f"detected. Old: msra-sa-41/10.190.173.{i % 200}:8030 New: msra-sa-41:8030")
        truth.append("address-change")
    return lines, truth


def openstack_log() -> tuple[list[str], list[str]]:
    lines, truth = [], []
    contexts = ["[req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab - - - - -]",
                "[req-8e64797b-fb99-4c8a-87e5-9a8de673412f 113d3a99c3da401fbd62cc2caa5b96d2 "
                "54fadb412c4e40cdbaed9335e4c35a9e - - -]", "[-]"]
    states = ["Started", "Paused", "Resumed"]
    for i in range(45):
        ts = f"2026-12-03 00:00:{i:02d}.{i * 7:03d}"
        ctx = contexts[i % 3]
        uuid = f"b9000564-fe1a-409b-b8cc-1e88b294{i:04x}"
        state = states[(i // 3) % 3]
        lines.append(f"nova-compute.log {ts} 2931 INFO nova.compute.manager {ctx} "
                     f"[instance: {uuid}] VM {state} (Lifecycle Event)")
        truth.append(f"vm-{state}")
        method = ["GET", "POST"][i % 2]
        lines.append(f"nova-api.log {ts} 25746 INFO nova.osapi_compute.wsgi.server {ctx} "
                     f'10.11.10.1 "{method} /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/'
                     f'detail HTTP/1.1" status: 200 len: {1800 + i} time: 0.{2477829 + i}')
        truth.append(f"http-{method}")
    return lines, truth


def test_sshd_pam_fixture_groups_exactly() -> None:
    lines, truth = sshd_log()
    pred = mine(lines)
    assert grouping_accuracy(truth, pred) == 1.0
    templates = set(pred)
    assert "Failed password for <*> from <*> port <*>" in templates
    assert ("pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> tty=ssh "
            "ruser= rhost=<*> user=<*>") in templates
    assert "session opened for user <*> by (uid=<*>)" in templates


def test_java_fixture_threads_units_and_lists() -> None:
    lines, truth = java_log()
    pred = mine(lines)
    assert grouping_accuracy(truth, pred) == 1.0
    templates = set(pred)
    # three transitions are three events: constants, not a variable
    assert "<*> Task Transitioned from NEW to SCHEDULED" in templates
    assert "Block <*> stored as values in memory (estimated size <*>, free <*>)" in templates
    assert "ask <*> to delete <*>" in templates


def test_openstack_fixture_request_context_is_header() -> None:
    lines, truth = openstack_log()
    pred = mine(lines)
    assert grouping_accuracy(truth, pred) == 1.0
    assert "VM Paused (Lifecycle Event)" in set(pred)


def test_raw_lines_and_message_only_give_the_same_groups() -> None:
    lines, truth = sshd_log()
    messages = [line.split(": ", 1)[1] for line in lines]
    assert grouping_accuracy(truth, mine(messages)) == 1.0


def test_header_fields_are_stripped_by_structure() -> None:
    cases = {
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186":
            "Invalid user webmaster from 173.234.31.186",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating":
            "PacketResponder 1 terminating",
        "2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker"
        "@688] - Send worker leaving thread": "Send worker leaving thread",
        "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi":
            "Changing view acls to: yarn,curi",
        "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6":
            "mod_jk child workerEnv in error state 6",
        # nginx: pid#tid and the *connection number are header fields too
        "2026/12/03 19:34:55 [error] 12#12: *1 open() failed": "open() failed",
        # prefix fields before the time (an epoch, a node), then a syslog time and host
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: "
        "session closed for user root": "session closed for user root",
        "2568643 node-70 action start 1074119817 1 clusterAddMember  (command 1902)":
            "clusterAddMember  (command 1902)",
        # pipe-separated header fields
        "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579":
            "onStandStepChanged 3579",
        # a program and a dash
        "[10.30 16:49:06] chrome.exe *64 - proxy.example.com:5070 open through proxy":
            "proxy.example.com:5070 open through proxy",
        "03-17 16:13:38.811  1702  2395 D WindowManager: relayout done":
            "relayout done",
        "2026-12-03T19:34:55.123Z ERROR app.db: connection lost": "connection lost",
        '{"ts":"2026-12-03T19:34:55Z","level":"error","msg":"db timeout after 30s"}':
            "db timeout after 30s",
        # a header with nothing after it: its last field is the message
        "2026-12-03 19:34:55 INFO": "INFO",
        "Jul  1 09:01:06 mac calendar[1]: [com.apple.calendar] [Refusing to parse]":
            "[Refusing to parse]",
        # no timestamp anchor: the line is the message
        "Notification time out: 3200": "Notification time out: 3200",
        "connection from 10.0.0.1 () at Fri Jul  1 07:57:30 2005":
            "connection from 10.0.0.1 () at Fri Jul  1 07:57:30 2005",
        "autopurge.purgeInterval set to 0": "autopurge.purgeInterval set to 0",
    }
    for line, message in cases.items():
        assert message_of(line) == message, line


def test_masks() -> None:
    def masked(text: str) -> str:
        return " ".join(tokens_of(text))

    assert masked("user 42 logged in from 10.0.0.1:5432") == "user <*> logged in from <*>"
    assert masked("id 3f2a9c1e-8d2b-4b1a-9c3d-2e1f0a9b8c7d done") == "id <*> done"
    assert masked("mapped 0x7fff5fbff8c0 ok") == "mapped <*> ok"
    assert masked("open /var/www/html/index.php failed") == "open <*> failed"
    assert masked("GET https://example.com/a?b=c ok") == "GET <*> ok"
    assert masked("resolved db.example.com fine") == "resolved <*> fine"
    assert masked("user='bob' rhost=host.example.net uid=0") == "user='bob' rhost=<*> uid=<*>"
    assert masked("started 'sparkWorker' now") == "started '<*>' now"
    assert masked("at Fri Jul  1 07:57:30 2005 and 2026-12-03 19:34:55,978 x") == \
        "at <*> and <*> x"
    assert masked("logname= from () at noon") == "logname= from (<*>) at noon"
    assert masked("took 12.5 ms, size 3 KB.") == "took <*>, size <*>."
    # a value restated in parentheses is the same value
    assert masked("sent 1234 bytes (1.2 KB), got 0 bytes") == "sent <*>, got <*>"
    assert masked("from 10.1.2.3 (host-7.example.com) ok") == "from <*> ok"
    assert masked("lifetime <1 sec") == "lifetime <*>"
    assert masked("synchronized to LOCAL(0), stratum 10") == "synchronized to <*>, stratum <*>"
    assert masked("mask=ffffffff flags=0x1") == "mask=<*> flags=<*>"
    # any digit makes a value: host names like web1 and user names like test9 vary
    assert masked("login test9 on web1 via ssh2") == "login <*> on <*> via <*>"
    # Java property names are not host names
    assert masked("mapred.task.id is deprecated") == "mapred.task.id is deprecated"


def test_a_position_becomes_variable_after_four_words_not_before() -> None:
    miner = TemplateMiner()
    first = miner.add(tokens_of("session opened for user alice"))
    miner.add(tokens_of("session opened for user bob"))
    miner.add(tokens_of("session opened for user carol"))
    assert len(miner) == 3  # three words could still be three events
    dave = miner.add(tokens_of("session opened for user dave"))
    assert len(miner) == 1
    assert miner.find(first) == dave
    assert miner.template(first).text == "session opened for user <*>"
    # the position stays open: a fifth name joins at once
    assert miner.add(tokens_of("session opened for user erin")) == dave


def test_a_masked_value_beside_a_word_makes_the_position_variable() -> None:
    miner = TemplateMiner()
    a = miner.add(tokens_of("Invalid user admin from 10.0.0.1"))
    b = miner.add(tokens_of("Invalid user test123 from 10.0.0.2"))
    assert miner.find(a) == miner.find(b)
    assert miner.template(a).text == "Invalid user <*> from <*>"


def test_no_merge_without_two_constant_words_around() -> None:
    miner = TemplateMiner()
    ids = {miner.add(tokens_of(f"{verb}  (command {i})"))
           for i, verb in enumerate(["boot", "wait", "halt", "clusterAddMember", "shutdown"])}
    assert len({miner.find(i) for i in ids}) == 5  # one word of context is not evidence


def test_no_merge_without_a_constant_word() -> None:
    miner = TemplateMiner()
    ids = {miner.add(tokens_of(f"{verb} attempt_{i}_0001"))
           for i, verb in enumerate(["Launching", "KILLING", "ATTEMPT_START", "JOB_CREATE",
                                     "Cleaning"])}
    assert len({miner.find(i) for i in ids}) == 5


def test_max_templates_bounds_memory() -> None:
    miner = TemplateMiner(max_templates=10)
    for i in range(100):
        miner.add(tuple(f"word{chr(97 + i % 26)}{chr(97 + i // 26)} {k}" for k in "xyz"))
    assert len(miner) <= 11
    assert miner.overflow > 0


def test_an_endless_stream_of_new_values_stays_bounded() -> None:
    miner = TemplateMiner(max_templates=100)
    for i in range(20_000):
        name = "".join(chr(97 + (i // 26 ** k) % 26) for k in range(4))  # aaaa, baaa, ...
        miner.add(tokens_of(f"session opened for user {name} by admin"))
        miner.add(tokens_of(f"job {name} finished with state done"))
    size = miner.footprint()
    assert size["templates"] == 2
    assert size["ids"] <= 10  # a known variable position makes no new cluster
    assert size["exact"] <= 800 and size["slots"] <= 1600
    assert miner.overflow == 0


def test_more_shapes_than_max_templates_overflow_into_one_group() -> None:
    miner = TemplateMiner(max_templates=50)
    for i in range(5_000):
        words = " ".join(chr(97 + (i // 26 ** k) % 26) * 3 for k in range(3))
        miner.add(tokens_of(f"{words} x{'y' * (i % 7)}"))
    size = miner.footprint()
    assert size["templates"] <= 51 and size["ids"] <= 200
    assert miner.overflow > 0


def test_long_lines_are_bounded() -> None:
    tokens = tokens_of("word " * 100_000)
    assert len(tokens) <= 65
    assert tokens[-1] == MASK
    assert len(message_of("2026-12-03T19:34:55Z " + "[" * 1_000_000)) > 0
    deep = '{"msg": ' + "[" * 2000 + "]" * 2000 + "}"
    assert message_of(deep) == deep  # not a crash: just not a message field


def test_index_top_counts_first_last_since_and_levels() -> None:
    index = TemplateIndex()
    base = 1_764_790_000.0  # minute-aligned enough for the test: windows are per minute
    base -= base % 60
    for i in range(30):
        index.add(f"2026-12-03T19:00:{i:02d}Z ERROR db: timeout after {i} ms", base + i,
                  Level.ERROR)
    for i in range(10):
        index.add(f"2026-12-03T19:20:{i:02d}Z INFO web: GET /item/{i} 200", base + 1200 + i,
                  Level.INFO)
    for i in range(5):
        index.add(f"2026-12-03T19:21:{i:02d}Z ERROR db: timeout after {i} ms",
                  base + 1260 + i, Level.ERROR)
    rows = index.top(10)
    assert [(r.template, r.count) for r in rows] == [("timeout after <*>", 35),
                                                      ("GET <*>", 10)]
    assert rows[0].first_seen == base and rows[0].last_seen == base + 1264
    assert rows[0].levels == {Level.ERROR: 35}
    # "the top errors of the last few minutes"
    recent = index.top(10, since=base + 1200, levels=[Level.ERROR, Level.FATAL])
    assert [(r.template, r.count) for r in recent] == [("timeout after <*>", 5)]
    recent_all = index.top(10, since=base + 1200)
    assert [(r.template, r.count) for r in recent_all] == [("GET <*>", 10),
                                                           ("timeout after <*>", 5)]
    assert index.top(1)[0].template == "timeout after <*>"
    assert index.top(0) == []


def test_index_ids_survive_merges() -> None:
    index = TemplateIndex()
    ids = [index.add(f"job for {name} done", float(i))
           for i, name in enumerate(["ann", "ben", "cat", "dan", "eve"])]
    assert {index.template_of(i) for i in ids} == {"job for <*> done"}
    (row,) = index.top(5)
    assert row.count == 5 and row.first_seen == 0.0 and row.last_seen == 4.0
