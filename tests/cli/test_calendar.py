"""`gongdan calendar import` through CliRunner (exact YAML), and both it and `validate`
without the `holidays` extra, in a real subprocess whose imports of the libraries fail."""
from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import yaml

import engine
from helpers import REPO, run_cli

CN_2026 = f"""# gongdan calendar import --country CN --year 2026
# from chinesecalendar {version("chinesecalendar")}; review it against the official announcement, then put the set
# under `holiday_sets:` in sla_profiles.yaml and name it in a calendar: holiday_sets: [cn-2026]
holiday_sets:
  cn-2026:
    country: CN
    description: CN 2026 public holidays (chinesecalendar {version("chinesecalendar")})
    holidays:
      - 2026-01-01   # 元旦
      - 2026-01-02   # 元旦
      - 2026-02-16   # 春节
      - 2026-02-17   # 春节
      - 2026-02-18   # 春节
      - 2026-02-19   # 春节
      - 2026-02-20   # 春节
      - 2026-02-23   # 春节
      - 2026-04-06   # 清明
      - 2026-05-01   # 劳动节
      - 2026-05-04   # 劳动节
      - 2026-05-05   # 劳动节
      - 2026-06-19   # 端午
      - 2026-09-25   # 中秋
      - 2026-10-01   # 国庆节
      - 2026-10-02   # 国庆节
      - 2026-10-05   # 国庆节
      - 2026-10-06   # 国庆节
      - 2026-10-07   # 国庆节
    workdays:                        # make-up working days (调休)
      - 2026-01-04   # 元旦 (Sun)
      - 2026-02-14   # 春节 (Sat)
      - 2026-02-28   # 春节 (Sat)
      - 2026-05-09   # 劳动节 (Sat)
      - 2026-09-20   # 国庆节 (Sun)
      - 2026-10-10   # 国庆节 (Sat)
"""

# Runs the command line with the extra's libraries made unimportable (a None entry in
# sys.modules makes `import` raise ImportError, as on a machine without them).
WITHOUT_EXTRA = ("import sys; sys.modules['chinese_calendar'] = None; sys.modules['holidays'] = None; "
                 "from engine.cli import main; sys.argv[0] = 'gongdan'; main()")


def test_china_2026_with_make_up_days() -> None:
    assert run_cli("calendar", "import", "--country", "CN", "--year", "2026") == (0, CN_2026, "")


def test_it_is_the_reference_calendar_date_for_date() -> None:
    """chinesecalendar's 2026 is cn-office's, as the reference config typed it by hand."""
    written = yaml.safe_load(CN_2026)["holiday_sets"]["cn-2026"]
    office = engine.load(REPO).compiled.calendars["cn-office"].spec
    assert sorted(str(d) for d in written["holidays"]) == sorted(d.isoformat() for d in office.holidays)
    assert sorted(str(d) for d in written["workdays"]) == sorted(d.isoformat() for d in office.workdays)


def test_another_country_from_the_holidays_package() -> None:
    code, out, _ = run_cli("calendar", "import", "--country", "de-by", "--year", "2026", "--name", "bavaria")
    assert code == 0
    assert out == (
        "# gongdan calendar import --country DE-BY --year 2026 --name bavaria\n"
        f"# from holidays {version('holidays')}; review it against the official announcement, then put the set\n"
        "# under `holiday_sets:` in sla_profiles.yaml and name it in a calendar: holiday_sets: [bavaria]\n"
        "holiday_sets:\n"
        "  bavaria:\n"
        "    country: DE-BY\n"
        f"    description: DE-BY 2026 public holidays (holidays {version('holidays')})\n"
        "    holidays:\n"
        "      - 2026-01-01   # New Year's Day\n"
        "      - 2026-01-06   # Epiphany\n"
        "      - 2026-04-03   # Good Friday\n"
        "      - 2026-04-06   # Easter Monday\n"
        "      - 2026-05-01   # Labor Day\n"
        "      - 2026-05-14   # Ascension Day\n"
        "      - 2026-05-25   # Pentecost Monday\n"
        "      - 2026-06-04   # Corpus Christi\n"
        "      - 2026-12-25   # Christmas Day\n"
        "    workdays: []\n")


def test_a_year_not_yet_published_exits_1() -> None:
    assert run_cli("calendar", "import", "--country", "CN", "--year", "2027") == (
        1, "", ("gongdan: calendar import: chinesecalendar has no schedule for 2027 yet (it has the years the State "
               "Council has announced): upgrade it once the year is announced, or write the dates by hand\n"))


def test_an_unknown_country_is_a_usage_error() -> None:
    code, _, err = run_cli("calendar", "import", "--country", "XX", "--year", "2026")
    assert code == 2
    assert err.endswith("Error: Invalid value for --country: the holidays library has no country 'XX': "
                        "Country XX not available\n")


def run_without_extra(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False)


def test_without_the_extra_import_says_which_extra_to_install() -> None:
    done = run_without_extra("calendar", "import", "--country", "CN", "--year", "2026")
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", ("gongdan: calendar import: chinesecalendar is not installed: it comes with the `holidays` extra "
               "(pip install 'gongdan[holidays]')\n"))


def test_without_the_extra_validate_skips_the_country_check_with_an_info_line(minimal: Path) -> None:
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text().replace("    timezone: Asia/Shanghai\n", "    timezone: Asia/Shanghai\n"
                                           "    country: CN\n", 1))
    done = run_without_extra("validate", "--gap-days", "0", str(minimal))
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == (
        "gongdan: info: calendar office declares a country, but its public holidays were not compared: the "
        f"`holidays` extra is not installed (pip install 'gongdan[holidays]')\n{minimal}: valid: 0 errors, 0 warnings\n")
    with_extra = run_cli("validate", "--gap-days", "0", str(minimal))
    assert with_extra[1].startswith(f"{minimal}/sla_profiles.yaml:6:14: warning[calendar.country-mismatch]: "
                                    "calendar 'office' differs from CN 2026 in chinesecalendar: ")  # compared
