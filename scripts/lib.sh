# scripts/lib.sh — shared by demo.sh and test.sh: installs what is missing,
# builds and installs the extension. Sourced, not run.

# Run privileged steps directly as root, through sudo otherwise.
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-common libipc-run-perl
          make g++ cmake libgtest-dev perl libpq-dev)

# ensure_packages: apt-get install whatever of PACKAGES is missing (idempotent).
ensure_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "== installing: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
	# Debian starts a default cluster on first install; nothing here uses it.
	if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main .*online'; then
		$SUDO pg_ctlcluster 15 main stop || true
	fi
}

# build_and_install: make, then make install (as root if needed).
build_and_install() {
	echo "== building"
	make -s -j"$(nproc)" >/dev/null
	$SUDO make -s install >/dev/null
}
