#!/usr/bin/env bash
# Build the sdist and the wheel, install the wheel in a fresh venv, and check
# that what a user gets works: the version, the dependencies, the import, the
# command line (python -m websessions, and the websessions console script
# once pyproject.toml declares it).
#
#   scripts/check-package.sh             as CI does: isolated build, dependencies
#                                        (cryptography, then click) from the index
#   scripts/check-package.sh --offline   no network: build with this environment's
#                                        hatchling, and give the fresh venv this
#                                        environment's cryptography and click
#   scripts/check-package.sh --keep DIR  also copy the built sdist and wheel to DIR
#
# Uses .venv/bin/python when it exists (PYTHON=... to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ -n ${PYTHON:-} ]]; then
    PY=$PYTHON
elif [[ -x .venv/bin/python ]]; then
    PY=$ROOT/.venv/bin/python
else
    PY=python3
fi

OFFLINE=0
KEEP=
while [[ $# -gt 0 ]]; do
    case $1 in
        --offline) OFFLINE=1 ;;
        --keep) KEEP=${2:?--keep needs a directory}; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "check-package: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/websessions-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
step() { printf '== %s\n' "$*"; }
fail() { printf 'check-package: FAILED: %s\n' "$*" >&2; exit 1; }

VERSION=$("$PY" -c 'import ast, sys
for node in ast.parse(open(sys.argv[1]).read()).body:
    if isinstance(node, ast.Assign) and node.targets[0].id == "__version__":
        print(ast.literal_eval(node.value))' src/websessions/__about__.py)
[[ -n $VERSION ]] || fail "no __version__ in src/websessions/__about__.py"

# -- 1. build ------------------------------------------------------------------
if [[ $OFFLINE == 1 ]]; then
    "$PY" -c 'import hatchling' 2>/dev/null || {
        echo "check-package: --offline builds with this environment's hatchling, and $PY has none" >&2
        echo "  (pip install hatchling, or add it to the [test] extra)" >&2
        exit 3
    }
    step "building sdist and wheel $VERSION (no isolation)"
    "$PY" -m build --no-isolation --quiet --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 \
        || { cat "$WORK/build.log" >&2; fail "python -m build"; }
else
    step "building sdist and wheel $VERSION"
    "$PY" -m build --quiet --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 \
        || { cat "$WORK/build.log" >&2; fail "python -m build"; }
fi

# What follows runs the fresh venv: nothing of this environment may leak into it.
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV

WHEEL=$WORK/dist/websessions-$VERSION-py3-none-any.whl
SDIST=$WORK/dist/websessions-$VERSION.tar.gz
[[ -f $WHEEL ]] || fail "no wheel named $(basename "$WHEEL") (version from one place?): $(ls "$WORK/dist")"
[[ -f $SDIST ]] || fail "no sdist named $(basename "$SDIST"): $(ls "$WORK/dist")"
if [[ -n $KEEP ]]; then
    mkdir -p "$KEEP" && cp "$WHEEL" "$SDIST" "$KEEP"/
fi

# -- 2. what is inside ---------------------------------------------------------
step "checking the contents of the wheel and the sdist"
"$PY" - "$WHEEL" "$SDIST" "$VERSION" <<'PYTHON' || fail "contents"
import sys
import tarfile
import zipfile

wheel, sdist, version = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
problems = []
for needed in (
    "websessions/__init__.py",
    "websessions/__about__.py",
    "websessions/__main__.py",
    "websessions/cli.py",
    "websessions/py.typed",
    "websessions/stores/__init__.py",
    "websessions/serializers/__init__.py",
    "websessions/adapters/__init__.py",
):
    if needed not in names:
        problems.append(f"the wheel lacks {needed}")
for name in names:
    top = name.split("/", 1)[0]
    if not (top == "websessions" or top.startswith("websessions-")):
        problems.append(f"the wheel ships {name} outside the package")
meta = zipfile.ZipFile(wheel).read(f"websessions-{version}.dist-info/METADATA").decode()
extras = {line.split(":", 1)[1].strip() for line in meta.splitlines()
          if line.startswith("Provides-Extra:")}
for extra in ("redis", "sql", "flask", "starlette", "django", "aiohttp", "fast", "cli", "all"):
    if extra not in extras:
        problems.append(f"the wheel has no [{extra}] extra")
members = tarfile.open(sdist).getnames()
root = f"websessions-{version}"
for needed in ("pyproject.toml", "README.md", "CHANGELOG.md", "src/websessions/__about__.py"):
    if f"{root}/{needed}" not in members:
        problems.append(f"the sdist lacks {needed}")
for name in members:
    if "/.venv/" in name or "/site/" in name or name.endswith(".pyc"):
        problems.append(f"the sdist ships {name}")
        break
print(f"   wheel: {len(names)} files; sdist: {len(members)} files; extras: {', '.join(sorted(extras))}")
if problems:
    print("\n".join("   " + p for p in problems), file=sys.stderr)
    sys.exit(1)
PYTHON

# -- 3. a fresh venv -----------------------------------------------------------
step "installing the wheel in a fresh venv"
VENV=$WORK/venv
"$PY" -m venv "$VENV"
VPY=$VENV/bin/python
SITE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# Offline, the fresh venv sees this environment's copy of a distribution and
# what it needs, linked into a folder of its own, as if pip had installed them.
link_dists() {
    "$PY" - "$@" <<'PYTHON'
import importlib.metadata as md
import os
import re
import sys

target, names = sys.argv[1], sys.argv[2:]
os.makedirs(target, exist_ok=True)
seen = set()

def wanted(requirement):
    name, _, marker = requirement.partition(";")
    if "extra ==" in marker:
        return None
    if marker.strip():
        from packaging.markers import Marker
        if not Marker(marker).evaluate():
            return None
    return re.split(r"[\s<>=!~\[(]", name.strip(), maxsplit=1)[0]

def link(name):
    key = name.lower().replace("_", "-")
    if key in seen:
        return
    seen.add(key)
    dist = md.distribution(name)
    for file in dist.files or ():
        top = file.parts[0]
        if top.endswith(".pth") or top == ".." or top == "__pycache__":
            continue
        source = os.path.join(str(dist.locate_file("")), top)
        destination = os.path.join(target, top)
        if os.path.exists(source) and not os.path.lexists(destination):
            os.symlink(source, destination)
    for requirement in dist.requires or ():
        dependency = wanted(requirement)
        if dependency:
            link(dependency)

for name in names:
    link(name)
PYTHON
}

if [[ $OFFLINE == 1 ]]; then
    link_dists "$WORK/core-deps" cryptography
    echo "$WORK/core-deps" >"$SITE/_check_package_core.pth"
    PIP_INSTALL=("$VPY" -m pip install --quiet --no-index --disable-pip-version-check)
else
    PIP_INSTALL=("$VPY" -m pip install --quiet --disable-pip-version-check)
fi
"${PIP_INSTALL[@]}" "$WHEEL"

# Run from elsewhere, so the source tree can't stand in for the installed package.
cd "$WORK"

step "checking the installed package"
"$VPY" - "$VERSION" "$VENV" <<'PYTHON' || fail "the installed package"
import importlib.metadata as md
import importlib.util
import re
import sys

version, venv = sys.argv[1:]
import websessions as ws

assert ws.__file__.startswith(venv), f"imported {ws.__file__}, not the venv's copy"
assert ws.__version__ == version, (ws.__version__, version)
assert md.version("websessions") == version, md.version("websessions")
core = sorted(
    re.split(r"[\s<>=!~\[(;]", r, maxsplit=1)[0].lower()
    for r in md.requires("websessions") or []
    if "extra ==" not in r
)
assert core == ["cryptography"], f"the core install requires {core}, not just cryptography"
assert importlib.util.find_spec("click") is None, "click came with the core install"

hash_key, block_key = ws.generate_random_key(32), ws.generate_random_key(32)
codec = ws.SecureCookie(hash_key, block_key)
assert codec.decode("s", codec.encode("s", {"n": 1, 2: (3,)})) == {"n": 1, 2: (3,)}
environ = {"REQUEST_METHOD": "GET"}
store = ws.CookieStore(hash_key, block_key)
session = store.get(environ, "s")
session.values["user"] = "ada"
headers = []
session.save(environ, headers)
cookie = headers[0][1].split(";", 1)[0]
again = store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": cookie}, "s")
assert again.values == {"user": "ada"} and not again.is_new, again
print(f"   websessions {ws.__version__} from {ws.__file__}: imports, encodes, decodes")
PYTHON

step "without the [cli] extra, the command says what to install"
without_click() {
    local code=0
    "$@" --help >"$WORK/out" 2>"$WORK/err" || code=$?
    [[ $code == 1 ]] || fail "$*: expected exit code 1 without click, got $code: $(cat "$WORK/err")"
    grep -q "pip install 'websessions\[cli\]'" "$WORK/err" || fail "$*: no hint: $(cat "$WORK/err")"
    ! grep -q Traceback "$WORK/err" || fail "$*: a traceback, not a message: $(cat "$WORK/err")"
}
without_click "$VPY" -m websessions
if [[ -x $VENV/bin/websessions ]]; then
    without_click "$VENV/bin/websessions"
fi

# -- 4. the command line -------------------------------------------------------
step "installing websessions[cli]"
if [[ $OFFLINE == 1 ]]; then
    link_dists "$WORK/cli-deps" click
    echo "$WORK/cli-deps" >"$SITE/_check_package_cli.pth"
fi
"${PIP_INSTALL[@]}" "$WHEEL[cli]"

step "python -m websessions --help"
"$VPY" -m websessions --help >"$WORK/help"
grep -q "^Usage: python -m websessions" "$WORK/help" || fail "unexpected help: $(cat "$WORK/help")"
for command in keygen decode encode gc rotate-check; do
    "$VPY" -m websessions "$command" --help >/dev/null || fail "$command --help"
done

if [[ -x $VENV/bin/websessions ]]; then
    step "websessions --help (console script)"
    "$VENV/bin/websessions" --help >"$WORK/help"
    grep -q "^Usage: websessions" "$WORK/help" || fail "unexpected help: $(cat "$WORK/help")"
    CLI=("$VENV/bin/websessions")
else
    echo "   note: no websessions console script: pyproject.toml has no [project.scripts] entry yet"
    CLI=("$VPY" -m websessions)
fi
[[ $("${CLI[@]}" --version) == "websessions, version $VERSION" ]] || fail "--version"

step "keygen, encode and decode in the fresh venv"
WEBSESSIONS_KEYS=$("${CLI[@]}" keygen --format env | cut -d= -f2)
export WEBSESSIONS_KEYS
COOKIE=$("${CLI[@]}" encode --name session '{"user": "ada"}')
"${CLI[@]}" decode --name session --compact "$COOKIE" >"$WORK/decoded"
grep -q '"values": {"user": "ada"}' "$WORK/decoded" || fail "decode: $(cat "$WORK/decoded")"

step "package OK: websessions $VERSION ($(basename "$WHEEL"), $(basename "$SDIST"))"
