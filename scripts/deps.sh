# Sourced by scripts/demo and scripts/test: installs the Debian packages lowbit's build needs
# when any is missing (apt-get as root, sudo otherwise; `apt-get update` first on a fresh machine).
lowbit_install_deps() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "lowbit: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" ||
    { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${missing[@]}"; }
}
LOWBIT_BUILD_PACKAGES=(g++ cmake make libeigen3-dev libhwy-dev catch2 libbenchmark-dev zlib1g-dev)
