// The app's one activity: registration on first start, then the roster (with sync) and the
// enrolment form as tabs, a volunteer's page and the beat's cameras from the roster, in Hindi
// or English. The language is the per-app language (AppCompat keeps it, Android 13+ shows it
// in Settings), so every string comes from strings.xml in the chosen locale.
package org.mitan.demo

import android.os.Bundle
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.appcompat.app.AppCompatActivity
import androidx.appcompat.app.AppCompatDelegate
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Tab
import androidx.compose.material3.TabRow
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.core.os.LocaleListCompat
import androidx.lifecycle.viewmodel.compose.viewModel
import org.mitan.shared.MitanRepository
import org.mitan.shared.State

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

class MainActivity : AppCompatActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = application as MitanApp
        setContent {
            MaterialTheme {
                Surface(Modifier.fillMaxSize()) {
                    var repository by remember { mutableStateOf<MitanRepository?>(null) }
                    var opening by remember { mutableStateOf(app.isRegistered()) }
                    LaunchedEffect(Unit) {
                        if (opening) {
                            repository = app.repository()
                            opening = false
                        }
                    }
                    Column {
                        LanguageBar()
                        val current = repository
                        when {
                            opening -> CircularProgressIndicator(Modifier.padding(24.dp))
                            current == null -> RegisterScreen(viewModel()) { registered ->
                                app.registered(registered)
                                repository = registered
                            }
                            else -> PhoneScreens(current, app)
                        }
                    }
                }
            }
        }
    }
}

/** Hindi or English for the whole app, kept by AppCompat across restarts. */
@Composable
private fun LanguageBar() {
    Row(Modifier.padding(horizontal = 8.dp)) {
        TextButton(onClick = { AppCompatDelegate.setApplicationLocales(LocaleListCompat.forLanguageTags("hi")) }) {
            Text(stringResource(R.string.language_hindi))
        }
        TextButton(onClick = { AppCompatDelegate.setApplicationLocales(LocaleListCompat.forLanguageTags("en")) }) {
            Text(stringResource(R.string.language_english))
        }
    }
}

/** The roster and the enrolment form; a volunteer's page or the beat's cameras open over them. */
@Composable
private fun PhoneScreens(repository: MitanRepository, app: MitanApp) {
    val models: PhoneScreenModel = viewModel()
    models.bind(repository)
    val enrolment = models.enrolment ?: return
    val roster = models.roster ?: return
    val cameras = models.cameras ?: return
    var tab by rememberSaveable { mutableStateOf(0) }
    var open by rememberSaveable { mutableStateOf<String?>(null) }
    var camerasOpen by rememberSaveable { mutableStateOf(false) }
    if (camerasOpen) {
        BackHandler { camerasOpen = false; roster.refresh() }
        CameraScreen(cameras) { camerasOpen = false; roster.refresh() }
        return
    }
    val volunteer = open
    if (volunteer != null) {
        BackHandler { open = null; roster.refresh() }
        val pages: VolunteerScreenModel = viewModel(key = "volunteer-$volunteer")
        VolunteerScreen(pages.page(repository, volunteer)) { open = null; roster.refresh() }
        return
    }
    Column {
        TabRow(selectedTabIndex = tab) {
            Tab(selected = tab == 0, onClick = { tab = 0; roster.refresh() }) {
                Text(stringResource(R.string.tab_roster), Modifier.padding(12.dp).semantics { heading() })
            }
            Tab(selected = tab == 1, onClick = { tab = 1 }) {
                Text(stringResource(R.string.tab_enrol), Modifier.padding(12.dp).semantics { heading() })
            }
        }
        when (tab) {
            0 -> RosterScreen(roster, onOpen = { open = it }, onCameras = { camerasOpen = true }, onSyncInBackground = app::syncNow)
            else -> EnrolScreen(enrolment)
        }
    }
}
