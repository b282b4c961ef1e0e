#!/bin/sh
# subset-font.sh builds the fonts of the server-drawn preview image
# (preview/fonts/): subsets of Noto Sans CJK JP Regular and Bold (SIL Open
# Font License 1.1, preview/fonts/OFL.txt) holding every character the
# preview can draw, from Debian's fonts-noto-cjk.
#
#   apt-get install -y fonts-noto-cjk python3-fonttools
#   scripts/subset-font.sh
#
# The characters are the preview's own strings (preset titles and run labels
# in English and Japanese, surface titles in both, digits and the rest),
# written by the server's test TestPreviewFontCoversText to
# preview/fonts/chars.txt, plus whole ranges for labels people type: ASCII,
# Latin-1 and Latin Extended-A, Greek, general punctuation, arrows and a few
# mathematical signs, CJK punctuation, hiragana, katakana and full-width
# forms. fontTools' subsetter keeps the outlines as CFF, which
# golang.org/x/image/font/sfnt reads; the output is the same for the same
# input (no timestamps are changed). The same test then checks that every
# character has a glyph in the fonts.
set -eu
cd "$(dirname "$0")/.."
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
py=${FONTTOOLS_PYTHON:-/usr/bin/python3}
out=preview/fonts
ranges='U+0020-007E,U+00A0-017F,U+0391-03A9,U+03B1-03C9,U+2010-2027,U+2030-203A,U+2190-2193,U+2212,U+221A,U+221E,U+2248,U+2260,U+2264,U+2265,U+3000-303F,U+3040-309F,U+30A0-30FF,U+FF01-FF5E'

for weight in Regular Bold; do [ -s "$out/NotoSansCJKjp-$weight-subset.otf" ] || : >"$out/NotoSansCJKjp-$weight-subset.otf"; done # the package embeds them
go test ./server -run '^TestPreviewFontCoversText$' -count=1 -args -write-font-chars="$PWD/$out/chars.txt"
for weight in Regular Bold; do
	"$py" -m fontTools.subset "$src/NotoSansCJK-$weight.ttc" --font-number=0 \
		--text-file="$out/chars.txt" --unicodes="$ranges" \
		--layout-features='' --no-hinting --desubroutinize \
		--name-IDs='0,1,2,3,4,5,6,13,14' --name-languages='*' \
		--output-file="$out/NotoSansCJKjp-$weight-subset.otf"
done

# The licence, with the copyright notice the font carries.
{
	"$py" -c 'import sys; from fontTools.ttLib import TTFont; print(TTFont(sys.argv[1])["name"].getDebugName(0))' "$out/NotoSansCJKjp-Regular-subset.otf"
	echo
	echo "preview/fonts/NotoSansCJKjp-Regular-subset.otf and NotoSansCJKjp-Bold-subset.otf are subsets of"
	echo "Noto Sans CJK JP (https://github.com/googlefonts/noto-cjk), made by scripts/subset-font.sh from"
	echo "Debian's fonts-noto-cjk package. They are licensed under the SIL Open Font License 1.1:"
	echo
	sed -n '/^License: SIL-1.1$/,/^License: /p' /usr/share/doc/fonts-noto-cjk/copyright |
		sed '1d;$d' | sed 's/^ //; s/^\.$//'
} >"$out/OFL.txt"
ls -l "$out"
