// The background sync: WorkManager runs it when a network is there. A revoked phone stops
// retrying (the roster screen asks for a code); no signal or a failing server retries later.
package org.mitan.demo

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import org.mitan.ffi.ApiException

class SyncWorker(context: Context, parameters: WorkerParameters) : CoroutineWorker(context, parameters) {
    override suspend fun doWork(): Result {
        val repository = (applicationContext as MitanApp).repository() ?: return Result.success()
        return try {
            val summary = repository.sync { progress ->
                setProgressAsync(workDataOf(ROUND to progress.round.toInt(), PENDING to progress.pending.toLong()))
            }
            Result.success(workDataOf(ACKNOWLEDGED to summary.acknowledged.toLong(), REFUSED to summary.refused.toLong()))
        } catch (revoked: ApiException.Unauthorized) {
            Result.failure(workDataOf(REVOKED to true))
        } catch (error: ApiException.Network) {
            Result.retry()
        } catch (error: ApiException.Server) {
            Result.retry()
        } catch (error: ApiException) {
            Result.failure()
        }
    }

    companion object {
        const val PERIODIC = "mitan-sync"
        const val NOW = "mitan-sync-now"
        const val ROUND = "round"
        const val PENDING = "pending"
        const val ACKNOWLEDGED = "acknowledged"
        const val REFUSED = "refused"
        const val REVOKED = "revoked"
    }
}
