import java.util.Properties
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

// The ABIs that cargo-ndk builds libmitan_ffi.so for and that the APK carries. Phones in the field
// are arm64-v8a, older 32-bit ones armeabi-v7a; x86_64 is the emulator on a laptop.
// `-Pmitan.abis=x86_64` (comma-separated) builds fewer, e.g. for a quicker emulator round.
val allAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val abis: List<String> = providers.gradleProperty("mitan.abis").orNull
    ?.split(',')?.map { it.trim() }?.filter { it.isNotEmpty() }
    ?: allAbis
require(abis.isNotEmpty() && allAbis.containsAll(abis)) {
    "mitan.abis must be a comma-separated subset of $allAbis, not $abis"
}
val appMinSdk = 24
val repoRoot: File = rootDir.parentFile
// cargo-ndk's output: build output, never committed.
val rustJniLibs: File = layout.buildDirectory.dir("generated/jniLibs").get().asFile

android {
    namespace = "org.mitan.demo"
    compileSdk = 35
    // Optional: `-Pmitan.ndkVersion=<a folder name under <sdk>/ndk/>` pins the NDK for both AGP
    // and cargo-ndk; without it cargo-ndk takes the newest NDK installed (see cargoNdk below).
    providers.gradleProperty("mitan.ndkVersion").orNull?.let { ndkVersion = it }

    defaultConfig {
        applicationId = "org.mitan.demo"
        minSdk = appMinSdk
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += abis }
    }

    buildFeatures {
        compose = true
    }

    // Android 13+ per-app language: AGP writes the LocaleConfig from the res/values-* folders and
    // references it in the merged manifest. Needs src/main/res/resources.properties with
    // `unqualifiedResLocale=en` (the language of res/values/).
    androidResources {
        generateLocaleConfig = true
    }

    // Java 17 bytecode. No toolchain: the JDK running Gradle compiles (Android Studio's bundled
    // JetBrains Runtime 17 or 21, or JAVA_HOME on the command line); AGP 8.7 needs 17 or newer.
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    // libmitan_ffi.so per ABI, built by the cargoNdk task below: build output, never committed.
    // It replaces the default src/main/jniLibs, so libraries copied there by hand are not packed.
    sourceSets["main"].jniLibs.setSrcDirs(listOf(rustJniLibs))
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

// Android Studio started from a desktop launcher often has no ~/.cargo/bin on its PATH.
val cargo: String = providers.gradleProperty("mitan.cargo").orNull
    ?: File(System.getenv("CARGO_HOME") ?: "${System.getProperty("user.home")}/.cargo", "bin/cargo")
        .takeIf { it.canExecute() }?.path
    ?: "cargo"
val localNdkDir: String? = rootProject.file("local.properties").takeIf { it.isFile }
    ?.let { file -> Properties().apply { file.inputStream().use { load(it) } } }
    ?.getProperty("ndk.dir")

// The phone libraries: `cargo ndk` from the repository root, one libmitan_ffi.so per ABI in
// build/generated/jniLibs/<abi>/. The release profile for every variant: a debug APK then runs
// the same optimised SQLCipher/OpenSSL/Automerge code as a release one, and one build serves both.
// Inputs are the Rust sources of mitan-core and mitan-ffi and the manifests and lock file, so the
// task reruns when Rust changes and is up to date otherwise (cargo's own cache does the rest).
val cargoNdk by tasks.registering(Exec::class) {
    group = "mitan"
    description = "Builds libmitan_ffi.so for ${abis.joinToString()} with cargo-ndk"
    workingDir = repoRoot
    inputs.dir(File(repoRoot, "core/src"))
    inputs.dir(File(repoRoot, "core/migrations"))
    inputs.dir(File(repoRoot, "bindings/src"))
    inputs.files(
        File(repoRoot, "Cargo.toml"),
        File(repoRoot, "Cargo.lock"),
        File(repoRoot, "core/Cargo.toml"),
        File(repoRoot, "bindings/Cargo.toml"),
    )
    inputs.property("abis", abis)
    inputs.property("minSdk", appMinSdk)
    outputs.dir(rustJniLibs)

    // Which NDK: ANDROID_NDK_HOME if set, else ndk.dir from local.properties, else
    // <sdk>/ndk/<mitan.ndkVersion>; otherwise cargo-ndk takes the newest under <sdk>/ndk/.
    val sdkDirectory = androidComponents.sdkComponents.sdkDirectory
    val ndkVersion = providers.gradleProperty("mitan.ndkVersion").orNull
    doFirst {
        // Drop ABIs left by an earlier, wider -Pmitan.abis.
        rustJniLibs.deleteRecursively()
        val sdk = runCatching { sdkDirectory.get().asFile }.getOrNull()
        if (sdk != null) environment("ANDROID_HOME", sdk.absolutePath)
        val ndk = System.getenv("ANDROID_NDK_HOME")?.takeIf { it.isNotBlank() }
            ?: localNdkDir
            ?: if (sdk != null && ndkVersion != null) File(sdk, "ndk/$ndkVersion").absolutePath else null
        if (ndk != null) environment("ANDROID_NDK_HOME", ndk)
    }
    commandLine(
        listOf(cargo, "ndk") +
            abis.flatMap { listOf("-t", it) } +
            listOf("-P", "$appMinSdk", "-o", rustJniLibs.absolutePath) +
            listOf("build", "--release", "--locked", "-p", "mitan-ffi"),
    )
}

// Before every variant's build, and explicitly before the tasks that pack jniLibs.
tasks.configureEach {
    if (name == "preBuild" || (name.startsWith("merge") && name.endsWith("JniLibFolders"))) {
        dependsOn(cargoNdk)
    }
}

dependencies {
    implementation(project(":shared"))
    // JNA's Android AAR, with libjnidispatch.so for each ABI; uniffi's Kotlin calls through it.
    implementation("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    implementation(libs.okhttp)
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.material3)
    implementation(libs.compose.ui)
    implementation(libs.activity.compose)
    implementation(libs.core.ktx)
    // AppCompatDelegate.setApplicationLocales: the per-app language below API 33.
    implementation(libs.appcompat)
    implementation(libs.lifecycle.viewmodel.compose)
    implementation(libs.lifecycle.viewmodel.savedstate)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.work.runtime.ktx)
    implementation(libs.coroutines.android)
    // The camera preview and the registration slip's QR code.
    implementation(libs.camera.camera2)
    implementation(libs.camera.lifecycle)
    implementation(libs.camera.view)
    implementation(libs.camera.mlkit.vision)
    implementation(libs.mlkit.barcode.scanning)
}
