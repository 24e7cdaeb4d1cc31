# Sourced by the test, demo and bench scripts.
#
# cxm never touches the system's PostgreSQL installation while testing: it
# builds a private copy of it (binaries hard-linked, share/ copied), installs
# the extension into that copy with DESTDIR, and runs a throwaway server from
# it.  Several checkouts can therefore test at once without stepping on each
# other.  PostgreSQL finds share/ and lib/ relative to its own binary, so the
# copy behaves as a complete installation.

PG_CONFIG=${PG_CONFIG:-pg_config}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# the user that runs servers: initdb refuses root
if [ "$(id -u)" -eq 0 ]; then
	PG_RUN_AS=postgres
else
	PG_RUN_AS=$(id -un)
fi

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_RUN_AS" -- "$@"
	else
		"$@"
	fi
}

# cxm_tree DIR: private installation in DIR with cxm installed into it.
# Prints nothing; sets PGBIN to the tree's bin directory.
cxm_tree() {
	local dir=$1 bindir pkglibdir sharedir d
	bindir=$($PG_CONFIG --bindir)
	pkglibdir=$($PG_CONFIG --pkglibdir)
	sharedir=$($PG_CONFIG --sharedir)
	rm -rf "$dir"
	mkdir -p "$dir"
	for d in "$bindir" "$pkglibdir"; do
		mkdir -p "$dir$(dirname "$d")"
		cp -al "$d" "$dir$d" 2>/dev/null || cp -a "$d" "$dir$d"
	done
	mkdir -p "$dir$(dirname "$sharedir")"
	cp -a "$sharedir" "$dir$sharedir"
	make -C "$REPO" -s install DESTDIR="$dir" >/dev/null
	chmod -R a+rX "$dir$sharedir/extension" "$dir"
	PGBIN=$dir$bindir
}

# pick a free TCP port for a server
free_port() {
	local p
	for p in $(seq "${1:-55432}" 65000); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
