#!/usr/bin/env python3
"""Makes NotoSansSC-Report.otf, the face of the PDF reports, from Debian's fonts-noto-cjk.

Noto Sans CJK SC Regular (SIL Open Font License 1.1, OFL.txt beside this file; no
reserved font name) cut down to what reports print: ASCII and Latin-1, general and
CJK punctuation, full-width forms, and the 6,763 characters of GB 2312 — under
3 MB instead of 16, so the binary (and a Lambda package) carries it.

    apt-get install fonts-noto-cjk && pip install fonttools
    python3 functions/core/fonts/subset.py
"""
import pathlib
from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC = 2  # Noto Sans CJK SC within the collection
OUT = pathlib.Path(__file__).with_name("NotoSansSC-Report.otf")


def characters():
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    chars |= {0x2116, 0x2160, 0x2161, 0x2162, 0x2163, 0x2164, 0x2460, 0x2461, 0x2462, 0x2463, 0x25CF, 0x25CB, 0x2605}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def main():
    font = TTCollection(SOURCE).fonts[SC]
    options = subset.Options()
    options.layout_features = ["kern", "vert", "locl"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
