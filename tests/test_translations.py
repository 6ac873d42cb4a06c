"""Every user-facing string has a Chinese translation; English is the source language."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_chinese_catalogue_is_complete(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "--ignore-dirs", ".* __pycache__", "-o", str(pot), "."],
        check=True, cwd=ROOT, capture_output=True,
    )
    with pot.open("rb") as template_file:
        template = read_po(template_file)
    with (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as catalogue_file:
        catalogue = read_po(catalogue_file)
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        strings = translated.string if translated else None
        if translated is None or translated.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == [], f"{len(missing)} strings lack a Chinese translation: {missing[:10]}"
