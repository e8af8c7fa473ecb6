// The application: one repository for the whole app (the store allows one writer), opened
// off the main thread on first use, and the background sync scheduled with WorkManager.
package org.mitan.demo

import android.app.Application
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import java.util.Calendar
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.mitan.shared.MitanRepository

class MitanApp : Application() {
    private val opening = Mutex()

    @Volatile
    private var opened: MitanRepository? = null

    /** The store key, wrapped by the Android Keystore. */
    val vault by lazy { KeystoreVault(this) }

    /** Whether this phone was registered. */
    fun isRegistered(): Boolean = opened != null || MitanRepository.isRegistered(filesDir)

    /** The phone's repository, opened once; `null` before registration. */
    suspend fun repository(): MitanRepository? {
        opened?.let { return it }
        return opening.withLock {
            opened ?: if (MitanRepository.isRegistered(filesDir)) {
                MitanRepository.open(filesDir, vault, Calendar.getInstance().get(Calendar.YEAR)).also { opened = it }
            } else {
                null
            }
        }
    }

    /** Takes the repository a registration just made, and starts the background sync. */
    fun registered(repository: MitanRepository) {
        opened = repository
        scheduleSync()
    }

    override fun onCreate() {
        super.onCreate()
        if (isRegistered()) scheduleSync()
    }

    /**
     * Syncs every few hours whenever a network is there (the phone may be offline for days;
     * the work waits), and backs off after a failure. A tap on "sync now" runs [syncNow].
     */
    private fun scheduleSync() {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(4, TimeUnit.HOURS)
            .setConstraints(NETWORK)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 10, TimeUnit.MINUTES)
            .build()
        WorkManager.getInstance(this).enqueueUniquePeriodicWork(SyncWorker.PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    /** A sync as soon as a network is there: the constable's tap at the station. */
    fun syncNow() {
        val request = OneTimeWorkRequestBuilder<SyncWorker>().setConstraints(NETWORK).build()
        WorkManager.getInstance(this).enqueueUniqueWork(SyncWorker.NOW, ExistingWorkPolicy.KEEP, request)
    }

    private companion object {
        val NETWORK: Constraints = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()
    }
}
