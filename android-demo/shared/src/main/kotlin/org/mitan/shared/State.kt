// Observable state for the view-models. kotlinx-coroutines 1.0 (what Debian gives the JVM
// check) has no StateFlow, so the shared layer keeps this small observable; the app mirrors
// each one into Compose state. Blocking calls never happen here: the repository's suspend
// functions move them to its IO dispatcher.
package org.mitan.shared

import java.util.concurrent.CopyOnWriteArrayList

/** A value that view code observes; [set] notifies every listener on the caller's thread. */
class State<T>(initial: T) {
    @Volatile
    var value: T = initial
        private set

    private val listeners = CopyOnWriteArrayList<(T) -> Unit>()

    internal fun set(next: T) {
        value = next
        listeners.forEach { it(next) }
    }

    /** Calls [listener] now and on every change, until the returned handle is closed. */
    fun observe(listener: (T) -> Unit): AutoCloseable {
        listeners.add(listener)
        listener(value)
        return AutoCloseable { listeners.remove(listener) }
    }
}

/**
 * Small values a screen keeps across the app being rotated or killed in the background: on
 * Android a `SavedStateHandle`, in the JVM check a map. Only strings, so any of them fits
 * in a Bundle.
 */
interface SavedValues {
    operator fun get(key: String): String?

    /** Stores [value] under [key]; `null` removes it. */
    operator fun set(key: String, value: String?)
}

/** [SavedValues] in a map: for the JVM check, which "rotates" by building a view-model again. */
class MapSavedValues(private val values: MutableMap<String, String> = HashMap()) : SavedValues {
    override fun get(key: String): String? = values[key]

    override fun set(key: String, value: String?) {
        if (value == null) values.remove(key) else values[key] = value
    }
}
