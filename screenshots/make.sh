#!/usr/bin/env bash
# Make the PNGs in screenshots/ from the explorer's golden screen snapshots
# (ui/testdata/screens/*.ansi, written by `go test ./ui -run TestGoldenScreens -update`).
#
#   screenshots/make.sh            PNGs from the snapshots as committed
#   screenshots/make.sh --update   re-render the snapshots first, then the PNGs
#
# It installs freeze (the pinned version) into $(go env GOPATH)/bin when it
# is not there. No terminal is needed: the snapshots are View() output.
set -euo pipefail

FREEZE_VERSION=v0.2.2
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/screenshots"
snaps="$root/ui/testdata/screens"

freeze="$(go env GOPATH)/bin/freeze"
if ! "$freeze" --version 2>/dev/null | grep -q "${FREEZE_VERSION#v}"; then
	echo "installing freeze $FREEZE_VERSION"
	go install "github.com/charmbracelet/freeze@$FREEZE_VERSION"
fi

if [[ "${1:-}" == "--update" ]]; then
	(cd "$root" && go test ./ui -run TestGoldenScreens -update >/dev/null)
fi

shopt -s nullglob
files=("$snaps"/*.ansi)
if (( ${#files[@]} == 0 )); then
	echo "no snapshots in $snaps: run with --update" >&2
	exit 1
fi

pngs=()
for f in "${files[@]}"; do
	name=$(basename "$f" .ansi)
	# The window matches the theme the screen was drawn for, as a terminal would.
	bg="#16161E"
	[[ "$name" == *-light ]] && bg="#FAFAFC"
	"$freeze" --language ansi --window --background "$bg" \
		--font.size 14 --line-height 1.2 --padding 16 --margin 0 \
		-o "$out/$name.png" <"$f" >/dev/null
	chmod 0644 "$out/$name.png" # freeze writes 0600
	pngs+=("$out/$name.png")
	echo "wrote screenshots/$name.png"
done

# freeze draws at 4x; 2x is sharp enough and a quarter of the bytes.
(cd "$root" && go run ./screenshots/shrink -by 2 "${pngs[@]}")
