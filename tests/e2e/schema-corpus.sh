#!/bin/bash
# schema-corpus.sh: schema/plan.schema.json agrees with the plans and the plan corpus (TAP).
#
# The JSON Schema is the contract for editors and CI; the C validator is the
# authority at run time. This test keeps the two in agreement: the schema is
# valid draft-07; every plan under plans/, tests/corpus/pass/, warn/ and limits/, and every file
# of tests/corpus/lib/ that they extend, is accepted; every must-fail plan of
# tests/corpus/fail/ is rejected, except those listed in
# tests/corpus/schema-accepts.txt with the reason JSON Schema cannot express
# their rule — and those must really be accepted, so that the list stays exact.
# (Library files extended only by must-fail plans are not judged on their own:
# the must-fail plan that extends them is.)
#
# YAML is converted to JSON with the js-yaml that ajv-cli itself uses before
# ajv sees it: ajv-cli falls back to require()-ing a data file it cannot parse,
# which would run a broken .yaml file as JavaScript.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
set -u

cd "$top_srcdir" || exit 1
ajv=node_modules/.bin/ajv
schema=schema/plan.schema.json
accepts=tests/corpus/schema-accepts.txt

command -v node >/dev/null 2>&1 || tap_skip_all "node not installed"
[ -x "$ajv" ] || tap_skip_all "ajv-cli not installed (run npm ci)"

tmp=$FR_TMP

