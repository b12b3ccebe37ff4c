# debian-apt.sh — sourced by the tools that fetch Debian i386 packages (linux-kernel.sh,
# busybox.sh). `debian_apt_init DIR` prepares a private apt state under DIR and fills the
# array `apt_opts` with the options that make apt-get/apt-cache use it:
#
#   DIR/state/  lists and an empty status file     DIR/cache/          apt's cache
#   DIR/sources.list.d/debian-i386.sources         DIR/preferences.d/  (empty)
#
# The machine's own apt configuration is left alone: apt runs with its state, cache, source
# list, preferences and status file redirected into DIR and with i386 as its only
# architecture (no `dpkg --add-architecture`, nothing under /etc/apt or /var/lib/apt changes).
# The source list is the machine's Debian archive (its first URI ending in /debian, else
# deb.debian.org) with this machine's release codename. `debian_apt_update TAG` runs
# `apt-get update` with those options; an index that fails (e.g. a mirror mid-sync) is
# reported but not fatal: the package lookup that follows decides.
debian_apt_init() {
    local apt=$1
    local tool
    for tool in apt-get apt-cache dpkg-deb; do
        command -v "$tool" >/dev/null || { echo "debian-apt: $tool not found (a Debian host is needed)" >&2; return 1; }
    done
    mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" \
        "$apt/preferences.d" "$apt/download"
    : > "$apt/state/status"

    local uri codename keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
          | grep -v '^\s*#' | grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
    uri=${uri:-http://deb.debian.org/debian}
    codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")
    {
        echo "Types: deb"
        echo "URIs: $uri"
        echo "Suites: $codename"
        echo "Components: main"
        [ -f "$keyring" ] && echo "Signed-By: $keyring"
    } > "$apt/sources.list.d/debian-i386.sources"
    debian_apt_source="$uri $codename"

    apt_opts=(
        -o "Dir::State=$apt/state"
        -o "Dir::State::status=$apt/state/status"
        -o "Dir::Cache=$apt/cache"
        -o "Dir::Etc::sourcelist=/dev/null"
        -o "Dir::Etc::sourceparts=$apt/sources.list.d"
        -o "Dir::Etc::preferencesparts=$apt/preferences.d"
        -o "APT::Architecture=i386"
        -o "APT::Architectures::=i386"
        -o "APT::Update::Post-Invoke-Success::="
        -o "Acquire::Languages=none"
        -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
        -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
        -o "APT::Sandbox::User=root"
    )
}

debian_apt_update() {
    echo "$1: apt-get update (i386, $debian_apt_source, private state)" >&2
    apt-get "${apt_opts[@]}" -q update >&2 || echo "$1: apt-get update reported errors; trying anyway" >&2
}
