"""Suite-wide settings: in CI a skipped test is a failure, never a silent pass."""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not os.environ.get("CI") or reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and exitstatus == 0:
        reporter.write_line(
            f"CI: {len(skipped)} test(s) skipped; in CI every test must run "
            "(install the missing server or package instead)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