shopt -s nullglob
plans=(plans/*.yaml plans/common/*.yaml tests/corpus/pass/*.yaml tests/corpus/warn/*.yaml tests/corpus/limits/*.yaml)
libs=(tests/corpus/lib/*.yaml)
must_fail=(tests/corpus/fail/*.yaml)
all=("${plans[@]}" "${libs[@]}" "${must_fail[@]}")
declare -A idx=()
for i in "${!all[@]}"; do
	idx[${all[$i]}]=$i
done

# YAML → JSON: $tmp/N.json for file N, or $tmp/N.err with the parse error;
# $tmp/N.ext holds the file it extends, relative to the source root.
node -e '
const fs = require("fs"), path = require("path");
const yaml = require(require.resolve("js-yaml", { paths: [path.resolve("node_modules/ajv-cli")] }));
const out = process.argv[1];
process.argv.slice(2).forEach((f, i) => {
	try {
		const v = yaml.safeLoad(fs.readFileSync(f, "utf8"), { filename: f });
		fs.writeFileSync(path.join(out, i + ".json"), JSON.stringify(v === undefined ? null : v));
		if (v && typeof v.extends === "string")
			fs.writeFileSync(path.join(out, i + ".ext"), path.normalize(path.join(path.dirname(f), v.extends)));
	} catch (e) {
		fs.writeFileSync(path.join(out, i + ".err"), String(e.message).split("\n")[0]);
	}
});' "$tmp" "${all[@]}"

# The must-pass set: the plans, and the library files they extend (transitively).
must_pass=("${plans[@]}")
declare -A extended=()
for ((q = 0; q < ${#must_pass[@]}; q++)); do
	i=${idx[${must_pass[$q]}]}
	[ -f "$tmp/$i.ext" ] || continue
	e=$(cat "$tmp/$i.ext")
	if [ -n "${idx[$e]+set}" ] && [ -z "${extended[$e]+set}" ] && [[ $e == tests/corpus/lib/* ]]; then
		extended[$e]=1
		must_pass+=("$e")
	fi
done
unjudged=()
for f in "${libs[@]}"; do
	[ -n "${extended[$f]+set}" ] || unjudged+=("$f")
done

# Reasons from schema-accepts.txt, keyed by file name ("FILE: reason" lines).
declare -A reason=()
bad_accept_lines=()
if [ -f "$accepts" ]; then
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '#'* | '') continue ;; esac
		f=${line%%:*}
		r=${line#*:}
		r=${r# }
		if [ "$f" = "$line" ] || [ -z "$r" ]; then
			bad_accept_lines+=("$line (no reason)")
		elif [ ! -f "tests/corpus/fail/$f" ]; then
			bad_accept_lines+=("$f (no such file in tests/corpus/fail/)")
		else
			reason[$f]=$r
		fi
	done <"$accepts"
fi

# One ajv run over every parsed file; "F valid" on stdout, "F invalid" + errors on stderr.
args=()
for i in "${!all[@]}"; do
	[ -f "$tmp/$i.json" ] && args+=(-d "$tmp/$i.json")
done
declare -A verdict=() errors=()
if [ ${#args[@]} -gt 0 ]; then
	"$ajv" validate --spec=draft7 --strict=false --all-errors --errors=line -s "$schema" "${args[@]}" \
		>"$tmp/out" 2>"$tmp/err"
	while read -r f v; do
		[ "$v" = valid ] && verdict[$f]=valid
	done <"$tmp/out"
	last=
	while IFS= read -r line; do
		case $line in
		"$tmp/"*" invalid") last=${line% invalid}; verdict[$last]=invalid ;;
		*) [ -n "$last" ] && errors[$last]+="$line" ;;
		esac
	done <"$tmp/err"
fi

# Sets $v to the verdict of FILE (valid, invalid or unparsable) and $why to a one-line reason.
judge() {
	local i=${idx[$1]}
	if [ -f "$tmp/$i.err" ]; then
		v=unparsable
		why="not YAML: $(cat "$tmp/$i.err")"
	else
		v=${verdict[$tmp/$i.json]:-missing}
		why=${errors[$tmp/$i.json]:-}
	fi
}

tap_plan $((3 + ${#must_pass[@]} + ${#must_fail[@]}))

out=$("$ajv" compile --spec=draft7 --strict=false -s "$schema" 2>&1)
tap_ok $? "$schema is a valid draft-07 schema" "$out"

unmarked=()
for f in plans/*.yaml plans/common/*.yaml; do
	first=$(head -n 1 "$f")
	# shellcheck disable=SC2016 # a literal $schema
	rel=${first#'# yaml-language-server: $schema='}
	if [ "$rel" = "$first" ] || [ ! "$(dirname "$f")/$rel" -ef "$schema" ]; then
		unmarked+=("$f")
	fi
done
tap_check "every plan under plans/ starts with a yaml-language-server \$schema line that points at $schema" \
	"${unmarked[*]:+wrong or missing in: ${unmarked[*]}}"

tap_check "every line of $accepts names a must-fail plan and gives a reason" \
	"$([ ${#bad_accept_lines[@]} -eq 0 ] || printf 'bad line: %s\n' "${bad_accept_lines[@]}")"

accepted=0
for f in "${must_pass[@]}"; do
	judge "$f"
	if [ "$v" = valid ]; then
		accepted=$((accepted + 1))
		tap_ok 0 "schema accepts $f"
	else
		tap_ok 1 "schema accepts $f ($v)" "$why"
	fi
done

rejected=0
needs_c=()
for f in "${must_fail[@]}"; do
	b=${f##*/}
	judge "$f"
	if [ -n "${reason[$b]+set}" ]; then
		needs_c+=("$b")
		[ "$v" = valid ]
		tap_ok $? "schema accepts $f: only the C validator rejects it (${reason[$b]})" \
			"the schema now rejects it ($v): remove its line from $accepts"
	elif [ "$v" = invalid ] || [ "$v" = unparsable ]; then
		rejected=$((rejected + 1))
		tap_ok 0 "schema rejects $f ($v)"
	else
		tap_ok 1 "schema rejects $f ($v)" \
			"the schema accepts it: tighten $schema, or list it in $accepts with the reason the schema cannot"
	fi
done

[ ${#unjudged[@]} -gt 0 ] && echo "# not judged alone (extended only by must-fail plans): ${unjudged[*]}"
list=$(printf '%s, ' "${needs_c[@]}")
echo "# $accepted of ${#must_pass[@]} must-pass plans accepted by the schema;" \
	"$rejected of ${#must_fail[@]} must-fail plans rejected by the schema;" \
	"${#needs_c[@]} need the C validator${needs_c[*]:+: ${list%, }}"
tap_done
