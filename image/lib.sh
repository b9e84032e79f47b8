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

# The update bundles' signing key and certificate and the keyring the box trusts. Sets `signing_key`,
# `signing_cert` and `keyring`. A vendor gives all three (VTLINK_UPDATE_KEY, VTLINK_UPDATE_CERT,
# VTLINK_UPDATE_KEYRING: PEM files; the key may also be a PKCS#11 URL). Otherwise a development CA and
# a signing certificate from it are made once in $1 and reused, so later development bundles install
# on earlier development images. Development keys are for development only: anyone with a copy of
# this build folder can sign updates for boxes flashed from it.
update_keys() {
  local dir=$1
  if [ -n "${VTLINK_UPDATE_KEY:-}${VTLINK_UPDATE_CERT:-}${VTLINK_UPDATE_KEYRING:-}" ]; then
    signing_key=${VTLINK_UPDATE_KEY:?$me: VTLINK_UPDATE_KEY, VTLINK_UPDATE_CERT and VTLINK_UPDATE_KEYRING go together}
    signing_cert=${VTLINK_UPDATE_CERT:?$me: VTLINK_UPDATE_CERT is missing}
    keyring=${VTLINK_UPDATE_KEYRING:?$me: VTLINK_UPDATE_KEYRING is missing}
    return 0
  fi
  signing_key=$dir/signing.key.pem signing_cert=$dir/signing.cert.pem keyring=$dir/ca.cert.pem
  [ -f "$signing_key" ] && [ -f "$signing_cert" ] && [ -f "$keyring" ] && return 0
  echo "$me: making a development update key in $dir (see image/README.md \"Updates\" for your own)"
  mkdir -p "$dir" && chmod 0700 "$dir"
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/O=vtlink development/CN=vtlink development CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$dir/ca.key.pem" -out "$keyring" 2>/dev/null
  openssl req -newkey rsa:3072 -nodes -subj "/O=vtlink development/CN=vtlink development update signing" \
    -keyout "$signing_key" -out "$dir/signing.csr" 2>/dev/null
  openssl x509 -req -in "$dir/signing.csr" -CA "$keyring" -CAkey "$dir/ca.key.pem" -CAcreateserial -days 3650 \
    -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n') -out "$signing_cert" 2>/dev/null
  rm -f "$dir/signing.csr"
}
