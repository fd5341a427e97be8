"""The whole-suite regrtest comparison: outcomes parsed from regrtest's log, files bad on one variant only."""

from __future__ import annotations

from pathlib import Path

from ownbench.whole_suite import bad_on_some_only, comparison_markdown, parse_outcomes, parse_reasons, verdicts

LOG = Path(__file__).parent / "fixtures" / "regrtest" / "owner-round1.log"


def record(variant: str, round_no: int, outcomes: dict[str, str]) -> dict[str, object]:
    return {"variant": variant, "round": round_no, "outcomes": outcomes, "wall_s": 600.0}


def test_every_kind_of_progress_line_is_classified() -> None:
    assert parse_outcomes(LOG.read_text().splitlines()) == {
        "test_list": "passed",
        "test_ssl": "env_changed",
        "test_socket": "failed",
        "test_winreg": "skipped",
        "test_tk": "resource_denied",
        "test_asyncio.test_subprocess": "timeout",
        "test_capi": "crashed",
    }


def test_failing_cases_and_errors_are_kept_as_the_reason() -> None:
    assert parse_reasons(LOG.read_text().splitlines()) == {
        "test_socket": ["ERROR: testRecvFrom", "OSError: [Errno 101] Network is unreachable"],
    }


def test_files_bad_on_owner_only_are_named_and_shared_failures_are_not() -> None:
    records = {
        "ft": [{**record("ft", 1, {"test_socket": "failed", "test_ssl": "passed", "test_list": "passed"}),
                "reasons": {"test_socket": ["OSError: no network"]}}],
        "owner": [record("owner", 1, {"test_socket": "failed", "test_ssl": "passed", "test_list": "passed"}),
                  record("owner", 2, {"test_socket": "failed", "test_ssl": "env_changed", "test_list": "passed"})],
    }
    found = {f.name: f for f in verdicts(records)}
    assert set(found) == {"test_socket", "test_ssl"}
    assert found["test_ssl"].bad_on("owner") and not found["test_ssl"].bad_on("ft")
    assert found["test_socket"].bad_on("ft") and found["test_socket"].bad_on("owner")
    text = comparison_markdown(records)
    assert "Files bad on `owner` and never on `ft`: `test_ssl` (passed, env_changed)." in text
    assert "| `test_socket` | failed | failed, failed | OSError: no network |" in text


def test_no_owner_only_file_says_none() -> None:
    records = {"ft": [record("ft", 1, {"test_socket": "failed"})],
               "owner": [record("owner", 1, {"test_socket": "failed"})]}
    assert "Files bad on `owner` and never on `ft`: **none**." in comparison_markdown(records)


def test_rounds_added_for_owner_alone_are_judged_against_ft_rounds_already_there() -> None:
    owner_rounds = [record("owner", 1, {"test_socket": "failed", "test_ssl": "passed"}),
                    record("owner", 2, {"test_socket": "failed", "test_ssl": "crashed"})]
    ft_passes = {"ft": [record("ft", 1, {"test_socket": "failed", "test_ssl": "passed"})], "owner": owner_rounds}
    assert [f.name for f in bad_on_some_only(ft_passes)] == ["test_ssl"]
    ft_crashes = {"ft": [record("ft", 1, {"test_socket": "failed", "test_ssl": "crashed"})], "owner": owner_rounds}
    assert bad_on_some_only(ft_crashes) == []
