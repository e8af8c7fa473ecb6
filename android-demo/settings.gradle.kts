// The Mitan Android demo: `shared` is the repository and view-model layer (plain Kotlin/JVM,
// also compiled and run by CI without Gradle: see jvm-check/run.sh); `app` is the Compose UI.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "mitan-demo"
include(":shared", ":app")
