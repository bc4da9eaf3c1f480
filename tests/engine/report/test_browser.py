"""The HTML report in a real browser (Debian's headless Chromium): it renders, is not blank,
raises no script error, every chart has marks, and the sortable tables sort. The screenshot
is kept under the test's tmp dir and copied to $GONGDAN_ARTEFACTS when that is set."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

from engine.report.build import make_report
from engine.report.html import render_html

CHROMIUM = shutil.which("chromium") or "chromium"
# After load, the page's script reports what it sees into the DOM, where --dump-dom reads it:
# errors caught by window.onerror, the marks of each SVG, and a table sorted by a click.
PROBE = """<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message));});
window.addEventListener('load',function(){var th=document.querySelector('#by-team th:nth-child(2)');th.click();
var v=Array.from(document.querySelectorAll('#by-team tbody tr td:nth-child(2)')).map(function(td){return +td.dataset.v;});
var sorted=v.every(function(x,i){return i===0||v[i-1]<=x;});
var marks=Array.from(document.querySelectorAll('svg')).map(function(s){return s.querySelectorAll('.mark').length;});
var p=document.createElement('pre');p.id='probe';p.textContent='errors='+JSON.stringify(window.__errors)+
' marks='+JSON.stringify(marks)+' sorted='+sorted;document.body.appendChild(p);});</script>"""


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-extensions", *args],
                          capture_output=True, text=True, timeout=90, check=True)


def test_the_report_renders_in_chromium(example_decisions: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    html = render_html(make_report([example_decisions]))
    page.write_text(html.replace("</head>", PROBE + "</head>", 1), encoding="utf-8")
    dom = _chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri()).stdout
    probe = re.search(r'<pre id="probe">errors=(.*?) marks=\[(.*?)\] sorted=(\w+)</pre>', dom)
    assert probe is not None, dom[-2000:]
    errors, marks, is_sorted = probe.group(1), [int(m) for m in probe.group(2).split(",")], probe.group(3)
    assert errors == "[]"
    assert len(marks) == 5 and all(marks), f"every chart has marks: {marks}"
    assert is_sorted == "true", "a click on a column header sorts the table by it"
    shot = tmp_path / "report.png"
    _chromium("--window-size=960,1300", f"--screenshot={shot}", page.as_uri())
    colours = png_colours(shot.read_bytes())
    assert len(colours) > 50, "not blank: charts and text in many colours"
    assert colours.most_common(1)[0][0] == (255, 255, 255), "on the page's white"
    if os.environ.get("GONGDAN_ARTEFACTS"):
        target = Path(os.environ["GONGDAN_ARTEFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / "report.png")


def png_colours(data: bytes) -> Counter[tuple[int, ...]]:
    """The pixels of an 8-bit RGB or RGBA PNG by colour (a decoder small enough to read:
    Chromium writes no other kind), every row unfiltered and counted."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (size,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + size]
        header = body if kind == b"IHDR" else header
        chunks += [body] if kind == b"IDAT" else []
        pos += 12 + size
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert (depth, colour_type) in ((8, 2), (8, 6)), (depth, colour_type)
    step = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * step
    previous, counts = bytearray(stride), Counter[tuple[int, ...]]()
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        _unfilter(kind, row, previous, step)
        counts.update(tuple(row[x:x + 3]) for x in range(0, stride, step))
        previous = row
    return counts


def _unfilter(kind: int, row: bytearray, up: bytearray, step: int) -> None:
    for i in range(len(row)):
        a = row[i - step] if i >= step else 0
        b, c = up[i], (up[i - step] if i >= step else 0)
        if kind == 1:
            row[i] = (row[i] + a) & 255
        elif kind == 2:
            row[i] = (row[i] + b) & 255
        elif kind == 3:
            row[i] = (row[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
