// The roster with search, "my quota" (x / 25), and the sync button with progress and the
// time of the last sync.
package org.mitan.demo

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import java.text.DateFormat
import java.util.Date
import org.mitan.shared.Language
import org.mitan.shared.Messages
import org.mitan.shared.RosterViewModel
import org.mitan.shared.SyncState

@Composable
fun RosterScreen(model: RosterViewModel, language: Language) {
    val hindi = language == Language.HINDI
    val query = model.query.watch()
    val rows = model.rows.watch()
    val quota = model.quota.watch()
    val pending = model.pending.watch()
    val lastSync = model.lastSyncMs.watch()
    val sync = model.sync.watch()

    Column(Modifier.padding(16.dp)) {
        quota?.let {
            Text(
                (if (hindi) "मेरा लक्ष्य: " else "My quota: ") + "${it.counted} / ${it.quota}",
                style = MaterialTheme.typography.titleLarge,
            )
            LinearProgressIndicator(
                progress = { (it.counted.toFloat() / it.quota.toFloat().coerceAtLeast(1f)).coerceAtMost(1f) },
                modifier = Modifier.fillMaxWidth(),
            )
            Text((if (hindi) "सत्यापित: " else "Verified: ") + it.verified)
        }
        Row(Modifier.padding(vertical = 8.dp)) {
            Button(onClick = { model.sync() }, enabled = sync !is SyncState.Running) {
                Text(if (hindi) "सिंक करें ($pending)" else "Sync ($pending)")
            }
            Column(Modifier.padding(start = 12.dp)) {
                Text(
                    (if (hindi) "पिछला सिंक: " else "Last sync: ") +
                        (lastSync?.let { DateFormat.getDateTimeInstance().format(Date(it)) } ?: if (hindi) "कभी नहीं" else "never"),
                )
                when (sync) {
                    is SyncState.Running -> {
                        LinearProgressIndicator(Modifier.fillMaxWidth())
                        Text(
                            if (sync.sent) (if (hindi) "उत्तर सहेज रहे हैं (${sync.bytes} B)" else "Storing the reply (${sync.bytes} B)")
                            else (if (hindi) "भेज रहे हैं (${sync.bytes} B)" else "Sending (${sync.bytes} B)"),
                        )
                    }
                    is SyncState.Done -> Text(
                        if (hindi) "${sync.summary.acknowledged} भेजे, ${sync.summary.received} मिले"
                        else "${sync.summary.acknowledged} sent, ${sync.summary.received} received",
                    )
                    is SyncState.Failed -> Text(sync.message, color = MaterialTheme.colorScheme.error)
                    SyncState.NeedsCode -> {
                        var code by remember { mutableStateOf("") }
                        Text(
                            Messages.needsCode(if (hindi) Language.HINDI else Language.ENGLISH),
                            color = MaterialTheme.colorScheme.error,
                        )
                        OutlinedTextField(
                            value = code,
                            onValueChange = { code = it },
                            label = { Text(if (hindi) "पंजीकरण कोड" else "Registration code") },
                            singleLine = true,
                        )
                        Button(onClick = { model.recover(code) }, enabled = code.isNotBlank()) {
                            Text(if (hindi) "फिर से पंजीकृत करें" else "Register again")
                        }
                    }
                    SyncState.Idle -> {}
                }
            }
        }
        OutlinedTextField(
            value = query,
            onValueChange = { model.search(it) },
            label = { Text(if (hindi) "नाम या मोबाइल से खोजें" else "Search by name or mobile") },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        LazyColumn {
            items(rows, key = { it.volunteerId }) { row ->
                Column(Modifier.padding(vertical = 6.dp)) {
                    Text(row.nameDevanagari ?: row.nameLatin ?: "—", style = MaterialTheme.typography.titleMedium)
                    val status = row.movedTo?.let { beat ->
                        if (hindi) "${row.status} → बीट $beat" else "${row.status} → beat $beat"
                    } ?: row.status
                    Text("${row.phone ?: ""}  ·  ${row.village}  ·  $status", style = MaterialTheme.typography.bodySmall)
                }
            }
        }
    }
}
