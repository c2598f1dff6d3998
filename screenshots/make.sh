#!/usr/bin/env bash
# Make the PNGs in screenshots/ from the explorer's golden screens
# (ui/testdata/TestGolden{Screens,Compare}/*.golden, the View() output the UI
# tests compare against; `go test ./ui -run TestGolden -update` rewrites them).
#
#   screenshots/make.sh            PNGs from the golden files as committed
#   screenshots/make.sh --update   re-render the golden files first, then the PNGs
#
# It installs freeze (the pinned version) into $(go env GOPATH)/bin when it
# is not there. No terminal is needed: a golden file is a frame as drawn.
set -euo pipefail

FREEZE_VERSION=v0.2.2
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/screenshots"
goldens="$root/ui/testdata"

freeze="$(go env GOPATH)/bin/freeze"
if ! "$freeze" --version 2>/dev/null | grep -q "${FREEZE_VERSION#v}"; then
	echo "installing freeze $FREEZE_VERSION"
	go install "github.com/charmbracelet/freeze@$FREEZE_VERSION"
fi

if [[ "${1:-}" == "--update" ]]; then
	(cd "$root" && go test ./ui -run 'TestGolden(Screens|Compare)$' -update >/dev/null)
fi

shopt -s nullglob
files=("$goldens"/TestGoldenScreens/*.golden "$goldens"/TestGoldenCompare/*.golden)
if (( ${#files[@]} == 0 )); then
	echo "no golden screens in $goldens: run with --update" >&2
	exit 1
fi

pngs=()
for f in "${files[@]}"; do
	name=$(basename "$f" .golden)
	# The window matches the theme the screen was drawn for, as a terminal would.
	bg="#16161E"
	[[ "$name" == *-light ]] && bg="#FAFAFC"
	"$freeze" --language ansi --window --background "$bg" \
		--font.size 14 --line-height 1.2 --padding 16 --margin 0 \
		-o "$out/$name.png" < <(cat "$f"; echo) >/dev/null # a golden file has no final newline
	chmod 0644 "$out/$name.png" # freeze writes 0600
	pngs+=("$out/$name.png")
	echo "wrote screenshots/$name.png"
done

# freeze draws at 4x; 2x is sharp enough and a quarter of the bytes.
(cd "$root" && go run ./screenshots/shrink -by 2 "${pngs[@]}")
