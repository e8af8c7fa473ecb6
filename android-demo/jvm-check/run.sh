#!/usr/bin/env bash
# The JVM run of the Android app's Kotlin (issue 5), as CI runs it after `cargo test`:
#   1. builds the host library `libmitan_ffi.so` and uniffi's generator from bindings/;
#   2. generates the Kotlin bindings from that library (library mode; never committed);
#   3. compiles them with the shared repository/view-model module and this check (kotlinc);
#   4. sets up a district with `mitan admin` and starts `mitan serve` on 127.0.0.1;
#   5. runs the check on the JVM with JNA; it exits non-zero on any mismatch.
#
# Needs kotlinc (npm package `kotlin-compiler`; set KOTLINC or put it on PATH), JNA 5
# (Debian's libjna-java; set JNA_JAR), OkHttp 3 with Okio (Debian's libokhttp-java,
# libokio-java; set OKHTTP_JARS) and kotlinx-coroutines with atomicfu (Debian's
# libkotlinx-coroutines-java, libkotlinx-atomicfu-java; set COROUTINES_JARS).
# The server speaks TLS with a CA made for the run, which the phone pins at registration.
# `--bench` times instead: enrolments through Kotlin -> FFI, and a sync of 25 enrolments
# through the Kotlin transport beside the Rust field client's, on the same server.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/android-demo/jvm-check"
target="${CARGO_TARGET_DIR:-$root/target}"
profile_dir="$target/debug"
cargo_profile=()
if [ "${1:-}" = "--bench" ] && [ "${BENCH_PROFILE:-release}" = "release" ]; then
    # Timings compare optimised code on both sides of the FFI; BENCH_PROFILE=debug compares
    # the dev builds instead (dependencies are optimised there too), to spare a release build.
    profile_dir="$target/release"
    cargo_profile=(--release)
fi

kotlinc="${KOTLINC:-$(command -v kotlinc || true)}"
jna="${JNA_JAR:-/usr/share/java/jna.jar}"
okhttp="${OKHTTP_JARS:-/usr/share/java/okhttp.jar:/usr/share/java/okio.jar}"
coroutines="${COROUTINES_JARS:-/usr/share/java/kotlinx-coroutines-core.jar:/usr/share/java/atomicfu.jar}"
if [ -z "$kotlinc" ] || ! "$kotlinc" -version >/dev/null 2>&1; then
    echo "jvm-check: kotlinc not found: install it with 'npm install kotlin-compiler' and set KOTLINC" >&2
    echo "           to node_modules/kotlin-compiler/bin/kotlinc (.ci/run does this)" >&2
    exit 2
fi
if [ ! -f "$jna" ]; then
    echo "jvm-check: JNA not found at $jna: 'apt-get install libjna-java', or set JNA_JAR" >&2
    exit 2
