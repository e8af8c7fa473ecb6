// Plain Kotlin/JVM: no Android classes, so the same sources compile for the phone and for
// the JVM check in CI. The uniffi bindings are generated from the host build of mitan-ffi
// into build/generated/uniffi, never committed and never edited.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("org.jetbrains.kotlin.jvm")
}

java {
    toolchain { languageVersion.set(JavaLanguageVersion.of(17)) }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

val repoRoot = rootDir.parentFile
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi")
val cargoTarget = System.getenv("CARGO_TARGET_DIR") ?: "$repoRoot/target"

// Library mode: uniffi reads the exported interface from the built library itself. The host
// library carries the same metadata as the phone builds, so one generation serves both.
val generateBindings by tasks.registering(Exec::class) {
    group = "mitan"
    description = "Builds mitan-ffi for the host and generates its Kotlin bindings"
    workingDir = repoRoot
    inputs.dir("$repoRoot/bindings/src")
    inputs.dir("$repoRoot/core/src")
    outputs.dir(generatedKotlin)
    commandLine(
        "sh", "-c",
        "cargo build --locked -p mitan-ffi && " +
            "cargo build --locked --manifest-path bindings/bindgen/Cargo.toml --target-dir $cargoTarget && " +
            "$cargoTarget/debug/uniffi-bindgen generate --library $cargoTarget/debug/libmitan_ffi.so " +
            "--language kotlin --no-format --out-dir ${generatedKotlin.get().asFile}",
    )
}

sourceSets {
    main { kotlin.srcDir(generatedKotlin) }
}

tasks.named("compileKotlin") { dependsOn(generateBindings) }

dependencies {
    // The app brings JNA's Android AAR (with its native dispatch library); the JVM check
    // brings the jar. The shared code only needs the API to compile.
    compileOnly("net.java.dev.jna:jna:5.14.0")
    // OkHttp 3's API: the JVM check compiles against Debian's libokhttp-java (3.13).
    implementation("com.squareup.okhttp3:okhttp:3.14.9")
}
