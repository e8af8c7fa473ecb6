// Observable state and a thread policy for the view-models, without kotlinx-coroutines: the
// JVM check compiles with the Kotlin standard library alone. The Android app adapts `State`
// to Compose's `mutableStateOf` and runs `Work` on an executor and the main looper.
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

/** Where blocking calls run and where their results are published. */
interface Work {
    /** Runs [task] away from the UI thread. */
    fun background(task: () -> Unit)

    /** Runs [task] on the UI thread. */
    fun ui(task: () -> Unit)

    companion object {
        /** Runs everything at once on the caller's thread: for the JVM check and tests. */
        val INLINE = object : Work {
            override fun background(task: () -> Unit) = task()
            override fun ui(task: () -> Unit) = task()
        }
    }
}
