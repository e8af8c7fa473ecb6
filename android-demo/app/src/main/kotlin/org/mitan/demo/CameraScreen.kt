// The beat's private CCTV cameras (Durg's Trinayan register), opened from the roster: the form
// (owner, mobile, latitude and longitude as typed, the village picked by name, the direction
// from the eight points, what it covers, days of recording), each refused field's reason
// under it, the beat's cameras with their owner or why none is shown, and a removal behind a
// confirmation that asks why. The form survives rotation (PhoneScreenModel's SavedStateHandle).
package org.mitan.demo

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.mitan.ffi.ApiException
import org.mitan.ffi.CameraRecord
import org.mitan.ffi.InvalidCode
import org.mitan.shared.CameraOwnerShown
import org.mitan.shared.CameraStatus
import org.mitan.shared.CameraViewModel
import org.mitan.shared.IstTime
import org.mitan.shared.ownerShown

@Composable
fun CameraScreen(model: CameraViewModel, onBack: () -> Unit) {
    // The list may have changed since the screen was last open (a sync in between).
    LaunchedEffect(model) { model.load() }
    val form = model.form.watch()
    val errors = model.errors.watch()
    val status = model.status.watch()
    val villages = model.villages.watch()
    val hindi = speaksHindi()
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
        Text(stringResource(R.string.cameras_title), style = MaterialTheme.typography.titleLarge,
            modifier = Modifier.semantics { heading() })
        Text(stringResource(R.string.cameras_form_heading), style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.padding(top = 8.dp).semantics { heading() })
        CameraField(fieldLabel("owner_name"), "owner_name", form.ownerName, errors) { text -> model.edit("owner_name") { it.copy(ownerName = text) } }
        // The core names the owner's mobile `phone`, as for a volunteer.
        CameraField(stringResource(R.string.camera_owner_phone), "phone", form.ownerPhone, errors, KeyboardType.Phone) { text ->
            model.edit("phone") { it.copy(ownerPhone = text) }
        }
        if (model.beats.size > 1) {
            Picker(fieldLabel("beat"), form.beat, model.beats, { it }, errors["beat"], model::chooseBeat)
        }
        if (villages.isEmpty()) {
            Text(stringResource(R.string.enrol_no_villages), color = MaterialTheme.colorScheme.error)
        } else {
            Picker(
                fieldLabel("village"), model.chosenVillage()?.let { villageName(it, hindi) } ?: "",
                villages, { villageName(it, hindi) }, errors["village"], model::chooseVillage,
            )
        }
        Text(stringResource(R.string.camera_coordinates_hint), style = MaterialTheme.typography.bodySmall, modifier = Modifier.padding(top = 8.dp))
        Row {
            Column(Modifier.weight(1f).padding(end = 8.dp)) {
                CameraField(fieldLabel("latitude"), "latitude", form.latitude, errors, KeyboardType.Decimal) { text ->
                    model.edit("latitude") { it.copy(latitude = text) }
                }
            }
            Column(Modifier.weight(1f)) {
                CameraField(fieldLabel("longitude"), "longitude", form.longitude, errors, KeyboardType.Decimal) { text ->
                    model.edit("longitude") { it.copy(longitude = text) }
                }
            }
        }
        DirectionChoice(model.directions.watch(), form.direction, errors["direction"], model::chooseDirection)
        CameraField(fieldLabel("coverage"), "coverage", form.coverage, errors) { text -> model.edit("coverage") { it.copy(coverage = text) } }
        CameraField(fieldLabel("recording_days"), "recording_days", form.recordingDays, errors, KeyboardType.Number) { text ->
            model.edit("recording_days") { it.copy(recordingDays = text) }
        }
        Button(onClick = { model.submit() }, enabled = status !is CameraStatus.Saving, modifier = Modifier.padding(top = 12.dp)) {
            Text(stringResource(if (status is CameraStatus.Saving) R.string.camera_saving else R.string.camera_save))
        }
        when (status) {
            is CameraStatus.Saved -> Text(stringResource(R.string.camera_saved, status.cameraId))
            is CameraStatus.Failed ->
                Text(stringResource(R.string.camera_failed, status.error.message ?: ""), color = MaterialTheme.colorScheme.error)
            else -> {}
        }
        CameraList(model)
    }
    model.removing.watch()?.let { asked -> RemovalDialog(model, asked.reason) }
}

/** The beat's cameras, removed ones included, each with its owner or why none is shown. */
@Composable
private fun CameraList(model: CameraViewModel) {
    val cameras = model.cameras.watch()
    Text(stringResource(R.string.cameras_list_heading), style = MaterialTheme.typography.titleMedium,
        modifier = Modifier.padding(top = 16.dp).semantics { heading() })
    if (model.removed.watch() != null) Text(stringResource(R.string.camera_removed_done))
    model.failure.watch()?.let { failure ->
        val invalid = failure as? ApiException.Invalid
        Text(
            if (invalid != null && invalid.field == "camera_id" && invalid.code == InvalidCode.DUPLICATE) stringResource(R.string.camera_already_removed)
            else stringResource(R.string.camera_failure, failure.message ?: ""),
            color = MaterialTheme.colorScheme.error,
        )
    }
    if (cameras.isEmpty()) Text(stringResource(R.string.cameras_empty))
    // A beat holds a few dozen private cameras: a plain column inside the scrolling screen.
    for (camera in cameras) CameraRow(model, camera)
}

