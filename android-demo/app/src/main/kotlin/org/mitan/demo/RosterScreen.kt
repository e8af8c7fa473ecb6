// The beat's list with search (Devanagari or Latin, or a mobile number), "my quota", and
// the sync: progress after each stored round, what the server refused and why, and the
// revoked-phone screen that asks for a code; from here the beat's private cameras open.
package org.mitan.demo

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.mitan.ffi.ApiException
import org.mitan.ffi.VolunteerSummary
import org.mitan.shared.IstTime
import org.mitan.shared.RosterViewModel
import org.mitan.shared.SyncState

@Composable
fun RosterScreen(model: RosterViewModel, onOpen: (String) -> Unit, onCameras: () -> Unit, onSyncInBackground: () -> Unit) {
    val sync = model.sync.watch()
    if (sync == SyncState.NeedsCode) {
        RevokedScreen(model)
        return
    }
    val rows = model.rows.watch()
    val quota = model.quota.watch()
    val pending = model.pending.watch()
    val lastSync = model.lastSyncMs.watch()
    Column(Modifier.padding(16.dp)) {
        quota?.let {
            Text(stringResource(R.string.roster_quota, it.counted.toInt(), it.quota.toInt()), style = MaterialTheme.typography.titleMedium)
        }
        Text(stringResource(R.string.roster_pending, pending.toInt()))
        Text(lastSync?.let { stringResource(R.string.roster_last_sync, IstTime.dateTime(it)) } ?: stringResource(R.string.roster_never_synced))
        val syncLabel = stringResource(R.string.cd_sync)
        Row {
            Button(
                onClick = { model.sync() },
                enabled = sync !is SyncState.Running,
                modifier = Modifier.padding(end = 8.dp).semantics { contentDescription = syncLabel },
            ) { Text(stringResource(R.string.sync_button)) }
            OutlinedButton(onClick = onCameras) { Text(stringResource(R.string.roster_cameras)) }
        }
        SyncResult(sync, onSyncInBackground)
        OutlinedTextField(
            value = model.query.watch(), onValueChange = { model.search(it) }, singleLine = true,
            label = { Text(stringResource(R.string.roster_search)) },
            modifier = Modifier.fillMaxWidth().padding(vertical = 8.dp),
        )
        if (rows.isEmpty()) Text(stringResource(R.string.roster_empty))
        LazyColumn {
            items(rows, key = { it.volunteerId }) { row -> RosterRow(row, onOpen) }
        }
    }
}

@Composable
private fun RosterRow(row: VolunteerSummary, onOpen: (String) -> Unit) {
    val name = row.nameDevanagari ?: row.nameLatin ?: row.volunteerId
    val open = stringResource(R.string.cd_open_volunteer, name)
    Column(
        Modifier.fillMaxWidth().clickable(onClickLabel = open) { onOpen(row.volunteerId) }.padding(vertical = 8.dp),
    ) {
        Text(name, style = MaterialTheme.typography.bodyLarge)
        Text(listOfNotNull(row.nameLatin, row.phone, statusText(row.status)).joinToString(" · "), style = MaterialTheme.typography.bodySmall)
    }
    HorizontalDivider()
}

/** The sync's progress while it runs; afterwards what it did and what the server refused. */
@Composable
private fun SyncResult(sync: SyncState, onSyncInBackground: () -> Unit) {
    when (sync) {
        is SyncState.Running -> {
            LinearProgressIndicator(Modifier.fillMaxWidth().padding(vertical = 4.dp))
            val progress = sync.progress
            Text(
                if (progress == null) stringResource(R.string.sync_starting)
                else stringResource(R.string.sync_running, progress.round.toInt(), progress.pending.toInt()),
            )
        }
        is SyncState.Done -> {
            val summary = sync.summary
            Text(stringResource(R.string.sync_done, summary.acknowledged.toInt(), summary.received.toInt()))
            if (summary.refusedChanges.isNotEmpty()) {
                Text(stringResource(R.string.sync_refused_heading, summary.refusedChanges.size), color = MaterialTheme.colorScheme.error,
                    modifier = Modifier.semantics { heading() })
                for (refused in summary.refusedChanges) {
                    val what = refused.action?.let { stringResource(actionText(it)) } ?: ""
                    Text(stringResource(R.string.sync_refused_line, refused.entryId ?: refused.change.take(12), what, refusalText(refused.reason)),
                        color = MaterialTheme.colorScheme.error)
                }
            }
        }
        is SyncState.Failed -> {
            val error = sync.error
            Text(
                if (error is ApiException.Network) stringResource(R.string.sync_failed_network)
                else stringResource(R.string.sync_failed_server, error.message ?: ""),
                color = MaterialTheme.colorScheme.error,
            )
            // No signal here: WorkManager syncs as soon as there is one.
            LaunchedEffect(sync) { if (error is ApiException.Network) onSyncInBackground() }
        }
        SyncState.Idle, SyncState.NeedsCode -> {}
    }
}

/** The server refused this phone's credential: nothing is lost, a code brings it back. */
@Composable
private fun RevokedScreen(model: RosterViewModel) {
    var code by rememberSaveable { mutableStateOf("") }
    Column(Modifier.padding(16.dp)) {
        Text(stringResource(R.string.revoked_title), style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
        Text(stringResource(R.string.revoked_body), Modifier.padding(vertical = 8.dp))
        OutlinedTextField(
            value = code, onValueChange = { code = it }, singleLine = true,
            label = { Text(stringResource(R.string.revoked_code)) }, modifier = Modifier.fillMaxWidth(),
        )
        OutlinedButton(onClick = { model.recover(code) }, enabled = code.isNotBlank(), modifier = Modifier.padding(top = 8.dp)) {
            Text(stringResource(R.string.revoked_button))
        }
    }
}
