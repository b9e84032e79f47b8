# Shared by image/build.sh (the disk image) and image/jetson/build-container.sh (the Jetson container):
# sourced, not run. Messages name the calling script.
me=${0##*/}

# The Debian mirror: $1 when given, else the one apt uses on this machine (deb822 sources). Sets
# `mirror` and `security`.
debian_mirrors() {
  mirror=$1
  if [ -z "$mirror" ]; then
    mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -m1 '/debian/\?$' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
  fi
  mirror=${mirror%/}
  security=${mirror%/debian}/debian-security
}

# Lets this machine run binaries of Debian architecture $1 (mmdebstrap runs its maintainer scripts).
foreign_arch_support() {
  local arch=$1
  [ "$arch" = "$(dpkg --print-architecture)" ] && return 0
  arch-test "$arch" >/dev/null 2>&1 && return 0
  # A container may have binfmt_misc unmounted: mount it and let qemu-user-static register itself.
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable "qemu-${arch/arm64/aarch64}" || true
  arch-test "$arch" || { echo "$me: cannot run $arch binaries (apt-get install qemu-user-static binfmt-support arch-test)" >&2; exit 1; }
}

# The addon cross-built for $1 at $2, rebuilt when an addon source is newer than the last build (a
# stale addon would ship old fixes).
cross_addon() {
  local arch=$1 addon=$2 repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if [ ! -f "$addon" ] || [ -n "$(find "$repo/addon" "$repo/binding.gyp" -newer "$addon" -print -quit)" ]; then
    "$repo/image/build-addon-cross.sh" "$arch" "$addon"
  fi
}

# Node 20 for Debian architecture $1 (image/node.lock: npm package and its sha512 integrity), unpacked
# under $2 as package/bin/node and package/LICENSE.
fetch_node() {
  local arch=$1 dest=$2 lock spec integrity got
  lock=$(dirname "${BASH_SOURCE[0]}")/node.lock
  read -r spec integrity < <(awk -v a="$arch" '$1 == a { print $2, $3 }' "$lock")
  mkdir -p "$dest"
  (cd "$dest" && npm pack "$spec" --silent --json > pack.json)
  got=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].integrity)' "$dest/pack.json")
  [ "$got" = "$integrity" ] || { echo "$me: $spec integrity $got != $integrity" >&2; exit 1; }
  tar -xzf "$dest"/*.tgz -C "$dest" package/bin/node package/LICENSE
}
