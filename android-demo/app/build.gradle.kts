plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "org.mitan.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.mitan.demo"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        // Phones in the field are arm64; x86_64 is for the emulator on a laptop.
        ndk { abiFilters += listOf("arm64-v8a", "x86_64") }
        // The station server the demo registers with; 10.0.2.2 is the host seen from the emulator.
        // Only a default for the registration form; the slip (or its QR code) names the server.
        buildConfigField("String", "MITAN_SERVER", "\"https://\"")
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    kotlinOptions { jvmTarget = "17" }

    // libmitan_ffi.so per ABI, put here by `cargo ndk` (see README.md).
    sourceSets["main"].jniLibs.srcDir("src/main/jniLibs")
}

dependencies {
    implementation(project(":shared"))
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    // OkHttp 3's API, as the JVM check compiles the shared code against Debian's 3.13.
    implementation("com.squareup.okhttp3:okhttp:3.14.9")
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.compose.ui:ui")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.core:core-ktx:1.15.0")
}