fi
for jar in ${okhttp//:/ } ${coroutines//:/ }; do
    if [ ! -f "$jar" ]; then
        echo "jvm-check: $jar not found: 'apt-get install libokhttp-java libokio-java libkotlinx-coroutines-java" >&2
        echo "           libkotlinx-atomicfu-java', or set OKHTTP_JARS and COROUTINES_JARS" >&2
        exit 2
    fi
done
libraries="$jna:$okhttp:$coroutines"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== jvm-check: build libmitan_ffi, mitan and uniffi-bindgen"
if [ "${1:-}" = "--bench" ]; then
    # Apart, in this order: built together, mitan-cli's features would reach the library's
    # dependencies, and the library timed would not be the one a phone runs.
    (cd "$root" && cargo build --locked "${cargo_profile[@]}" -p mitan-cli && cargo build --locked "${cargo_profile[@]}" -p mitan-ffi)
else
    # Exactly what `cargo test --workspace --locked` builds (the README's first test command),
    # so after it this is a no-op: any other selection of packages would resolve features
    # differently and rebuild the core's dependencies a second time.
    (cd "$root" && cargo test --workspace --locked --no-run -q)
fi
# The generator is a package of its own (see bindings/bindgen/Cargo.toml), built into the
# same target directory.
cargo build --locked -q --manifest-path "$root/bindings/bindgen/Cargo.toml" --target-dir "$target"
# A test build leaves the cdylib in deps/ (only `cargo build` copies it up a directory).
library_dir="$profile_dir"
[ -f "$library_dir/libmitan_ffi.so" ] && [ "${1:-}" = "--bench" ] || library_dir="$profile_dir/deps"
library="$library_dir/libmitan_ffi.so"
[ -f "$library" ] || { echo "jvm-check: $library was not built" >&2; exit 1; }

echo "== jvm-check: generate Kotlin from $library"
"$target/debug/uniffi-bindgen" generate --library "$library" --language kotlin \
    --out-dir "$work/generated" --no-format
find "$work/generated" -name '*.kt' | sed "s|$work/||"

echo "== jvm-check: kotlinc (generated + android-demo/shared + jvm-check)"
"$kotlinc" -version 2>&1
# kotlinc's own status, not the filter's: a class it fails to write (a method too large) can
# still leave a jar behind.
kotlinc_status=0
"$kotlinc" -nowarn -jvm-target 17 -cp "$libraries" -include-runtime -d "$work/check.jar" \
    "$work/generated" "$root/android-demo/shared/src/main/kotlin" "$here/src" >"$work/kotlinc.log" 2>&1 \
    || kotlinc_status=$?
grep -v '^warning: .*kotlin-stdlib' "$work/kotlinc.log" || true
[ "$kotlinc_status" -eq 0 ] || { echo "jvm-check: kotlinc failed ($kotlinc_status)" >&2; exit 1; }
[ -f "$work/check.jar" ] || { echo "jvm-check: kotlinc produced no jar" >&2; exit 1; }

run_java() {
    java ${JAVA_OPTS:-} -Djna.library.path="$library_dir" -cp "$work/check.jar:$libraries" org.mitan.check.MainKt "$@"
}

# A district for `mitan serve`, the one-time codes the run uses, its CA, and the server on
# 127.0.0.1 over TLS. Sets $ca, $other_ca, $port, $server_pid.
start_district() {
    echo "== jvm-check: a district for mitan serve"
    db="$work/district.db"
    "$mitan" admin --db "$db" import-hierarchy --file "$here/district/hierarchy.csv"
    "$mitan" admin --db "$db" import-users --file "$here/district/users.csv"
    "$mitan" admin --db "$db" publish-notice --version 1 --language hi --file "$here/district/notice-hi.txt"
    "$mitan" admin --db "$db" publish-notice --version 1 --language en --file "$here/district/notice-en.txt"
    "$mitan" admin --db "$db" set-programme --code nasha_mukti --name-hi "नशा मुक्ति अभियान" --name-en "Nasha Mukti Abhiyan"

    # The district's CA and the server's certificate for 127.0.0.1, made as a district would; a
    # second CA stands for anyone else's.
    ca="$("$mitan" admin make-ca --district BSP --out-dir "$work/ca" | sed -n 's/^CA: //p')"
    other_ca="$("$mitan" admin make-ca --district XYZ --out-dir "$work/other-ca" | sed -n 's/^CA: //p')"
    "$mitan" admin make-cert --ca-dir "$work/ca" --host 127.0.0.1 --out-dir "$work/tls" >/dev/null

    # A free port from the kernel; the tiny window before mitan binds it is acceptable in CI.
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$mitan" serve --db "$db" --listen "127.0.0.1:$port" \
        --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server-key.pem" >"$work/server.log" 2>&1 &
    server_pid=$!
    wait_for_serve "https://127.0.0.1:$port" "$server_pid" "$work/server.log" "$work/ca/ca.pem"
    echo "mitan serve on https://127.0.0.1:$port (pid $server_pid), CA $ca"
}

# shellcheck source=scripts/wait-for-serve
source "$root/scripts/wait-for-serve"

code_for() { "$mitan" admin --db "$work/district.db" issue-code --badge "$1"; }

mitan="$profile_dir/mitan"

if [ "${1:-}" = "--bench" ]; then
    echo "== jvm-check: enrolment through Kotlin -> FFI (${BENCH_PROFILE:-release})"
    for run in 1 2 3; do
        run_java --mode bench --dir "$work/bench-$run" --count "${BENCH_COUNT:-300}" --warmup "${BENCH_WARMUP:-20}"
    done

    start_district
    echo "== jvm-check: a sync of 25 enrolments, Kotlin transport against the Rust field client"
    rust_ms=()
    kotlin_ms=()
    for run in 1 2 3; do
        field="$work/field-$run"
        "$mitan" field --dir "$field" register --server "https://127.0.0.1:$port" --code "$(code_for CG-001)" \
            --ca-fingerprint "$ca" >/dev/null
        for index in $(seq 0 24); do
            "$mitan" field --dir "$field" enrol --name-hi "रमेश साहू" --name-en "Ramesh Sahu" \
                --phone "97$(printf '%08d' $((run * 1000 + index)))" --gender male --age 30 --village 434521 \
                --household "मकान नं. $index" >/dev/null
        done
        line="$("$mitan" field --dir "$field" sync | grep 'synced in')"
        rust_ms+=("$(echo "$line" | sed -n 's/.*, \([0-9.]*\) ms:.*/\1/p')")
        echo "rust_field_sync run=$run $line"
        line="$(run_java --mode sync-bench --server "https://127.0.0.1:$port" --ca "$ca" --code "$(code_for CG-001)" \
            --dir "$work/kotlin-$run" --count 25 --offset $((run * 1000 + 500)))"
        kotlin_ms+=("$(echo "$line" | sed -n 's/.* ms=\([0-9.]*\) .*/\1/p')")
        echo "$line"
    done
    python3 - "${rust_ms[*]}" "${kotlin_ms[*]}" <<'PY'
import statistics, sys
rust = [float(x) for x in sys.argv[1].split()]
kotlin = [float(x) for x in sys.argv[2].split()]
r, k = statistics.median(rust), statistics.median(kotlin)
print(f"sync of 25 enrolments: Rust field client median {r:.1f} ms, Kotlin transport median {k:.1f} ms, ratio {k / r:.2f}")
PY
    exit 0
fi

start_district
constable_code="$(code_for CG-001)"
supervisor_code="$(code_for CG-100)"
recovery_code="$(code_for CG-001)"
# A second constable of the same beat, whose phone receives a camera's owner and removes it.
colleague_code="$(code_for CG-002)"

echo "== jvm-check: run on the JVM"
if ! run_java --server "https://127.0.0.1:$port" --ca "$ca" --other-ca "$other_ca" --dir "$work/phones" \
    --res "$root/android-demo/app/src/main/res" \
    --constable-code "$constable_code" --supervisor-code "$supervisor_code" \
    --recovery-code "$recovery_code" --colleague-code "$colleague_code"; then
    echo "jvm-check: FAILED; the server's log follows" >&2
    tail -50 "$work/server.log" >&2
    exit 1
fi
