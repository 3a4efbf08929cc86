# Sourced by ./ferry, ./run-tests and .ci/run: picks a JDK 21 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm, then java on PATH.

ferry_java_version() { # prints the major version of the java binary $1, or 0
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  echo "${v%%.*}" | grep -E '^[0-9]+$' || echo 0
}

ferry_pick_jdk() {
  local candidate
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(ferry_java_version "$JAVA_HOME/bin/java")" -ge 21 ]; then
    return 0
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    if [ -x "${candidate}bin/javac" ] && [ "$(ferry_java_version "${candidate}bin/java")" -ge 21 ]; then
      export JAVA_HOME="${candidate%/}"
      return 0
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    if [ "$(ferry_java_version "$candidate/bin/java")" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  fi
  echo "ferry: needs a JDK 21 or newer (set JAVA_HOME); none found" >&2
  return 1
}

ferry_pick_jdk || exit 1
# JDK 24+ warns about Maven's own use of sun.misc.Unsafe; the flag silences it and is unknown before 24.
if [ "$(ferry_java_version "$JAVA_HOME/bin/java")" -ge 24 ]; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
