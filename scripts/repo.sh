# Helpers of this repository's own checks (the framework's fuzzing and fault tests), on
# top of scripts/lib.sh; a generated project does not get them.

# Python tools (schemathesis, openapi-spec-validator) in a virtual environment of their
# own, reinstalled when scripts/requirements.txt changes.
PYTHON_TOOLS=scripts/.venv
ensure_python_tools() {
  local stamp="$PYTHON_TOOLS/.mizan-requirements-sha" want
  want=$(sha256sum scripts/requirements.txt | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  step "Installing Python tools in $PYTHON_TOOLS (scripts/requirements.txt)"
  if ! python3 -m venv --clear "$PYTHON_TOOLS" 2>/dev/null; then
    ensure_debian python3:python3 /usr/share/doc/python3-venv:python3-venv
    python3 -m venv --clear "$PYTHON_TOOLS"
  fi
  "$PYTHON_TOOLS/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements.txt
  echo "$want" >"$stamp"
}
