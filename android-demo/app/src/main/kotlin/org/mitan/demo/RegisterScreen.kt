// Registration: scan the slip's QR code (server, code, CA fingerprint) or type the three.
package org.mitan.demo

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
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
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import org.mitan.shared.MitanRepository
import org.mitan.shared.RegistrationState

@Composable
fun RegisterScreen(screen: RegistrationScreenModel, onRegistered: (MitanRepository) -> Unit) {
    val model = screen.model
    val state = model.state.watch()
    val context = LocalContext.current
    var scanning by rememberSaveable { mutableStateOf(false) }
    var cameraRefused by rememberSaveable { mutableStateOf(false) }
    val askCamera = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        scanning = granted
        cameraRefused = !granted
    }
    LaunchedEffect(state) {
        if (state is RegistrationState.Registered) onRegistered(state.repository)
    }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Text(stringResource(R.string.register_title), style = MaterialTheme.typography.titleLarge,
            modifier = Modifier.semantics { heading() })
        if (scanning) {
            QrScanner(
                onScanned = { text -> if (model.scanned(text)) scanning = false },
                modifier = Modifier.fillMaxWidth().height(280.dp).padding(vertical = 8.dp),
            )
            OutlinedButton(onClick = { scanning = false }) { Text(stringResource(R.string.register_scan_cancel)) }
        } else {
            OutlinedButton(onClick = {
                val granted = ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED
                if (granted) scanning = true else askCamera.launch(Manifest.permission.CAMERA)
            }) { Text(stringResource(R.string.register_scan)) }
            if (cameraRefused) Text(stringResource(R.string.camera_permission_needed), color = MaterialTheme.colorScheme.error)
        }
        OutlinedTextField(
            value = model.server.watch(), onValueChange = model::typeServer, singleLine = true,
            label = { Text(stringResource(R.string.register_server)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = model.code.watch(), onValueChange = model::typeCode, singleLine = true,
            label = { Text(stringResource(R.string.register_code)) },
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = model.caFingerprint.watch(), onValueChange = model::typeCaFingerprint, singleLine = true,
            label = { Text(stringResource(R.string.register_ca)) },
            modifier = Modifier.fillMaxWidth(),
        )
        Button(
            onClick = { model.register() },
            enabled = state !is RegistrationState.Registering,
            modifier = Modifier.padding(top = 12.dp),
        ) {
            Text(stringResource(if (state is RegistrationState.Registering) R.string.register_registering else R.string.register_button))
        }
        if (state is RegistrationState.Failed) {
            Text(stringResource(registrationErrorText(state.error)), color = MaterialTheme.colorScheme.error)
        }
    }
}
