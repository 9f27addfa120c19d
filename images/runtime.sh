#!/usr/bin/env bash
# Builds the runtime root shared by the service images: a jlink JRE from the build JDK in
# /opt/java, the shared libraries its binaries load (found with ldd on this machine), the
# non-root user, /home/nonroot and a world-writable /tmp. The images start FROM scratch because
# no base image can be pulled; Jib adds this folder to each image as an extra directory.
#
#   images/runtime.sh OUTPUT_DIR MODULES
#
# OUTPUT_DIR is rebuilt only when its stamp (JDK, module list, this script) changes, so the
# three service modules of one build share it; a lock keeps parallel builds (-T) from racing.
# Linux x86-64 with glibc only: the libraries are copied from this machine.
set -euo pipefail

out=$(realpath -m "${1:?usage: runtime.sh OUTPUT_DIR MODULES}")
modules=${2:?usage: runtime.sh OUTPUT_DIR MODULES}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
jlink="$java_home/bin/jlink"
[ -x "$jlink" ] || { echo "runtime.sh: no jlink in $java_home (set JAVA_HOME to a JDK)" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "runtime.sh: the images are linux/amd64; this machine is $(uname -m)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9

stamp="$("$java_home/bin/java" -version 2>&1 | tr '\n' ' ')|$java_home|$modules|$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-64)"
if [ -d "$out" ] && [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp" ]; then
  exit 0
fi

work="$out.tmp"
rm -rf "$work"
mkdir -p "$work/opt" "$work/etc" "$work/tmp" "$work/home/nonroot" "$work/lib/x86_64-linux-gnu" "$work/lib64"

# Linked from the JDK's own run-time image when it has no jmods (JDK 24+ builds such as Temurin's).
# java.desktop is there for java.beans (Hibernate, Weld); its AWT, font and sound libraries are
# left out: the services are headless, and those would pull X11 and ALSA into the image.
"$jlink" --add-modules "$modules" --output "$work/opt/java" \
  --strip-debug --no-man-pages --no-header-files --compress zip-6 \
  --exclude-files 'glob:/java.desktop/lib/**'

# Every ELF file of the JRE, and what each needs outside it. libjvm.so is found by libjli through
# the JRE's own paths, so ldd cannot resolve it from bin/java: that "not found" is expected.
needed=$(find "$work/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec sh -c 'ldd "$1" 2>/dev/null || true' _ {} \; \
  | awk '$2 == "=>" && $3 ~ /^\// { print $1 " " $3 } $1 ~ /^\/lib64\// { print "LOADER " $1 }' | sort -u)
while read -r name path; do
  case "$path" in "$work"/*) continue ;; esac
  if [ "$name" = LOADER ]; then
    cp -L "$path" "$work/lib64/$(basename "$path")"
  else
    cp -L "$path" "$work/lib/x86_64-linux-gnu/$name"
  fi
done <<< "$needed"
# A library a library needs (glibc's own dependencies) would be missing from the first pass.
for lib in "$work"/lib/x86_64-linux-gnu/*; do
  ldd "$lib" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $1 " " $3 }' | while read -r name path; do
    [ -e "$work/lib/x86_64-linux-gnu/$name" ] || cp -L "$path" "$work/lib/x86_64-linux-gnu/$name"
  done
done
[ -n "$(ls "$work/lib64")" ] || { echo "runtime.sh: ldd found no dynamic loader" >&2; exit 1; }
if find "$work/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec sh -c 'LD_LIBRARY_PATH="$2" ldd "$1" 2>/dev/null' _ {} "$work/opt/java/lib:$work/opt/java/lib/server" \; | grep -q 'not found'; then
  echo "runtime.sh: a library of the JRE has a dependency ldd cannot find on this machine" >&2
  exit 1
fi

cat > "$work/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$work/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
GROUP
# glibc's lookups of users and hosts read files and DNS only: there is no NSS module to load.
cat > "$work/etc/nsswitch.conf" <<'NSS'
passwd: files
group: files
hosts: files dns
NSS
# localhost resolves without a DNS server (Kubernetes mounts its own /etc/hosts over this one).
cat > "$work/etc/hosts" <<'HOSTS'
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
HOSTS
chmod 1777 "$work/tmp"

rm -rf "$out" "$out.stamp"
mv "$work" "$out"
echo "$stamp" > "$out.stamp"
echo "runtime.sh: $(du -sh "$out/opt/java" | cut -f1) JRE ($modules) in $out" >&2
