# Sourced by the scripts: export JAVA_HOME pointing at a JDK >= 21.
# The machines' default java is 17; a newer JDK lives beside it under /usr/lib/jvm.
_jdk_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
_jdk_ok() { [ -x "$1/bin/javac" ] && m=$(_jdk_major "$1") && [ -n "$m" ] && [ "$m" -ge 21 ]; }
if [ -n "${JAVA_HOME:-}" ] && _jdk_ok "$JAVA_HOME"; then :; else
  JAVA_HOME=
  for d in $(ls -d /usr/lib/jvm/* /opt/java/* /opt/jdk* 2>/dev/null | sort -rV); do
    if _jdk_ok "$d"; then JAVA_HOME=$d; break; fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "secumail: no JDK >= 21 found (looked in /usr/lib/jvm, /opt); install one, e.g. apt-get install openjdk-21-jdk-headless" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
