#!/usr/bin/env bash
# The station console in a real browser (issue 20), as CI runs it after `cargo test`:
#   1. sets up a district of two stations with `mitan admin`, in a state of two ranges (Durg's
#      under a zone, with a district of one station), and issues console codes, the DGP's
#      monitoring cell and Bilaspur's range IG among them;
#   2. starts `mitan serve` on 127.0.0.1 and has a field device (`mitan field`) enrol and sync,
#      one household holding HTML, and a Durg constable's enrol two;
#   3. drives headless Chromium (Debian's `chromium`) through playwright-core (npm) with
#      console.test.cjs, which prints each step, the page weights and axe-core's findings,
#      and exits non-zero on the first mismatch.
#
# Needs `chromium` and the npm packages playwright-core and axe-core (scripts/test-tools
# installs them and sets CONSOLE_NODE_MODULES).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/console"
mitan="${CARGO_TARGET_DIR:-$root/target}/debug/mitan"
modules="${CONSOLE_NODE_MODULES:-}"
if [ ! -x "$mitan" ]; then
    (cd "$root" && cargo build --locked -q -p mitan-cli --bin mitan)
fi
if [ -z "$modules" ] || [ ! -d "$modules/playwright-core" ]; then
    echo "console: playwright-core not found: source scripts/test-tools first" >&2
    exit 2
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "console: /usr/bin/chromium not found: apt-get install chromium" >&2
    exit 2
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== console: a district of two stations, in a state of two ranges"
db="$work/district.db"
"$mitan" admin --db "$db" import-hierarchy --file "$here/district/hierarchy.csv"
"$mitan" admin --db "$db" import-users --file "$here/district/users.csv"
printf 'सूचना: आपका नाम और मोबाइल नंबर मितान सूची में रखा जाएगा।\n' >"$work/notice-hi.txt"
"$mitan" admin --db "$db" publish-notice --version 1 --language hi --file "$work/notice-hi.txt"
code() { "$mitan" admin --db "$db" issue-code --badge "$1" --for console; }
export CODE_CG_100="$(code CG-100)" CODE_CG_200="$(code CG-200)" CODE_CG_900="$(code CG-900)" \
    CODE_CG_500="$(code CG-500)" CODE_CG_0010="$(code CG-0010)" CODE_CG_0101="$(code CG-0101)"
phone_code="$("$mitan" admin --db "$db" issue-code --badge CG-001)"
durg_code="$("$mitan" admin --db "$db" issue-code --badge CG-601)"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$mitan" serve --db "$db" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
# shellcheck source=scripts/wait-for-serve
source "$root/scripts/wait-for-serve"
wait_for_serve "http://127.0.0.1:$port" "$server_pid" "$work/server.log"
export MITAN_URL="http://127.0.0.1:$port" MITAN_BIN="$mitan" FIELD_DIR="$work/phone"

echo "== console: constable CG-001's phone enrols five (one twice) and syncs"
"$mitan" field --dir "$FIELD_DIR" register --server "$MITAN_URL" --code "$phone_code" >/dev/null
enrol() {
    "$mitan" field --dir "$FIELD_DIR" enrol --name-hi "$1" --name-en "$2" --phone "$3" \
        --gender "$4" --age 30 --village 434521 --household "$5" >/dev/null
}
enrol 'रमेश साहू' 'Ramesh Sahu' 9876543210 male 'मकान नं. 4'
enrol 'सुनीता वर्मा' 'Sunita Verma' 9876543211 female 'मकान नं. 5'
enrol 'प्रिया पटेल' 'Priya Patel' 9876543212 female '<script>alert(1)</script><img src=x onerror=alert(2)> "मकान"'
enrol 'विकास यादव' 'Vikas Yadav' 9876543213 male 'मकान नं. 7'
# Ramesh again, enrolled twice with one number: a duplicate candidate.
enrol 'रमेश साहु' 'Ramesh Sahu' 9876543210 male 'मकान 4'
# A private camera at Koni's chowk, and a women's group of the station made by rule.
"$mitan" field --dir "$FIELD_DIR" camera --owner-name 'फग्गूराम ध्रुव' --owner-phone 9407312468 \
    --lat 22.0797 --lon 82.1409 --village 434521 --direction ne --coverage 'चौक और बस स्टैंड' \
    --recording-days 30 >/dev/null
"$mitan" field --dir "$FIELD_DIR" sync >/dev/null
"$mitan" admin --db "$db" define-group --unit BSP-PS-KONI --code women --name-hi 'कोनी महिला समूह' \
    --name-en "Koni women's group" --rule 'volunteers gender=female' >/dev/null

echo "== console: constable CG-601's phone in Durg enrols two and syncs"
durg="$work/phone-durg"
"$mitan" field --dir "$durg" register --server "$MITAN_URL" --code "$durg_code" >/dev/null
for person in 'अजय निषाद|Ajay Nishad|9826012340|male' 'कविता साहू|Kavita Sahu|9826012341|female'; do
    IFS='|' read -r name_hi name_en phone gender <<<"$person"
    "$mitan" field --dir "$durg" enrol --name-hi "$name_hi" --name-en "$name_en" --phone "$phone" \
        --gender "$gender" --age 28 --village 434530 --household 'क्वार्टर 12' >/dev/null
done
"$mitan" field --dir "$durg" sync >/dev/null

echo "== console: headless Chromium"
if ! NODE_PATH="$modules" node "$here/console.test.cjs"; then
    echo "console: FAILED; the server's log follows" >&2
    tail -30 "$work/server.log" >&2
    exit 1
fi
