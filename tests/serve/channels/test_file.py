"""The JSONL sink: its exact lines, many threads without interleaving, and a failed write that
leaves no half line behind."""
from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.file import FileSink

REPO = Path(__file__).resolve().parents[3]


def delivery(n: int = 1, **changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "id": f"d-{n}", "key": f"T-{n}/response/0/0/dingtalk/alice", "ticket": f"T-{n}",
        "channel": "dingtalk", "to": {"person": "alice", "address": "0003"},
        "subject": f"[P1] T-{n} 响应超时", "body": "### 工单\n- 处理人: 孟天佑",
        "notification": {"kind": "breach"}, "attempt": 2}
    return Delivery(**{**fields, **changes})


def test_each_delivery_is_one_exact_line(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "notifications.jsonl")
    assert [sink.send(delivery(n)) for n in (1, 2)] == [SendResult(ok=True)] * 2
    assert (tmp_path / "notifications.jsonl").read_text(encoding="utf-8") == (
        '{"id":"d-1","key":"T-1/response/0/0/dingtalk/alice","ticket":"T-1","channel":"dingtalk",'
        '"to":{"person":"alice","address":"0003"},"subject":"[P1] T-1 响应超时",'
        '"body":"### 工单\\n- 处理人: 孟天佑"}\n'
        '{"id":"d-2","key":"T-2/response/0/0/dingtalk/alice","ticket":"T-2","channel":"dingtalk",'
        '"to":{"person":"alice","address":"0003"},"subject":"[P1] T-2 响应超时",'
        '"body":"### 工单\\n- 处理人: 孟天佑"}\n')
    assert stat.S_IMODE((tmp_path / "notifications.jsonl").stat().st_mode) == 0o600


def test_threads_append_whole_lines(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "notifications.jsonl")
    big = "x" * 70_000                      # more than a pipe buffer: one write per line still

    def worker(first: int) -> None:
        for n in range(first, first + 25):
            assert sink.send(delivery(n, body=big)) == SendResult(ok=True)

    threads = [threading.Thread(target=worker, args=(first,)) for first in range(0, 200, 25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    lines = (tmp_path / "notifications.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(f"d-{n}" for n in range(200))


def test_a_missing_folder_is_retried(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "notifications.jsonl"
    assert FileSink(path).send(delivery()) == SendResult(
        ok=False, retry=True,
        error=f"file: FileNotFoundError: [Errno 2] No such file or directory: '{path}'")


def test_a_value_json_cannot_hold_is_permanent(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "notifications.jsonl")
    assert sink.send(delivery(to={"person": {1, 2}})) == SendResult(
        ok=False, retry=False, error="file: cannot encode the delivery: Object of type set is not "
                                     "JSON serializable")
    assert not (tmp_path / "notifications.jsonl").exists()


# A child process whose files may not grow past 300 bytes (SIGXFSZ ignored, so the write fails
# with EFBIG, as on Linux): the second line is written in part, then cut back.
FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from engine.serve.channels.base import Delivery
from engine.serve.channels.file import FileSink
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))
sink = FileSink(Path(sys.argv[1]))
for body in ("short", "y" * 400):
    item = Delivery("d-" + str(len(body)), "k", "T-1", "file", {}, "s", body)
    print(sink.send(item))
"""


def test_a_failed_write_leaves_no_half_line(tmp_path: Path) -> None:
    path = tmp_path / "notifications.jsonl"
    run = subprocess.run([sys.executable, "-c", FULL_DISK, str(path)], capture_output=True,
                         text=True, timeout=60, cwd=REPO, check=True)
    assert run.stdout.splitlines() == [
        "SendResult(ok=True, retry=False, error=None, retry_after=None)",
        ("SendResult(ok=False, retry=True, error='file: OSError: [Errno 27] File too large', "
        "retry_after=None)")]
    assert path.read_text() == (
        '{"id":"d-5","key":"k","ticket":"T-1","channel":"file","to":{},"subject":"s",'
        '"body":"short"}\n')
