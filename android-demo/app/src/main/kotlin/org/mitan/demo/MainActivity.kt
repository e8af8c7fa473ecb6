// The demo's one activity: registration on first start, then two tabs, enrol and roster,
// in Hindi or English. All Mitan calls go through the shared view-models, off the main thread.
package org.mitan.demo

import android.os.Bundle
import android.os.Handler
import android.os.Looper
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Tab
import androidx.compose.material3.TabRow
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import java.util.Calendar
import java.util.concurrent.Executors
import org.mitan.shared.EnrolmentViewModel
import org.mitan.shared.Language
import org.mitan.shared.RegistrationSlip
import org.mitan.shared.MitanRepository
import org.mitan.shared.RosterViewModel
import org.mitan.shared.State
import org.mitan.shared.Work

/** One background thread for Mitan calls (the core serialises them anyway), results on the main thread. */
object AndroidWork : Work {
    private val executor = Executors.newSingleThreadExecutor()
    private val main = Handler(Looper.getMainLooper())
    override fun background(task: () -> Unit) { executor.execute(task) }
    override fun ui(task: () -> Unit) { main.post(task) }
}

/** A shared [State] as Compose state, observed while the composable is on screen. */
@Composable
fun <T> State<T>.watch(): T {
    var current by remember(this) { mutableStateOf(value) }
    DisposableEffect(this) {
        val handle = observe { current = it }
        onDispose { handle.close() }
    }
    return current
}

class MainActivity : ComponentActivity() {
    private var repository by mutableStateOf<MitanRepository?>(null)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val vault = KeystoreVault(this)
        val year = Calendar.getInstance().get(Calendar.YEAR)
        if (MitanRepository.isRegistered(filesDir)) {
            AndroidWork.background {
                val opened = MitanRepository.open(filesDir, vault, year)
                AndroidWork.ui { repository = opened }
            }
        }
        setContent {
            MaterialTheme {
                Surface(Modifier.fillMaxSize()) {
                    var language by remember { mutableStateOf(Language.HINDI) }
                    Column {
                        Row(Modifier.padding(8.dp)) {
                            TextButton(onClick = { language = Language.HINDI }) { Text("हिंदी") }
                            TextButton(onClick = { language = Language.ENGLISH }) { Text("English") }
                        }
                        val current = repository
                        if (current == null) {
                            RegisterScreen(language) { slip ->
                                AndroidWork.background {
                                    val registered = runCatching {
                                        MitanRepository.register(slip.server, slip.code, slip.caFingerprint, filesDir, vault, year)
                                    }
                                    AndroidWork.ui { repository = registered.getOrNull() }
                                }
                            }
                        } else {
                            Tabs(current, language)
                        }
                    }
                }
            }
        }
    }

    override fun onDestroy() {
        repository?.close()
        super.onDestroy()
    }
}

@Composable
fun RegisterScreen(language: Language, onRegister: (RegistrationSlip) -> Unit) {
    val hindi = language == Language.HINDI
    var scanned by remember { mutableStateOf("") }
    var server by remember { mutableStateOf(BuildConfig.MITAN_SERVER) }
    var code by remember { mutableStateOf("") }
    var ca by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp)) {
        // A scanner app (or the camera's QR reader) hands the slip's text over; pasting it
        // here fills the three fields below.
        OutlinedTextField(
            value = scanned,
            onValueChange = { text ->
                scanned = text
                RegistrationSlip.parse(text)?.let { slip -> server = slip.server; code = slip.code; ca = slip.caFingerprint ?: "" }
            },
            label = { Text(if (hindi) "पर्ची का QR (स्कैन किया हुआ)" else "The slip's QR code (scanned)") },
            singleLine = true,
        )
        OutlinedTextField(value = server, onValueChange = { server = it.trim() }, singleLine = true,
            label = { Text(if (hindi) "सर्वर" else "Server") })
        OutlinedTextField(value = code, onValueChange = { code = it.trim() }, singleLine = true,
            label = { Text(if (hindi) "थाने से मिला एक-बार का कोड" else "The one-time code from the station") })
        OutlinedTextField(value = ca, onValueChange = { ca = it.trim() }, singleLine = true,
            label = { Text(if (hindi) "CA फ़िंगरप्रिंट (sha256:…)" else "CA fingerprint (sha256:…)") })
        Button(
            onClick = { onRegister(RegistrationSlip(server, code, ca.ifBlank { null })) },
            enabled = code.isNotEmpty() && server.startsWith("https://") && ca.isNotBlank(),
        ) {
            Text(if (hindi) "पंजीकरण करें" else "Register")
        }
    }
}

@Composable
fun Tabs(repository: MitanRepository, language: Language) {
    val enrolment = remember(repository) { EnrolmentViewModel(repository, AndroidWork) }
    val roster = remember(repository) { RosterViewModel(repository, AndroidWork).also { it.refresh() } }
    var tab by remember { mutableStateOf(0) }
    Column {
        TabRow(selectedTabIndex = tab) {
            Tab(selected = tab == 0, onClick = { tab = 0 }) {
                Text(if (language == Language.HINDI) "नामांकन" else "Enrol", Modifier.padding(12.dp))
            }
            Tab(selected = tab == 1, onClick = { tab = 1; roster.refresh() }) {
                Text(if (language == Language.HINDI) "सूची" else "Roster", Modifier.padding(12.dp))
            }
        }
        when (tab) {
            0 -> EnrolScreen(enrolment, language) { roster.refresh() }
            else -> RosterScreen(roster, language)
        }
    }
}
