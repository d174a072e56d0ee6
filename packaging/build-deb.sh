#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds target/secumail_VERSION_all.deb with dpkg-deb: the jar, the launcher, the systemd unit,
# /etc/secumail/main.cf and master.cf (conffiles) and the maintainer scripts in
# packaging/debian/. VERSION is pom.xml's, with "-SNAPSHOT" as "~SNAPSHOT" so that the release
# sorts after it. The jar is built first when missing or older than the sources.
# No debhelper, no fakeroot: dpkg-deb --root-owner-group makes every file root's.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's|^  <version>\(.*\)</version>.*|\1|p' pom.xml | head -1)
[ -n "$version" ] || { echo "build-deb.sh: no <version> in pom.xml" >&2; exit 1; }
debversion=${version/-/\~}
jar=target/secumail.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -type f -print -quit)" ]; then
    echo "build-deb.sh: building $jar" >&2
    . scripts/jdk.sh
    mvn -B -ntp -q package -DskipTests
fi

root=target/deb
rm -rf "$root"
install -D -m 0644 "$jar" "$root/usr/share/secumail/secumail.jar"
install -D -m 0644 scripts/jvm-options "$root/usr/share/secumail/jvm-options"
install -D -m 0755 packaging/secumail "$root/usr/bin/secumail"
install -D -m 0644 packaging/secumail.service "$root/lib/systemd/system/secumail.service"
install -D -m 0644 packaging/main.cf "$root/etc/secumail/main.cf"
install -D -m 0644 packaging/master.cf "$root/etc/secumail/master.cf"
install -D -m 0644 docs/install.md "$root/usr/share/doc/secumail/install.md"
install -D -m 0644 README.md "$root/usr/share/doc/secumail/README.md"
install -d "$root/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "packaging/debian/$s" "$root/DEBIAN/$s"; done
printf '/etc/secumail/main.cf\n/etc/secumail/master.cf\n' >"$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$debversion/" -e "s/@SIZE@/$size/" packaging/debian/control >"$root/DEBIAN/control"

out="target/secumail_${debversion}_all.deb"
# -z1: the jar, nearly all of it, is compressed already (xz would take 30 s to save 1%)
dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$out" >/dev/null
echo "$out"
