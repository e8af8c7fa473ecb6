// Plain Kotlin/JVM: no Android classes, so the same sources compile for the phone and for
// the JVM check in CI. The uniffi bindings are generated from the host build of mitan-ffi
// into build/generated/uniffi, never committed and never edited.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("org.jetbrains.kotlin.jvm")
}

// Java 17 bytecode, as in :app. No toolchain: whichever JDK runs Gradle compiles (Android
// Studio's bundled JetBrains Runtime 17 or 21, or JAVA_HOME on the command line).
java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

val repoRoot = rootDir.parentFile
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi")
val cargoTarget = System.getenv("CARGO_TARGET_DIR") ?: "$repoRoot/target"
// Android Studio started from a desktop launcher often has no ~/.cargo/bin on its PATH.
val cargo = providers.gradleProperty("mitan.cargo").orNull
    ?: File(System.getenv("CARGO_HOME") ?: "${System.getProperty("user.home")}/.cargo", "bin/cargo")
        .takeIf { it.canExecute() }?.path
    ?: "cargo"
// The host's name for the cdylib that `cargo build` leaves in target/debug.
val hostLibrary = System.getProperty("os.name").let { os ->
    when {
        os.startsWith("Mac") -> "libmitan_ffi.dylib"
        os.startsWith("Windows") -> "mitan_ffi.dll"
        else -> "libmitan_ffi.so"
    }
}

// Library mode: uniffi reads the exported interface from the built library itself. The host
// library carries the same metadata as the phone builds, so one generation serves both.
// It runs through `sh` (on Windows, Git Bash's).
val generateBindings by tasks.registering(Exec::class) {
    group = "mitan"
    description = "Builds mitan-ffi for the host and generates its Kotlin bindings"
    workingDir = repoRoot
    inputs.dir("$repoRoot/bindings/src")
    inputs.dir("$repoRoot/core/src")
    inputs.dir("$repoRoot/core/migrations")
    inputs.files(
        "$repoRoot/Cargo.toml",
        "$repoRoot/Cargo.lock",
        "$repoRoot/core/Cargo.toml",
        "$repoRoot/bindings/Cargo.toml",
        "$repoRoot/bindings/uniffi.toml",
    )
    outputs.dir(generatedKotlin)
    commandLine(
        "sh", "-c",
        "'$cargo' build --locked -p mitan-ffi && " +
            "'$cargo' build --locked --manifest-path bindings/bindgen/Cargo.toml --target-dir '$cargoTarget' && " +
            "'$cargoTarget/debug/uniffi-bindgen' generate --library '$cargoTarget/debug/$hostLibrary' " +
            "--language kotlin --no-format --out-dir '${generatedKotlin.get().asFile}'",
    )
}

sourceSets {
    main { kotlin.srcDir(generatedKotlin) }
}

tasks.named("compileKotlin") { dependsOn(generateBindings) }

dependencies {
    // The app brings JNA's Android AAR (with its native dispatch library); the JVM check
    // brings the jar. The shared code only needs the API to compile.
    compileOnly(libs.jna)
    // OkHttp 3's API: the JVM check compiles against Debian's libokhttp-java (3.13).
    implementation(libs.okhttp)
    implementation(libs.coroutines.core)
}