@Composable
private fun CameraRow(model: CameraViewModel, camera: CameraRecord) {
    val hindi = speaksHindi()
    val village = model.village(camera.village)?.let { villageName(it, hindi) } ?: camera.village
    Column(Modifier.fillMaxWidth().padding(vertical = 8.dp)) {
        Text(listOf(village, camera.coverage).filter { it.isNotEmpty() }.joinToString(" · "), style = MaterialTheme.typography.bodyLarge)
        val looks = camera.direction?.let { stringResource(R.string.camera_looks, directionName(it)) }
        val days = camera.recordingDays?.let { stringResource(R.string.camera_days, it.toInt()) }
        Text(listOfNotNull(looks, days, "%.5f, %.5f".format(camera.latitude, camera.longitude)).joinToString(" · "),
            style = MaterialTheme.typography.bodySmall)
        when (val shown = camera.ownerShown()) {
            is CameraOwnerShown.Owner -> Text(stringResource(R.string.camera_owner, shown.name, shown.phone))
            CameraOwnerShown.Sealed -> Text(stringResource(R.string.camera_sealed))
            is CameraOwnerShown.Removed -> {
                val reason = removalReasonName(shown.reason)
                Text(
                    shown.atMs?.let { stringResource(R.string.camera_removed, IstTime.date(it), reason) }
                        ?: stringResource(R.string.camera_removed_undated, reason),
                )
            }
            CameraOwnerShown.None -> Text(stringResource(R.string.camera_no_owner))
        }
        if (camera.removed == null) {
            val description = stringResource(R.string.cd_remove_camera, village)
            OutlinedButton(
                onClick = { model.askToRemove(camera.id) },
                modifier = Modifier.padding(top = 4.dp).semantics { contentDescription = description },
            ) { Text(stringResource(R.string.camera_remove)) }
        }
    }
    HorizontalDivider()
}

/** The removal's confirmation: a reason must be picked before it can be confirmed. */
@Composable
private fun RemovalDialog(model: CameraViewModel, chosen: String?) {
    val reasons = model.removalReasons.watch()
    AlertDialog(
        onDismissRequest = model::cancelRemoval,
        title = { Text(stringResource(R.string.camera_remove_title)) },
        text = {
            Column {
                Text(stringResource(R.string.camera_remove_body))
                for (reason in reasons) {
                    Row(Modifier.selectable(chosen == reason, role = Role.RadioButton) { model.chooseRemovalReason(reason) }.padding(vertical = 4.dp)) {
                        RadioButton(selected = chosen == reason, onClick = null)
                        Text(removalReasonName(reason), Modifier.padding(start = 8.dp, top = 12.dp))
                    }
                }
            }
        },
        confirmButton = {
            TextButton(onClick = { model.confirmRemoval() }, enabled = chosen != null) { Text(stringResource(R.string.camera_remove_yes)) }
        },
        dismissButton = { TextButton(onClick = model::cancelRemoval) { Text(stringResource(R.string.camera_remove_no)) } },
    )
}

/** The eight compass points, two rows of four, the refusal under them. */
@Composable
private fun DirectionChoice(directions: List<String>, chosen: String, error: InvalidCode?, onChoose: (String) -> Unit) {
    Text(fieldLabel("direction"), style = MaterialTheme.typography.titleSmall, modifier = Modifier.padding(top = 8.dp))
    for (row in directions.chunked(4)) {
        Row {
            for (code in row) {
                Row(Modifier.selectable(chosen == code, role = Role.RadioButton) { onChoose(code) }.padding(end = 8.dp)) {
                    RadioButton(selected = chosen == code, onClick = null)
                    Text(directionName(code), Modifier.padding(start = 4.dp, top = 12.dp))
                }
            }
        }
    }
    error?.let { Text(stringResource(problemText(it)), color = MaterialTheme.colorScheme.error) }
}

/** A text field with its own label, its refusal (under the core's [field] name) beneath it. */
@Composable
private fun CameraField(
    label: String,
    field: String,
    value: String,
    errors: Map<String, InvalidCode>,
    keyboard: KeyboardType = KeyboardType.Text,
    onChange: (String) -> Unit,
) {
    val error = errors[field]
    val errorText = error?.let { stringResource(problemText(it)) }
    OutlinedTextField(
        value = value, onValueChange = onChange, singleLine = true,
        label = { Text(label) },
        isError = error != null,
        supportingText = errorText?.let { { Text(it) } },
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
        modifier = Modifier.fillMaxWidth().semantics { if (errorText != null) error(errorText) },
    )
}
