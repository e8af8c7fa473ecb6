// The roster screen's state: the list with search, "my quota", and the sync button with its
// progress and the time of the last sync.
package org.mitan.shared

import org.mitan.ffi.ApiException
import org.mitan.ffi.QuotaStatus
import org.mitan.ffi.SyncSummary
import org.mitan.ffi.VolunteerSummary

/** Where the sync button stands. */
sealed interface SyncState {
    /** Not syncing. */
    data object Idle : SyncState

    /** Round [round] is sending [bytes] bytes, or (when [sent]) storing a reply of [bytes]. */
    data class Running(val round: Int, val sent: Boolean, val bytes: Int) : SyncState

    /** Finished: everything the server acknowledged is durable on both sides. */
    data class Done(val summary: SyncSummary) : SyncState

    /** Stopped; what earlier rounds stored stays, and syncing again resends the rest. */
    data class Failed(val message: String) : SyncState

    /**
     * The server refused this phone's credential: revoked, or spent by another copy of this
     * store recovering. Nothing on the phone is lost; a code from the in-charge re-registers
     * it ([RosterViewModel.recover]).
     */
    data object NeedsCode : SyncState
}

class RosterViewModel(private val repository: MitanRepository, private val work: Work) {
    /** The search box. */
    val query = State("")

    /** The list shown: everyone, or the search's matches. */
    val rows = State<List<VolunteerSummary>>(emptyList())

    /** "My quota": counted / quota. */
    val quota = State<QuotaStatus?>(null)

    /** Changes waiting for the next sync. */
    val pending = State(0L)

    /** When the last sync finished, by the phone's clock. */
    val lastSyncMs = State<Long?>(null)

    /** The sync button. */
    val sync = State<SyncState>(SyncState.Idle)

    /** Re-reads the list, the quota and the sync counters from the store. */
    fun refresh() {
        val typed = query.value
        work.background {
            val list = repository.roster(typed)
            val myQuota = repository.quota()
            val waiting = repository.pendingSyncCount()
            val last = repository.lastSyncMs()
            work.ui {
                if (query.value == typed) rows.set(list)
                quota.set(myQuota)
                pending.set(waiting)
                lastSyncMs.set(last)
            }
        }
    }

    /** Searches by name (either script, by sound) or phone; blank lists everyone. */
    fun search(text: String) {
        query.set(text)
        refresh()
    }

    /** Syncs with the server, publishing each round's progress; ignored while one runs. */
    fun sync() {
        if (sync.value is SyncState.Running) return
        sync.set(SyncState.Running(round = 1, sent = false, bytes = 0))
        val progress = object : SyncProgress {
            override fun sending(round: Int, bytes: Int) = work.ui { sync.set(SyncState.Running(round, false, bytes)) }
            override fun received(round: Int, bytes: Int) = work.ui { sync.set(SyncState.Running(round, true, bytes)) }
        }
        work.background {
            val outcome = runCatching { repository.sync(progress) }
            work.ui {
                outcome.fold(
                    onSuccess = { sync.set(SyncState.Done(it)) },
                    onFailure = { error -> sync.set(failed(error)) },
                )
            }
            refresh()
        }
    }

    /**
     * Re-registers the phone with a one-time [code] from the in-charge, then syncs: what it
     * wrote that the server never took is written again under its new identity.
     */
    fun recover(code: String) {
        if (sync.value is SyncState.Running) return
        sync.set(SyncState.Running(round = 1, sent = false, bytes = 0))
        work.background {
            val outcome = runCatching {
                repository.recover(code.trim())
                repository.sync()
            }
            work.ui {
                outcome.fold(
                    onSuccess = { sync.set(SyncState.Done(it)) },
                    onFailure = { error -> sync.set(failed(error)) },
                )
            }
            refresh()
        }
    }

    private fun failed(error: Throwable): SyncState {
        if (error !is ApiException) throw error
        return if (error is ApiException.Unauthorized) SyncState.NeedsCode
        else SyncState.Failed(error.message ?: error.toString())
    }
}
