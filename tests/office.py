"""LibreOffice for tests: prove that a generated .docx or .xlsx opens in an office suite.

python-docx and openpyxl will happily write a file that Word or Excel then
refuses, so the document tests hand their bytes to LibreOffice headless and
read back what it made of them (PDF, plain text, CSV).

``require_libreoffice()`` (or the ``libreoffice`` fixture) skips a test on a
machine without ``soffice``, and fails it under CI=true, where LibreOffice is
installed (.ci/run: libreoffice-writer, libreoffice-calc, fonts-noto-cjk) and a
skipped proof would be a silent one.

Each conversion runs with its own throwaway profile
(``-env:UserInstallation``): two test processes sharing one profile lock each
other out, and a soffice that finds its profile locked exits 0 having
converted nothing. That is also why the output file is checked, not the exit code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT_SECONDS = 120

# --convert-to targets. Text and CSV are asked for in UTF-8 (76 is LibreOffice's
# code for UTF-8; the CSV options are: separator ",", quote '"', charset, first line 1).
PDF = "pdf"
TEXT = "txt:Text (encoded):UTF8"
CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@dataclass(frozen=True)
class LibreOffice:
    executable: str

    def convert(self, source: Path, target: str, outdir: Path | None = None) -> Path:
        """Convert ``source`` with ``--convert-to target``; return the output file.

        Fails the test, with LibreOffice's own output, when no non-empty file
        came out, whatever the exit code says.
        """
        source = Path(source)
        outdir = Path(outdir) if outdir is not None else source.parent
        extension = target.split(":", 1)[0]
        expected = outdir / f"{source.stem}.{extension}"
        if expected.exists():
            expected.unlink()
        with tempfile.TemporaryDirectory(prefix="duban-lo-profile-") as profile:
            command = [
                self.executable,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(source),
            ]
            result = _run(command)
        if not expected.is_file() or expected.stat().st_size == 0:
            pytest.fail(
                f"LibreOffice made no {expected.name} from {source.name} "
                f"(exit {result.returncode}).\n"
                f"command: {' '.join(command)}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return expected

    def pdf(self, source: Path, outdir: Path | None = None) -> Path:
        return self.convert(source, PDF, outdir)

    def text(self, source: Path, outdir: Path | None = None) -> str:
        """A Writer document's text (UTF-8, without the byte-order mark LibreOffice writes)."""
        return _read(self.convert(source, TEXT, outdir))

    def csv(self, source: Path, outdir: Path | None = None) -> str:
        """A workbook's first sheet as CSV, the values as LibreOffice computed and shows them."""
        return _read(self.convert(source, CSV, outdir))


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run soffice in its own process group, so a timeout can end it and its children."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"LibreOffice took over {TIMEOUT_SECONDS} s: {' '.join(command)}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def require_libreoffice() -> LibreOffice:
    """LibreOffice, or a skip here and a failure under CI=true (where it must be installed)."""
    executable = find_soffice()
    if executable is None:
        message = (
            "LibreOffice (soffice) is not installed: apt-get install -y "
            "--no-install-recommends libreoffice-writer libreoffice-calc"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the office-suite tests. {message}")
        pytest.skip(message)
    return LibreOffice(executable)


@pytest.fixture(name="libreoffice")
def libreoffice_fixture() -> LibreOffice:
    """Import ``libreoffice_fixture`` into a test module to use ``libreoffice`` as an argument."""
    return require_libreoffice()
