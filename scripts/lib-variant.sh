# shellcheck shell=bash
# scripts/lib-variant.sh: a second build of flowrun in a directory of its own, for
# the sanitizer variants (scripts/tsan.sh, scripts/fuzz.sh). Source it, then
#
#   variant_build DIR NAME CONFIGURE-ARGS...
#
# copies the source (the files git tracks, plus new ones it does not ignore) to
# DIR/src with their modification times, configures it there with the arguments
# (again only when configure.ac changed) and builds flowrun and the test programs;
# it leaves the shell in DIR/src. An in-tree build (./quickstart) makes a second,
# out-of-tree configure of the same source impossible, hence the copy; a second
# call rebuilds only what changed. .tools/ is linked, not copied. NAME prefixes
# the progress lines on stderr. Returns 77 (a skip) outside a git checkout.

# variant_say NAME TEXT: one progress line.
variant_say() {
	printf '%s: %s\n' "$1" "${*:2}" >&2
}

variant_build() {
	local dir=$1 name=$2 src
	shift 2
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	unset MAKEFLAGS MFLAGS MAKELEVEL # when run from a make check: the nested make is a make of its own
	if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		variant_say "$name" "needs a git checkout (the copy is made of the files git knows)"
		return 77
	fi
	mkdir -p "$dir/src"
	variant_say "$name" "copying the source to $dir/src"
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		tar -C "$src" --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$dir/src" -xpf -
	[ -e "$src/.tools" ] && ln -sfn "$(readlink -f "$src/.tools")" "$dir/src/.tools"
	cd "$dir/src" || return 1
	if ! [ -x configure ] || [ configure.ac -nt configure ]; then
		variant_say "$name" "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi || return 1
	fi
	if ! [ -f Makefile ] || [ configure -nt Makefile ]; then
		variant_say "$name" "configure $*"
		./configure -q "$@" >/dev/null || return 1
	fi
	variant_say "$name" "make"
	make -s -j"$(nproc)" >/dev/null 2>&1 || make -s -j1 || return 1
	make -s -j"$(nproc)" check TESTS= >/dev/null 2>&1 || make -s -j1 check TESTS= || return 1
}
