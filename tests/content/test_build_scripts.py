"""The course build scripts in content/<slug>/build/ still make what is committed.

Each handout is rebuilt into a temporary folder and compared with the committed PDF page by page
(page count and text; the scripts fix the creation date, so an unchanged handout normally has the
same bytes, but the text is what a change to the words or layout would alter). The post-test is
reassembled from posttest-items/ and compared with posttest.yml.
"""

import importlib.util
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTENT = PROJECT_ROOT / "content"
FIRST_COURSE = CONTENT / "from-pull-out-to-push-in"
DEMO_COURSE = CONTENT / "demo-push-in-basics"
FONTS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def load(path: Path):
    """Import a build script by its path, as running it would (it finds scripts/ itself)."""
    spec = importlib.util.spec_from_file_location(
        f"build_{path.parent.parent.name}_{path.stem}", path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def assert_same_handout(built: Path, committed: Path) -> None:
    if built.read_bytes() != committed.read_bytes():
        assert pages(built) == pages(committed), built.name


@pytest.mark.skipif(not FONTS.is_file(), reason="needs the DejaVu fonts (fonts-dejavu-core)")
def test_first_course_handouts_rebuild_unchanged(tmp_path, monkeypatch, capsys):
    resources = load(FIRST_COURSE / "build/resources.py")
    monkeypatch.setattr(resources, "RESOURCES", tmp_path)
    for make in resources.HANDOUTS:
        built = make()
        assert_same_handout(built, FIRST_COURSE / "resources" / built.name)


@pytest.mark.skipif(not FONTS.is_file(), reason="needs the DejaVu fonts (fonts-dejavu-core)")
def test_demo_worksheet_rebuilds_unchanged(tmp_path, monkeypatch, capsys):
    worksheet = load(DEMO_COURSE / "build/worksheet.py")
    monkeypatch.setattr(worksheet, "OUTPUT", tmp_path / worksheet.OUTPUT.name)
    built = worksheet.build()
    assert_same_handout(built, DEMO_COURSE / "resources" / built.name)


def test_posttest_reassembles_unchanged(tmp_path, capsys):
    posttest = load(FIRST_COURSE / "build/posttest.py")
    assert posttest.main(out=tmp_path / "posttest.yml") == 0, capsys.readouterr().err
    built = yaml.safe_load((tmp_path / "posttest.yml").read_text(encoding="utf-8"))
    committed = yaml.safe_load((FIRST_COURSE / "posttest.yml").read_text(encoding="utf-8"))
    assert built == committed
