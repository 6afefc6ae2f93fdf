"""Reading a built PDF the way a person's tools do: poppler's pdftotext and pdfinfo."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree


def pdf_text(path: Path) -> str:
    """The PDF's text with runs of white space made one space (pdftotext wraps lines)."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(done.stdout.decode("utf-8").split())


def pdf_info(path: Path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in done.stdout.splitlines())
    )


def word_heights(path: Path) -> list[tuple[str, float]]:
    """Every word with the height of its box in points (pdftotext -bbox), which is the font's
    ascent and descent: at least the font size for the fonts the print stylesheet names."""
    done = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    # -bbox writes XHTML; its namespace is the only thing in the way of ElementTree.
    xml = re.sub(rb'\sxmlns="[^"]+"', b"", done.stdout, count=1)
    root = ElementTree.fromstring(xml)
    return [
        (word.text or "", float(word.get("yMax", 0)) - float(word.get("yMin", 0)))
        for word in root.iter("word")
    ]


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’]+", text)
