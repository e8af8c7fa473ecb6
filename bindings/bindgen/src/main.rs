//! uniffi's generator, pinned to the uniffi version `mitan-ffi` is built with, so the Kotlin it
//! writes matches the metadata in the library it reads:
//! `cargo run --manifest-path bindings/bindgen/Cargo.toml -- generate --library …`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
