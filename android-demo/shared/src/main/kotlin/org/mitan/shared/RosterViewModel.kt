// The roster screen's state: the beat's list with search (Devanagari or Latin, by sound, or
// phone), "my quota" (18 of 25), and the sync button with its progress, the time of the last
// sync, and what the server refused and why.
package org.mitan.shared

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.mitan.ffi.ApiException
import org.mitan.ffi.QuotaStatus
import org.mitan.ffi.SyncProgress
import org.mitan.ffi.SyncSummary
import org.mitan.ffi.VolunteerSummary

/** Where the sync button stands. */
sealed interface SyncState {
    /** Not syncing. */
    data object Idle : SyncState

    /** Under way; [progress] is the last round whose reply is stored (null before the first). */
    data class Running(val progress: SyncProgress?) : SyncState

    /**
     * Finished: everything the server acknowledged is durable on both sides. Its
     * `refusedChanges` lists what the server refused, each with its reason.
     */
    data class Done(val summary: SyncSummary) : SyncState

    /** Stopped; what earlier rounds stored stays, and syncing again resends the rest. */
    data class Failed(val error: ApiException) : SyncState

    /**
     * The server refused this phone's credential: revoked, or spent by another copy of this
     * store recovering. Nothing on the phone is lost; a code from the in-charge re-registers
     * it ([RosterViewModel.recover]).
     */
    data object NeedsCode : SyncState
}

class RosterViewModel(private val repository: MitanRepository, private val scope: CoroutineScope) {
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
    fun refresh(): Job = scope.launch {
        val typed = query.value
        val list = repository.roster(typed)
        if (query.value == typed) rows.set(list)
        quota.set(repository.quota())
        pending.set(repository.pendingSyncCount())
        lastSyncMs.set(repository.lastSyncMs())
    }

    /** Searches by name (either script, by sound) or phone; blank lists everyone. */
    fun search(text: String): Job {
        query.set(text)
        return refresh()
    }

    /** Syncs with the server, publishing each stored round; ignored while one runs. */
    fun sync(): Job = running { repository.sync(::publish) }

    /**
     * Re-registers the phone with a one-time [code] from the in-charge, then syncs: what it
     * wrote that the server never took is written again under its new identity.
     */
    fun recover(code: String): Job = running {
        repository.recover(code.trim())
        repository.sync(::publish)
    }

    /** Called on the syncing thread: the state is read by the UI, which redraws on its own. */
    private fun publish(progress: SyncProgress) = sync.set(SyncState.Running(progress))

    private fun running(work: suspend () -> SyncSummary): Job {
        if (sync.value is SyncState.Running) return scope.launch {}
        sync.set(SyncState.Running(null))
        return scope.launch {
            try {
                sync.set(SyncState.Done(work()))
            } catch (revoked: ApiException.Unauthorized) {
                sync.set(SyncState.NeedsCode)
            } catch (error: ApiException) {
                sync.set(SyncState.Failed(error))
            }
            refresh().join()
        }
    }
}
